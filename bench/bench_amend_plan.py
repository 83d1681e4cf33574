"""Usage: python -m bench.bench_amend_plan [--rows N] [--rounds N] [--runs N]  (vs sqlite3)

A committee re-bases its whole action plan: one CSV gives each of N recommendations
a new target and monitoring date, under one reason, endorsement and day. rectrack's
side is what `rectrack amend --from-file PLAN.csv` calls once it knows who acts:
`services.amendment_plan` (reading and checking the file), then `services.amend`,
all N amendments in one transaction.

The floor is a hand-written program doing the same work with the raw driver: it
reads the same file, looks the endorsing body up once, then for each row runs the
same load as a state change (see bench_transition), makes the same checks (state,
endorsing body, a day neither ahead nor before the report), updates the
recommendation's dates, state and version (only if the version is still the one
read), and inserts the amendment row and the history row, with the same values
converted the same way; one commit at the end.
Both databases must end up holding the same rows. Each round starts both from fresh
copies of one seeded database; the best round of each side is reported.

Last, the whole command runs as a new process on a fresh copy of the database, in
turn with a process that only does the command's imports; the medians of --runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert

from bench.bench_transition import APPEND, LOAD, PRAGMAS
from bench.common import fresh_sqlite, report, timed
from config import load_workflow_table
from workflow import services
from workflow.db import make_engine, new_session
from workflow.lifecycle import Lifecycle
from workflow.models import Body, Person, Recommendation, Report

LONDON = ZoneInfo("Europe/London")

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
ON = date(2026, 6, 23)  # the meeting that endorsed the plan; passed on the real clock too
SUBMITTED = date(2026, 1, 5)
CLERK, PANEL = "clerk@council.example", "Scrutiny Panel"
REASON = "The action plan is re-based on the new budget timetable."
STATES = ("endorsed", "in_progress", "monitored", "amended")  # each one amend applies to
COMMAND_IMPORTS = "import rectrack.cli, workflow.services"

SAVE = (
    "UPDATE recommendation SET state=?, target_date=?, monitoring_date=?, version=?"
    " WHERE recommendation.id = ? AND recommendation.version = ?"
)
RECORD = (
    "INSERT INTO amendment (recommendation_id, reason, endorsed_by_id, endorsed_on, changes,"
    " by_id, at, undone) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def old_dates(i: int) -> tuple[date, date]:
    """Recommendation i's target and monitoring dates before the plan."""
    return date(2026, 9, 30) + timedelta(days=i % 90), date(2026, 8, 3) + timedelta(days=i % 30)


def new_dates(i: int) -> tuple[date, date]:
    """The plan's: every target a quarter later, every monitoring date nine weeks later."""
    target, monitoring = old_dates(i)
    return target + timedelta(days=91), monitoring + timedelta(days=63)


def seed(engine: Engine, rows: int) -> None:
    """One panel's report of `rows` recommendations, open in every state amend applies to."""
    with new_session(engine) as session:
        session.add(Person(name="Clerk", email=CLERK, roles=["clerk"]))
        session.add(Body(name=PANEL, kind="scrutiny"))
        session.flush()
        session.add(
            Report(
                reference="SP/1",
                title="Customer contact",
                from_body_id=1,
                to_body_id=1,
                submitted_on=SUBMITTED,
                response_due_on=date(2026, 3, 4),
            )
        )
        session.flush()
        session.execute(insert(Recommendation), [_recommendation(i) for i in range(rows)])
        session.commit()


def _recommendation(i: int) -> dict[str, Any]:
    target, monitoring = old_dates(i)
    return {
        "report_id": 1,
        "reference": str(i),
        "code": f"SP/1/{i}",
        "text": "That the council publishes a customer contact strategy.",
        "owner_id": 1,
        "state": STATES[i % len(STATES)],
        "target_date": target,
        "original_target_date": target,
        "monitoring_date": monitoring,
        "version": 1,
    }


def write_plan(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["code", "target_date", "monitoring_date"])
        for i in range(rows):
            target, monitoring = new_dates(i)
            writer.writerow([f"SP/1/{i}", target.isoformat(), monitoring.isoformat()])


def with_rectrack(engine: Engine, lifecycle: Lifecycle, plan_file: Path) -> float:
    with new_session(engine) as session:
        actor = services.actor_for(session, CLERK)  # before the clock, as the floor's clerk id

        def run() -> None:
            plan = services.amendment_plan(session, lifecycle, (), None, plan_file, {})
            outcomes = services.amend(
                session,
                lifecycle,
                plan,
                actor,
                NOW,
                reason=REASON,
                endorsed_by=PANEL,
                endorsed_on=ON,
            )
            if any(outcome.after != "amended" for outcome in outcomes):
                raise SystemExit("an amendment did not leave its recommendation amended")

        return timed(run)


def with_raw_sqlite(path: Path, plan_file: Path) -> float:
    connection = sqlite3.connect(path)
    for pragma in PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    clerk_id = connection.execute("SELECT id FROM person WHERE email = ?", (CLERK,)).fetchone()[0]

    def run() -> None:
        body = connection.execute("SELECT id FROM body WHERE name = ?", (PANEL,)).fetchone()
        for code, fields in raw_plan(plan_file):
            amend_one(connection, code, fields, body[0], clerk_id)
        connection.commit()

    try:
        return timed(run)
    finally:
        connection.close()


