"""Usage: python -m bench.bench_show [--runs N]  (`rectrack recs show` vs `import sqlmodel`)

The command should cost little more than its imports. Each of three programs runs N
times as a new process, in turn, so that a busy machine slows all three alike; the
medians are compared. The floor is importing sqlmodel, which the command cannot do
without; the middle line is importing everything the command imports, so what lies
between it and the command is the command's own work (settings, the workflow table,
connecting, the queries, printing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bench.common import fresh_sqlite, report
from config import load_workflow_table
from workflow import services
from workflow.db import new_session
from workflow.lifecycle import Lifecycle
from workflow.models import Body, Event, Person, Recommendation, Report
from workflow.records import Actor, Change

LONDON = ZoneInfo("Europe/London")

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SHOW_IMPORTS = "import rectrack.cli, workflow.services"


def seed(engine: Engine) -> str:
    """One report of 50 recommendations, one of them taken through a few events."""
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
        for i in range(50):
            rec = Recommendation(
                report_id=1,
                reference=str(i),
                code=f"R/{i}",
                text="t" * 200,
                owner_id=1,
                state="proposed",
            )
            session.add(rec)
            session.flush()
            session.add(
                Event(
                    recommendation_id=rec.id or 0,
                    event="import",
                    to_state="proposed",
                    at=NOW,
                    effective_on=NOW.date(),
                )
            )
        session.commit()
        lifecycle = Lifecycle(load_workflow_table(), LONDON)
        clerk = Actor("clerk@x.example", frozenset({"clerk"}), 1)
        for change in (Change("agree", clerk, timescale=date(2027, 6, 30)), Change("start", clerk)):
            services.fire(session, lifecycle, "R/7", change, NOW)
        services.add_update(session, lifecycle, "R/7", clerk, "on track", "green", NOW)
    return "R/7"


def medians(commands: list[list[str]], runs: int, cwd: Path, env: dict[str, str]) -> list[float]:
    """Run the commands in turn, `runs` times over, after one unmeasured round."""
    times: list[list[float]] = [[] for _ in commands]
    for round_ in range(runs + 1):
        for command, measured in zip(commands, times, strict=True):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=cwd, env=env)
            if round_:
                measured.append(time.perf_counter() - start)
    return [statistics.median(measured) for measured in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    script = str(Path(sys.executable).with_name("rectrack"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "show.db")
        engine = fresh_sqlite(path)
        code = seed(engine)
        engine.dispose()
        env = {k: v for k, v in os.environ.items() if not k.startswith("RECTRACK_")}
        env["RECTRACK_DATABASE_URL"] = f"sqlite:///{path}"
        show, imports, floor = medians(
            [
                [script, "recs", "show", code],
                [sys.executable, "-c", SHOW_IMPORTS],
                [sys.executable, "-c", "import sqlmodel"],
            ],
            runs,
            Path(tmp),
            env,
        )
    report(
        f"`rectrack recs show` wall time (median of {runs} runs, new process each)",
        [
            ("rectrack recs show CODE", show * 1000, "ms"),
            ("its imports alone (cli, services)", imports * 1000, "ms"),
            ('python -c "import sqlmodel"', floor * 1000, "ms"),
        ],
        show / floor,
        "little more than the imports",
    )


if __name__ == "__main__":
    main()
