"""Usage: python -m bench.bench_import [--rows N] [--rounds N]  (JSON import vs Core executemany)

rectrack's side reads the interchange document from its file, validates all of it
and writes it in one transaction (`read_json` + `import_document`, what `rectrack
import` does); its clock includes reading the file. The floor is SQLAlchemy Core
`executemany` of the same rows, made straight from the parsed document with no
checks (its clock starts after parsing): people, bodies, reports, the
recommendations, then each one's `import` history line, in one transaction. The
import writes those history lines with one INSERT ... SELECT per chunk, so it can
beat the floor. Both sides run in a child process of their own, so that each one's
peak memory (RSS, imports included) is its own; both databases must end up holding
the same rows. The fastest of a few rounds is reported, with the highest peak.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select

from bench.common import fresh_sqlite, report
from config import load_workflow_table, parse_period
from workflow.db import make_engine, new_session
from workflow.interchange import import_document, read_json
from workflow.models import Body, Event, Person, Recommendation, Report

NOW = datetime(2027, 1, 6, 10, 0, tzinfo=UTC)
OFFICERS, REPORTS = 200, 40
STATES = ("proposed", "endorsed", "in_progress", "monitored")
GOALS = "at least half of Core's rate; peak memory under 300 MiB"
CLERK = "clerk@council.example"  # who imports it
LONDON = ZoneInfo("Europe/London")


def make_document(rows: int) -> dict[str, Any]:
    """A council's tracker: officers, a panel and a board, reports, `rows` recommendations."""
    people = [{"name": "Clerk", "email": CLERK, "roles": ["clerk"]}] + [
        {"name": f"Officer {i}", "email": f"officer{i}@council.example", "roles": ["officer"]}
        for i in range(OFFICERS)
    ]
    bodies = [
        {"name": "Scrutiny Panel", "kind": "scrutiny"},
        {"name": "Executive Board", "kind": "executive"},
    ]
    reports = [
        {
            "reference": f"SP/{i:03d}",
            "title": f"Panel report {i}",
            "from_body": "Scrutiny Panel",
            "to_body": "Executive Board",
            "submitted_on": (date(2026, 1, 5) + timedelta(days=7 * i)).isoformat(),
        }
        for i in range(REPORTS)
    ]
    recs = [_recommendation(i) for i in range(rows)]
    return {"people": people, "bodies": bodies, "reports": reports, "recommendations": recs}


def _recommendation(i: int) -> dict[str, Any]:
    state = STATES[i % len(STATES)]
    dated = state != "proposed"
    return {
        "report": f"SP/{i % REPORTS:03d}",
        "reference": str(i),
        "text": f"That the council reviews item {i} of its contact strategy and reports back "
        "to the panel on the savings made, the service levels kept and the lessons learnt.",
        "owner": f"officer{i % OFFICERS}@council.example",
        "state": state,
        "target_date": (date(2027, 3, 31) + timedelta(days=i % 300)).isoformat() if dated else None,
        "monitoring_date": date(2027, 2, 20).isoformat() if dated else None,
    }


