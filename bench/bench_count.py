"""Usage: python -m bench.bench_count [--rows N] [--runs N]  (`recs count --by rag` vs its imports)

`rectrack recs count --by rag` over N recommendations, each run a new process that
starts as the console script does (`from rectrack.cli import run; run()`). In turn
with it runs a process that only imports what the command imports (`rectrack.cli`
and `workflow.services`): the floor of a command that should cost little more than
its imports. Both carry the same small hook that, as the process exits, reports its
peak memory (Linux's VmHWM, which is the process's own; `getrusage` would count the
parent's forked copy) and how many modules it had imported. Medians of --runs.

Then, in this process, the query alone: `services.count_recommendations` against raw
`sqlite3` running `SELECT rag, count(*) ... GROUP BY rag` on its own connection; the
best of --runs each, and both must count the same.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.common import fresh_sqlite, report, timed
from config import load_workflow_table
from workflow import services
from workflow.db import make_engine, new_session

TODAY = date(2027, 5, 3)
OFFICERS, PER_REPORT = 200, 100
RAGS = ("green", "amber", "red", None)
STATES = ("proposed", "endorsed", "in_progress", "monitored", "closed")
COMMAND_IMPORTS = "import rectrack.cli, workflow.services"
# Printed on stderr as the process exits: its peak RSS in KiB and how many modules it holds.
HOOK = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    with open('/proc/self/status') as status:\n"
    "        kib = next(line.split()[1] for line in status if line.startswith('VmHWM:'))\n"
    "    print('peak', kib, len(sys.modules), file=sys.stderr)\n"
    "atexit.register(_peak)\n"
)
RECOMMENDATION = (
    "INSERT INTO recommendation (id, report_id, reference, code, text, owner_id, state,"
    " target_date, original_target_date, monitoring_date, rag, version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
)
RAW_COUNT = "SELECT rag, count(*) FROM recommendation GROUP BY rag ORDER BY count(*) DESC, rag"


def people() -> Iterator[tuple[Any, ...]]:
    yield 1, "Clerk", "clerk@council.example", '["clerk"]'
    for i in range(OFFICERS):
        yield 2 + i, f"Officer {i}", f"officer{i}@council.example", '["officer"]'


def reports(count: int) -> Iterator[tuple[Any, ...]]:
    for i in range(1, count + 1):
        submitted = date(2020, 1, 6) + timedelta(days=2 * i)
        due = submitted + timedelta(days=59)
        yield i, f"SP/{i}", f"Panel report {i}", 1, 2, submitted.isoformat(), due.isoformat()


def recommendations(rows: int) -> Iterator[tuple[Any, ...]]:
    for i in range(1, rows + 1):
        report_id, reference = 1 + (i - 1) // PER_REPORT, (i - 1) % PER_REPORT
        state = STATES[i % len(STATES)]
        dated = state != "proposed"
        target = (TODAY + timedelta(days=i % 400 - 100)).isoformat() if dated else None
        monitoring = (TODAY + timedelta(days=i % 60)).isoformat() if dated else None
        rag = RAGS[i % 7 % len(RAGS)] if target else None  # an uneven mix, as councils' are
        code = f"SP/{report_id}/{reference}"
        owner = 2 + i % OFFICERS
        text = "That the council reviews its contact strategy and reports back to the panel."
        yield i, report_id, reference, code, text, owner, state, target, target, monitoring, rag


def seed(path: Path, rows: int) -> None:
    """A migrated database at `path` holding `rows` recommendations, written by sqlite3."""
    fresh_sqlite(path).dispose()
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA synchronous=OFF")  # a crash while seeding loses nothing of value
        db.executemany("INSERT INTO person (id, name, email, roles) VALUES (?, ?, ?, ?)", people())
        bodies = [(1, "Scrutiny Panel", "scrutiny"), (2, "Executive Board", "executive")]
        db.executemany("INSERT INTO body (id, name, kind) VALUES (?, ?, ?)", bodies)
        db.executemany(
            "INSERT INTO report VALUES (?, ?, ?, ?, ?, ?, ?)", reports(-(-rows // PER_REPORT))
        )
        db.executemany(RECOMMENDATION, recommendations(rows))
        db.commit()


def processes(database: Path, runs: int) -> dict[str, list[float]]:
    """Wall seconds, peak MiB and modules of the command and of its imports, medians.

    Each runs `runs` times as a new process, in turn, after one unmeasured round.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECTRACK_")}
    env["RECTRACK_DATABASE_URL"] = f"sqlite:///{database}"
    commands = {
        "command": [sys.executable, "-c", HOOK + "from rectrack.cli import run\nrun()"],
        "imports": [sys.executable, "-c", HOOK + COMMAND_IMPORTS],
    }
    commands["command"] += ["recs", "count", "--by", "rag"]
    measured: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for round_ in range(runs + 1):
        for name, command in commands.items():
            start = time.perf_counter()
            done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
            seconds = time.perf_counter() - start
            _, kib, modules = done.stderr.splitlines()[-1].split()
            if round_:
                measured[name].append((seconds, int(kib) / 1024, float(modules)))
    return {name: _medians(figures) for name, figures in measured.items()}


def _medians(figures: list[tuple[float, float, float]]) -> list[float]:
    return [statistics.median(column) for column in zip(*figures, strict=True)]


def in_process(database: Path, runs: int) -> tuple[float, float]:
    """The best time of rectrack's count and of the raw query; both must count the same."""
    table = load_workflow_table()
    engine = make_engine(f"sqlite:///{database}")
    found: dict[str, Any] = {}
    with new_session(engine) as session, closing(sqlite3.connect(database)) as raw:
        session.connection()  # connect before the clock starts, as the floor does

        def ours() -> None:
            found["ours"] = services.count_recommendations(session, table, TODAY, "rag")

        def floor() -> None:
            found["raw"] = raw.execute(RAW_COUNT).fetchall()

        times = [(timed(ours), timed(floor)) for _ in range(runs)]  # in turn, sharing the load
        ours_s, raw_s = (min(side) for side in zip(*times, strict=True))
    engine.dispose()
    if found["ours"] != found["raw"]:
        raise SystemExit(f"the counts differ: {found['ours']} and {found['raw']}")
    return ours_s, raw_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp, "count.db")
        seconds = timed(lambda: seed(database, args.rows))
        print(f"seeding {args.rows:,} recommendations: {seconds:.1f} s")
        figures = processes(database, args.runs)
        ours_s, raw_s = in_process(database, args.runs)
    (command_s, command_mib, command_modules) = figures["command"]
    (imports_s, imports_mib, imports_modules) = figures["imports"]
    report(
        f"`rectrack recs count --by rag` over {args.rows:,} recommendations"
        f" (median of {args.runs} runs, new process each)",
        [
            ("rectrack recs count --by rag", command_s * 1000, "ms"),
            ("its imports alone (cli, services)", imports_s * 1000, "ms"),
            ("recs count, peak RSS", command_mib, "MiB"),
            ("its imports alone, peak RSS", imports_mib, "MiB"),
            ("recs count, modules imported", command_modules, ""),
            ("its imports alone, modules", imports_modules, ""),
        ],
        command_s / imports_s,
        "little more than its imports",
    )
    report(
        f"The count itself, in process (best of {args.runs})",
        [
            ("services.count_recommendations", ours_s * 1000, "ms"),
            ("raw sqlite3 GROUP BY rag", raw_s * 1000, "ms"),
        ],
        ours_s / raw_s,
        "none set; what the query costs beside the floor",
    )


if __name__ == "__main__":
    main()