def raw_plan(plan_file: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Each row's code and new dates, as ISO text once checked to be dates."""
    with plan_file.open(newline="", encoding="utf-8-sig") as stream:
        for row in csv.DictReader(stream):
            days = {key: row[key] for key in ("target_date", "monitoring_date")}
            for value in days.values():
                date.fromisoformat(value)
            yield row["code"], days


def amend_one(
    connection: sqlite3.Connection, code: str, new: dict[str, str], body_id: int, clerk_id: int
) -> None:
    found = connection.execute(LOAD, (code,)).fetchone()
    rec_id, _code, state, version, _owner, _text, target, _baseline, monitoring, body, *rest = found
    if state not in STATES:
        raise RuntimeError(f"{code} is {state}")
    if body != PANEL:
        raise RuntimeError(f"{PANEL} cannot endorse {code}")
    if not date.fromisoformat(rest[2]) <= ON <= NOW.astimezone(LONDON).date():
        raise RuntimeError(f"{ON} is before {code}'s report was submitted, or in the future")
    old = {"target_date": target, "monitoring_date": monitoring}
    changes = {key: [old[key], value] for key, value in new.items() if old[key] != value}
    values = ("amended", new["target_date"], new["monitoring_date"], version + 1, rec_id, version)
    if connection.execute(SAVE, values).rowcount != 1:
        raise RuntimeError(f"{code} changed meanwhile")
    at = NOW.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    endorsed = ON.isoformat()
    record = (rec_id, REASON, body_id, endorsed, json.dumps(changes), clerk_id, at, False)
    connection.execute(RECORD, record)
    data = {"changes": changes, "endorsed_by": PANEL, "endorsed_on": endorsed}
    data["before"] = {**old, "state": state}
    line = (rec_id, "amend", state, "amended", clerk_id, at, endorsed, REASON, json.dumps(data))
    connection.execute(APPEND, line)


def same_rows(ours: Path, raw: Path) -> bool:
    """Both databases hold the same recommendations, amendments and history."""
    tables = ("recommendation", "amendment", "event")
    return all(_rows(ours, table) == _rows(raw, table) for table in tables)


def _rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def seeded(path: Path, rows: int) -> None:
    engine = fresh_sqlite(path)
    seed(engine, rows)
    engine.dispose()


def one_round(tmp: Path, lifecycle: Lifecycle, plan_file: Path) -> tuple[float, float]:
    ours, raw = tmp / "ours.db", tmp / "raw.db"
    for path in (ours, raw):
        copy_database(tmp / "pristine.db", path)
    engine = make_engine(f"sqlite:///{ours}")
    ours_s = with_rectrack(engine, lifecycle, plan_file)
    engine.dispose()
    raw_s = with_raw_sqlite(raw, plan_file)
    if not same_rows(ours, raw):
        raise SystemExit("the two sides wrote different rows")
    return ours_s, raw_s


def copy_database(source: Path, target: Path) -> None:
    """A fresh copy of `source`, made by SQLite's own backup."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)


def processes(tmp: Path, plan_file: Path, runs: int) -> tuple[float, float]:
    """Medians of the whole command and of its imports alone, each a new process, in turn.

    The command amends a fresh copy of the database each time; one round goes unmeasured.
    """
    pristine, database = tmp / "pristine.db", tmp / "cli.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECTRACK_")}
    env["RECTRACK_DATABASE_URL"] = f"sqlite:///{database}"
    script = str(Path(sys.executable).with_name("rectrack"))
    amend = [script, "amend", "--from-file", str(plan_file), "--reason", REASON]
    amend += ["--endorsed-by", PANEL, "--on", ON.isoformat(), "--by", CLERK]
    imports = [sys.executable, "-c", COMMAND_IMPORTS]
    amend_s: list[float] = []
    imports_s: list[float] = []
    for round_ in range(runs + 1):
        copy_database(pristine, database)
        for command, measured in ((amend, amend_s), (imports, imports_s)):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=tmp, env=env)
            if round_:
                measured.append(time.perf_counter() - start)
    return statistics.median(amend_s), statistics.median(imports_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5, help="runs of the command in a process")
    args = parser.parse_args()
    lifecycle = Lifecycle(load_workflow_table(), LONDON)  # built once at start-up, as the CLI does
    with tempfile.TemporaryDirectory() as tmp:
        plan_file = Path(tmp, "plan.csv")
        write_plan(plan_file, args.rows)
        seeded(Path(tmp, "pristine.db"), args.rows)
        rounds = [one_round(Path(tmp), lifecycle, plan_file) for _ in range(args.rounds)]
        command_s, imports_s = processes(Path(tmp), plan_file, args.runs)
    ours_s = min(ours for ours, _ in rounds)
    raw_s = min(raw for _, raw in rounds)
    report(
        f"amend --from-file: a plan of {args.rows:,} new timetables in one transaction"
        f" (best of {args.rounds} rounds; processes: median of {args.runs})",
        [
            ("rectrack amendment_plan + amend", ours_s * 1e3, "ms"),
            ("raw sqlite3, same file and writes", raw_s * 1e3, "ms"),
            ("rectrack per amendment", ours_s / args.rows * 1e6, "µs"),
            ("raw sqlite3 per amendment", raw_s / args.rows * 1e6, "µs"),
            ("rectrack amend --from-file, process", command_s * 1e3, "ms"),
            ("its imports alone, process", imports_s * 1e3, "ms"),
        ],
        ours_s / raw_s,
        "at most 3x the raw floor",
    )


if __name__ == "__main__":
    main()
