"""A persisted state change on SQLite against a raw sqlite3 transaction doing the same writes.

Each side takes N recommendations in `monitored` and reopens every one: load it, fire
the event, update the row (state and version), append the history row, commit.

    python bench/bench_transition.py [--rows N]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, insert

from bench.common import fresh_sqlite, report, timed
from config import load_workflow_table
from workflow import services
from workflow.db import make_engine, new_session
from workflow.lifecycle import Lifecycle
from workflow.models import Body, Person, Recommendation, Report
from workflow.records import Actor, Change

NOW = datetime(2027, 5, 1, 9, 0, tzinfo=UTC)


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


def with_rectrack(engine: Engine, rows: int) -> None:
    lifecycle = Lifecycle(load_workflow_table())
    actor = Actor("clerk@x.example", frozenset({"clerk"}), 1)
    with new_session(engine) as session:
        for i in range(rows):
            change = Change("reopen", actor, note="not yet")
            services.fire(session, lifecycle, f"R/{i}", change, NOW)


def with_raw_sqlite(path: Path, rows: int) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    at = NOW.isoformat()
    for i in range(rows):
        connection.execute("BEGIN")
        rec_id, state, version, _owner = connection.execute(
            "SELECT r.id, r.state, r.version, p.email FROM recommendation r "
            "LEFT JOIN person p ON p.id = r.owner_id WHERE r.code = ?",
            (f"R/{i}",),
        ).fetchone()
        assert state == "monitored"
        connection.execute(
            "UPDATE recommendation SET state = ?, version = ? WHERE id = ? AND version = ?",
            ("in_progress", version + 1, rec_id, version),
        )
        connection.execute(
            "INSERT INTO event (recommendation_id, event, from_state, to_state, actor_id, at,"
            " note, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (rec_id, "reopen", state, "in_progress", 1, at, "not yet", "{}"),
        )
        connection.execute("COMMIT")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as tmp:
        ours, raw = Path(tmp, "ours.db"), Path(tmp, "raw.db")
        for path in (ours, raw):
            engine = fresh_sqlite(path)
            seed(engine, rows)
            engine.dispose()
        engine = make_engine(f"sqlite:///{ours}")
        ours_s = timed(lambda: with_rectrack(engine, rows))
        raw_s = timed(lambda: with_raw_sqlite(raw, rows))
    report(
        f"State change on SQLite ({rows:,} reopen events, one transaction each)",
        [
            ("rectrack services.fire", rows / ours_s, "changes/s"),
            ("raw sqlite3 transaction", rows / raw_s, "changes/s"),
            ("rectrack per change", ours_s / rows * 1e6, "µs"),
            ("raw sqlite3 per change", raw_s / rows * 1e6, "µs"),
        ],
        ours_s / raw_s,
        "at most 3x the raw floor",
    )


if __name__ == "__main__":
    main()