def import_with_rectrack(document_path: Path, database: Path) -> float:
    engine = make_engine(f"sqlite:///{database}")
    table, period = load_workflow_table(), parse_period("2 months")
    with new_session(engine) as session:
        start = time.perf_counter()
        document = read_json(document_path)
        import_document(session, document, table=table, period=period, by=CLERK, now=NOW, tz=LONDON)
        seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def insert_with_core(document_path: Path, database: Path) -> float:
    document = read_json(document_path)
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        directory = _directory_rows(document)
        start = time.perf_counter()
        people = _insert_ids(connection, Person, directory["people"], "email")
        bodies = _insert_ids(connection, Body, directory["bodies"], "name")
        reports = _insert_ids(
            connection, Report, _reports(directory["reports"], bodies), "reference"
        )
        rows = [_rec_row(rec, people, reports) for rec in document["recommendations"]]
        rec_ids = _insert_ids(connection, Recommendation, rows, "code")
        connection.execute(insert(Event), [_import_line(rec_ids[r["code"]], r) for r in rows])
        connection.commit()
        seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def _directory_rows(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {key: document[key] for key in ("people", "bodies", "reports")}


def _insert_ids(
    connection: Connection, model: Any, rows: list[dict[str, Any]], key: str
) -> dict[str, int]:
    connection.execute(insert(model), rows)
    table = model.__table__
    return dict(connection.execute(select(table.c[key], table.c.id)).tuples().all())


def _reports(reports: list[dict[str, Any]], bodies: dict[str, int]) -> list[dict[str, Any]]:
    # The response is due two months beginning with the day the report was submitted.
    period = parse_period("2 months")
    return [
        {
            "reference": r["reference"],
            "title": r["title"],
            "from_body_id": bodies[r["from_body"]],
            "to_body_id": bodies[r["to_body"]],
            "submitted_on": date.fromisoformat(r["submitted_on"]),
            "response_due_on": period.last_day(date.fromisoformat(r["submitted_on"])),
        }
        for r in reports
    ]


def _rec_row(
    rec: dict[str, Any], people: dict[str, int], reports: dict[str, int]
) -> dict[str, Any]:
    target = rec["target_date"] and date.fromisoformat(rec["target_date"])
    return {
        "report_id": reports[rec["report"]],
        "reference": rec["reference"],
        "code": f"{rec['report']}/{rec['reference']}",
        "text": rec["text"],
        "owner_id": people[rec["owner"]],
        "state": rec["state"],
        "target_date": target,
        "original_target_date": target,
        "monitoring_date": rec["monitoring_date"] and date.fromisoformat(rec["monitoring_date"]),
        "version": 1,
    }


def _import_line(rec_id: int, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "recommendation_id": rec_id,
        "event": "import",
        "from_state": None,
        "to_state": row["state"],
        "actor_id": 1,  # the clerk who imports it, as rectrack names them
        "at": NOW,
        "effective_on": NOW.astimezone(LONDON).date(),
        "note": None,
        "data": {},
    }


SIDES = {"rectrack": import_with_rectrack, "core": insert_with_core}


def run_side(side: str, document: Path, database: Path) -> dict[str, float]:
    """Run one side in a child process; return its seconds and peak RSS in MiB."""
    command = [sys.executable, "-m", "bench.bench_import", "--side", side]
    command += ["--document", str(document), "--database", str(database)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(output)
    return result


def child(side: str, document: Path, database: Path) -> None:
    seconds = SIDES[side](document, database)
    print(json.dumps({"seconds": seconds, "peak_mib": peak_rss_mib()}))


def peak_rss_mib() -> float:
    """This process's peak resident memory since it started (Linux's VmHWM).

    Not `getrusage().ru_maxrss`: Linux carries that over from the parent's forked
    copy across exec, so a child would report the parent's peak if it was higher.
    """
    status = Path("/proc/self/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


def same_rows(ours: Path, floor: Path) -> bool:
    """Both databases hold the same directory, recommendations and history lines."""
    queries = (
        *(f"SELECT * FROM {table} ORDER BY id" for table in ("person", "body", "report")),
        "SELECT * FROM recommendation ORDER BY id",
        "SELECT recommendation_id, event, from_state, to_state, actor_id, at, note, data"
        " FROM event ORDER BY recommendation_id, id",
    )
    return all(_rows(ours, query) == _rows(floor, query) for query in queries)


def _rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(query).fetchall()


def one_round(document: Path, tmp: Path) -> tuple[dict[str, float], dict[str, float]]:
    databases = {side: tmp / f"{side}.db" for side in SIDES}
    for database in databases.values():
        fresh_sqlite(database).dispose()
    ours = run_side("rectrack", document, databases["rectrack"])
    floor = run_side("core", document, databases["core"])
    if not same_rows(databases["rectrack"], databases["core"]):
        raise SystemExit("the two sides wrote different rows")
    return ours, floor


def best(results: list[dict[str, float]]) -> dict[str, float]:
    """The fastest round's time, and the highest peak memory of any round."""
    return {
        "seconds": min(r["seconds"] for r in results),
        "peak_mib": max(r["peak_mib"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--side", choices=sorted(SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--document", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        child(args.side, args.document, args.database)
        return
    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp, "document.json")
        document.write_text(json.dumps(make_document(args.rows), ensure_ascii=False, indent=2))
        rounds = [one_round(document, Path(tmp)) for _ in range(args.rounds)]
    ours, floor = best([o for o, _ in rounds]), best([f for _, f in rounds])
    report(
        f"Import of {args.rows:,} recommendations on SQLite (one transaction each,"
        f" best of {args.rounds} rounds)",
        [
            ("rectrack import (JSON file)", args.rows / ours["seconds"], "recs/s"),
            ("Core executemany, same rows", args.rows / floor["seconds"], "recs/s"),
            ("rectrack import, time", ours["seconds"], "s"),
            ("Core executemany, time", floor["seconds"], "s"),
            ("rectrack import, peak RSS", ours["peak_mib"], "MiB"),
            ("Core executemany, peak RSS", floor["peak_mib"], "MiB"),
        ],
        floor["seconds"] / ours["seconds"],
        GOALS,
    )


if __name__ == "__main__":
    main()
