"""Usage: python -m bench.bench_transition [--rows N] [--rounds N]  (state change vs raw sqlite3)

Each side takes N recommendations in `monitored` and reopens every one, one
transaction each: load it, check the event is allowed, update the row (state and
version, only if the version is still the one read), append the history row, commit.

The floor is what a hand-written program would have to do for the same change: the
same pragmas, the same SQL text, the same values converted the same way (the time as
UTC text, the event data as JSON), and the same checks (state, version). Both
databases must end up holding the same rows. Each round uses fresh databases; the
best round of each side is reported.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert

from bench.common import fresh_sqlite, report, timed
from config import load_workflow_table
from workflow import services
from workflow.db import make_engine, new_session
from workflow.lifecycle import Lifecycle
from workflow.models import Body, Person, Recommendation, Report
from workflow.records import Actor, Change

LONDON = ZoneInfo("Europe/London")

NOW = datetime(2027, 5, 1, 9, 0, tzinfo=UTC)
NOTE = "not yet"

PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000")
LOAD = (
    "SELECT recommendation.id, recommendation.code, recommendation.state,"
    " recommendation.version, person.email, recommendation.text,"
    " recommendation.target_date, recommendation.original_target_date,"
    " recommendation.monitoring_date, body.name, chair.email,"
    " (SELECT response.decision FROM response"
    " WHERE response.recommendation_id = recommendation.id AND NOT response.undone"
    " ORDER BY response.id DESC LIMIT 1),"
    " report.submitted_on, recommendation.rag, recommendation.closure_outcome"
    " FROM recommendation JOIN report ON report.id = recommendation.report_id"
    " JOIN body ON body.id = report.from_body_id"
    " LEFT OUTER JOIN person ON person.id = recommendation.owner_id"
    " LEFT OUTER JOIN person AS chair ON chair.id = body.chair_id"
    " WHERE recommendation.code = ?"
)
SAVE = (
    "UPDATE recommendation SET state=?, version=?"
    " WHERE recommendation.id = ? AND recommendation.version = ?"
)
APPEND = (
    "INSERT INTO event (recommendation_id, event, from_state, to_state, actor_id, at,"
    " effective_on, note, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def seed(engine: Engine, rows: int) -> None:
    with new_session(engine) as session:
        session.add(Person(name="Clerk", email="clerk@x.example", roles=["clerk"]))
        session.add(Body(name="Panel", kind="scrutiny"))
        session.flush()
        session.add(
            Report(
                reference="R",
                title="R",
                from_body_id=1,
                to_body_id=1,
                submitted_on=date(2027, 1, 5),
                response_due_on=date(2027, 3, 4),
            )
        )
        session.flush()
        session.execute(
            insert(Recommendation),
            [
                {
                    "report_id": 1,
                    "reference": str(i),
                    "code": f"R/{i}",
                    "text": "t",
                    "owner_id": 1,
                    "state": "monitored",
                    "version": 1,
                }
                for i in range(rows)
            ],
        )
        session.commit()


def with_rectrack(engine: Engine, lifecycle: Lifecycle, rows: int) -> float:
    actor = Actor("clerk@x.example", frozenset({"clerk"}), 1)
    with new_session(engine) as session:
        session.connection()  # connect before the clock starts, as the floor does

        def run() -> None:
            for i in range(rows):
                change = Change("reopen", actor, note=NOTE)
                services.fire(session, lifecycle, f"R/{i}", change, NOW)

        return timed(run)


def with_raw_sqlite(path: Path, rows: int) -> float:
    connection = sqlite3.connect(path)
    for pragma in PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")

    def run() -> None:
        for i in range(rows):
            rec_id, _code, state, version, *_ = connection.execute(LOAD, (f"R/{i}",)).fetchone()
            if state != "monitored":
                raise RuntimeError(f"R/{i} is {state}")
            saved = connection.execute(SAVE, ("in_progress", version + 1, rec_id, version))
            if saved.rowcount != 1:
                raise RuntimeError(f"R/{i} changed meanwhile")
            at = NOW.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            day = NOW.astimezone(LONDON).date().isoformat()
            data = json.dumps({"before": {"state": state}})
            values = (rec_id, "reopen", state, "in_progress", 1, at, day, NOTE, data)
            connection.execute(APPEND, values)
            connection.commit()

    try:
        return timed(run)
    finally:
        connection.close()


def same_rows(ours: Path, raw: Path) -> bool:
    """Both databases hold the same recommendations and the same history."""
    return all(_rows(ours, table) == _rows(raw, table) for table in ("recommendation", "event"))


def _rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def one_round(tmp: Path, lifecycle: Lifecycle, rows: int) -> tuple[float, float]:
    ours, raw = tmp / "ours.db", tmp / "raw.db"
    for path in (ours, raw):
        engine = fresh_sqlite(path)
        seed(engine, rows)
        engine.dispose()
    engine = make_engine(f"sqlite:///{ours}")
    ours_s = with_rectrack(engine, lifecycle, rows)
    engine.dispose()
    raw_s = with_raw_sqlite(raw, rows)
    if not same_rows(ours, raw):
        raise SystemExit("the two sides wrote different rows")
    return ours_s, raw_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    lifecycle = Lifecycle(load_workflow_table(), LONDON)  # built once at start-up, as the CLI does
    with tempfile.TemporaryDirectory() as tmp:
        rounds = [one_round(Path(tmp), lifecycle, args.rows) for _ in range(args.rounds)]
    ours_s = min(ours for ours, _ in rounds)
    raw_s = min(raw for _, raw in rounds)
    report(
        f"State change on SQLite ({args.rows:,} reopen events, one transaction each,"
        f" best of {args.rounds} rounds)",
        [
            ("rectrack services.fire", args.rows / ours_s, "changes/s"),
            ("raw sqlite3 transaction", args.rows / raw_s, "changes/s"),
            ("rectrack per change", ours_s / args.rows * 1e6, "µs"),
            ("raw sqlite3 per change", raw_s / args.rows * 1e6, "µs"),
        ],
        ours_s / raw_s,
        "at most 3x the raw floor",
    )


if __name__ == "__main__":
    main()
