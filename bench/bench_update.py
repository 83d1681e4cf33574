"""Usage: python -m bench.bench_update [--rows N] [--rounds N]  (import --update vs raw sqlite3)

A tracker of `--rows` recommendations is loaded (not timed), then a file naming each
of them with a new owner, as a council's tracker corrected in bulk would, is applied
with `import --update`: rectrack's side reads the file, validates it, compares every
record with the database and writes each correction with its `edit` history line in
one transaction (`read_json` + `update_from_document`, what the command does). The
floor is raw `sqlite3` doing the same writes from the parsed file with no checks: for
each recommendation, its owner and version, and the history line, in one transaction.
Each side runs in a child process of its own, so that its peak memory (RSS, imports
included) is its own; both databases must end up with the same owners. The fastest
of a few rounds is reported, with the highest peak.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.bench_import import CLERK, LONDON, NOW, OFFICERS, make_document, peak_rss_mib
from bench.common import fresh_sqlite, report
from config import load_workflow_table, parse_period
from workflow import services
from workflow.db import make_engine, new_session
from workflow.interchange import import_document, read_json

GOALS = "at least 20,000 recommendations/s; peak memory under 300 MiB"


def corrected(document: dict[str, Any]) -> dict[str, Any]:
    """Every recommendation of the document, each with the next officer as its owner."""
    recs = []
    for rec in document["recommendations"]:
        number = int(rec["owner"].removeprefix("officer").partition("@")[0])
        owner = f"officer{(number + 1) % OFFICERS}@council.example"
        recs.append({key: rec[key] for key in ("report", "reference", "text")} | {"owner": owner})
    return {"recommendations": recs}


def update_with_rectrack(path: Path, database: Path) -> float:
    engine = make_engine(f"sqlite:///{database}")
    table, period = load_workflow_table(), parse_period("2 months")
    with new_session(engine) as session:
        start = time.perf_counter()
        document = read_json(path)
        services.update_from_document(
            session, document, table=table, period=period, tz=LONDON, by=CLERK, now=NOW
        )
        seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def update_with_sqlite3(path: Path, database: Path) -> float:
    document = json.loads(path.read_text())
    with closing(sqlite3.connect(database)) as connection:
        people = dict(connection.execute("SELECT email, id FROM person"))
        start = time.perf_counter()
        rows = [
            (people[rec["owner"]], f"{rec['report']}/{rec['reference']}")
            for rec in document["recommendations"]
        ]
        connection.execute("BEGIN")
        connection.executemany(
            "UPDATE recommendation SET owner_id = ?, version = version + 1 WHERE code = ?", rows
        )
        connection.execute(
            "INSERT INTO event (recommendation_id, event, from_state, to_state, actor_id, at,"
            " effective_on, note, data) SELECT id, 'edit', state, state, 1, ?, ?,"
            " 'owner changed', '{}' FROM recommendation",
            (NOW.isoformat(), NOW.astimezone(LONDON).date().isoformat()),
        )
        connection.commit()
        seconds = time.perf_counter() - start
    return seconds


SIDES = {"rectrack": update_with_rectrack, "sqlite3": update_with_sqlite3}


def child(side: str, path: Path, database: Path) -> None:
    seconds = SIDES[side](path, database)
    print(json.dumps({"seconds": seconds, "peak_mib": peak_rss_mib()}))


def run_side(side: str, path: Path, database: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.bench_update", "--side", side]
    command += ["--document", str(path), "--database", str(database)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(output)
    return result


def loaded(database: Path, rows: int) -> dict[str, Any]:
    """A database holding a tracker of `rows` recommendations; the tracker's document."""
    document = make_document(rows)
    engine = fresh_sqlite(database)
    table, period = load_workflow_table(), parse_period("2 months")
    with new_session(engine) as session:
        import_document(session, document, table=table, period=period, by=CLERK, now=NOW, tz=LONDON)
    engine.dispose()
    return document


def owners(database: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(
            "SELECT code, owner_id FROM recommendation ORDER BY id"
        ).fetchall()


def one_round(template: Path, path: Path, tmp: Path) -> tuple[dict[str, float], dict[str, float]]:
    databases = {side: tmp / f"{side}.db" for side in SIDES}
    for database in databases.values():
        shutil.copyfile(template, database)
    ours = run_side("rectrack", path, databases["rectrack"])
    floor = run_side("sqlite3", path, databases["sqlite3"])
    if owners(databases["rectrack"]) != owners(databases["sqlite3"]):
        raise SystemExit("the two sides left different owners")
    return ours, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--side", choices=sorted(SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--document", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        child(args.side, args.document, args.database)
        return
    with tempfile.TemporaryDirectory() as tmp:
        template, path = Path(tmp, "template.db"), Path(tmp, "corrected.json")
        path.write_text(json.dumps(corrected(loaded(template, args.rows)), indent=2))
        rounds = [one_round(template, path, Path(tmp)) for _ in range(args.rounds)]
    ours = min(o["seconds"] for o, _ in rounds), max(o["peak_mib"] for o, _ in rounds)
    floor = min(f["seconds"] for _, f in rounds), max(f["peak_mib"] for _, f in rounds)
    report(
        f"import --update of {args.rows:,} corrected recommendations on SQLite"
        f" (one transaction each, best of {args.rounds} rounds)",
        [
            ("rectrack import --update", args.rows / ours[0], "recs/s"),
            ("raw sqlite3, same writes", args.rows / floor[0], "recs/s"),
            ("rectrack peak memory", ours[1], "MiB"),
            ("raw sqlite3 peak memory", floor[1], "MiB"),
        ],
        ours[0] / floor[0],
        GOALS,
    )


if __name__ == "__main__":
    main()
