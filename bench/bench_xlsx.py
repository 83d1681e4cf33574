"""Usage: python -m bench.bench_xlsx [--rows N] [--rounds N]  (import tracker.xlsx vs openpyxl)

A York-style tracker of `--rows` rows (Reference, Origin, Date agreed,
Recommendation, Lead Officer, Action taken, Status) is written with openpyxl, not
timed, into a database that holds its officers and its report. rectrack's side is
`services.import_tracker_xlsx` through `docs/york-tracker.toml`, as `rectrack
import tracker.xlsx --map` runs it: read, map, check every row, write them all with
their updates and history in one transaction. The floor is openpyxl alone reading
the same sheet in read-only, values-only mode, every cell of every row, in the same
process and run. The fastest of a few rounds is reported.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook, load_workbook
from sqlalchemy import insert

from bench.common import fresh_sqlite, report
from config import load_workflow_table
from workflow import services
from workflow.db import make_engine, new_session
from workflow.models import Body, Person, Report

GOAL = "at least half openpyxl's rate"
ROOT = Path(__file__).resolve().parent.parent
YORK_MAP = ROOT / "docs" / "york-tracker.toml"
NOW = datetime(2027, 2, 1, 9, 30, tzinfo=UTC)
CLERK = "clerk@council.example"
LONDON = ZoneInfo("Europe/London")
OFFICERS = 50
HEADERS = ("Reference", "Origin", "Date agreed", "Recommendation", "Lead Officer",
           "Action taken", "Status")  # fmt: skip
STATUSES = ("Ongoing", "Complete", "Paused", None)


def write_tracker(path: Path, rows: int) -> None:
    book = Workbook()  # not write_only: shared strings and dimensions, as Excel writes
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tracker"
    sheet.append(HEADERS)
    for i in range(rows):
        sheet.append([
            f"SR (25/26) {i:05}", "CRP", date(2025, 7, 2),
            f"Recommendation {i}: review the service and report back to the committee",
            f"Officer {i % OFFICERS}", f"Progress on {i}: consulting" if i % 3 else None,
            STATUSES[i % len(STATUSES)],
        ])  # fmt: skip
    book.save(path)


def prepare(database: Path) -> None:
    engine = fresh_sqlite(database)
    people = [{"name": "Clara Clerk", "email": CLERK, "roles": ["clerk"]}]
    people += [{"name": f"Officer {n}", "email": f"officer{n}@council.example",
                "roles": ["officer"]} for n in range(OFFICERS)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(Person), people)
        connection.execute(insert(Body), [{"name": "Corporate Scrutiny", "kind": "scrutiny"},
                                          {"name": "Executive", "kind": "executive"}])  # fmt: skip
        connection.execute(insert(Report), [{
            "reference": "CRP", "title": "Corporate scrutiny 2025/26", "from_body_id": 1,
            "to_body_id": 2, "submitted_on": date(2025, 7, 2),
            "response_due_on": date(2025, 9, 1),
        }])  # fmt: skip
    engine.dispose()


def with_rectrack(path: Path, database: Path) -> float:
    engine = make_engine(f"sqlite:///{database}")
    table = load_workflow_table()
    with new_session(engine) as session:
        start = time.perf_counter()
        summary = services.import_tracker_xlsx(
            session, path, table=table, tz=LONDON, by=CLERK, now=NOW, map_path=YORK_MAP
        )
        seconds = time.perf_counter() - start
    engine.dispose()
    return seconds if summary.recommendations else float("nan")


def with_openpyxl(path: Path) -> float:
    start = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    cells = sum(len(row) for row in book["Tracker"].iter_rows(values_only=True))
    book.close()
    seconds = time.perf_counter() - start
    return seconds if cells else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path, template = Path(tmp, "tracker.xlsx"), Path(tmp, "template.db")
        write_tracker(path, args.rows)
        prepare(template)
        ours, floor = [], []
        for n in range(args.rounds):  # alternating, so both share whatever else runs
            database = Path(tmp, f"round{n}.db")
            shutil.copyfile(template, database)
            ours.append(with_rectrack(path, database))
            floor.append(with_openpyxl(path))
    best, raw = min(ours), min(floor)
    report(
        f"import of a {args.rows:,}-row tracker spreadsheet on SQLite (best of {args.rounds})",
        [
            ("rectrack import tracker.xlsx", args.rows / best, "rows/s"),
            ("openpyxl read-only, same sheet", args.rows / raw, "rows/s"),
        ],
        raw / best,
        GOAL,
    )


if __name__ == "__main__":
    main()
