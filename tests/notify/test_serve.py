"""`rectrack serve`: a real process sends what is due and stops cleanly; its jobs read the clock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from factories import make_recommendation, make_world

from config import Settings
from notifications.service import service_jobs
from rectrack.cli.app import App
from rectrack.schema import upgrade
from workflow.clock import FixedClock
from workflow.db import make_engine, new_session

RECTRACK = Path(sys.executable).with_name("rectrack")
LONDON = ZoneInfo("Europe/London")
WAITS = 600  # of 0.1 s each: a minute at most for the first email


def database_with_a_target_passed(path: Path, target: date) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with new_session(engine) as session:
        world = make_world(session)
        make_recommendation(world, "a", "in_progress", target_date=target)
    engine.dispose()
    return url


def database_with_a_notice_due_now(path: Path) -> str:
    # serve reads the system clock, so what is due must be due by the wall clock:
    # a target two days ago has its overdue notice out since yesterday's send hour.
    today = datetime.now(LONDON).date()
    return database_with_a_target_passed(path, today - timedelta(days=2))


def start_serve(tmp_path: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECTRACK_")}
    env |= {
        "RECTRACK_DATABASE_URL": database_with_a_notice_due_now(tmp_path / "serve.db"),
        "RECTRACK_MAIL_TRANSPORT": "file",
        "RECTRACK_MAIL_FILE_DIRECTORY": str(tmp_path / "mail"),
    }
    return subprocess.Popen(
        [str(RECTRACK), "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def first_email(process: subprocess.Popen[str], directory: Path) -> list[Path]:
    """Wait, in short steps, for an .eml file; stop early if the process ends."""
    for _ in range(WAITS):
        emails = list(directory.glob("*.eml"))
        if emails:
            return emails
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        break
    return []


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_sends_what_is_due_and_stops_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    process = start_serve(tmp_path)
    try:
        emails = first_email(process, tmp_path / "mail")
    finally:
        process.send_signal(stop)
        _, err = process.communicate(timeout=30)
    assert len(emails) == 1, err
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "sweep: planned 1, queued 1, sent 1" in err


def app_at(tmp_path: Path, clock: FixedClock, url: str) -> App:
    settings = replace(
        Settings.defaults(),
        database_url=url,
        mail_transport="file",
        mail_file_directory=tmp_path / "mail",
    )
    return App(settings, clock=clock)


def test_each_job_reads_the_clock_when_it_runs(tmp_path: Path) -> None:
    url = database_with_a_target_passed(tmp_path / "jobs.db", date(2027, 5, 1))
    clock = FixedClock(datetime(2027, 5, 2, 7, 59, tzinfo=LONDON))
    sweep_job, _ = service_jobs(app_at(tmp_path, clock, url))
    sweep_job.run()
    assert not (tmp_path / "mail").exists()
    clock.at = datetime(2027, 5, 2, 8, tzinfo=LONDON)
    sweep_job.run()
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_a_failing_pass_logs_one_line_and_lets_the_next_one_try(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FixedClock(datetime(2027, 6, 1, tzinfo=UTC))
    app = app_at(tmp_path, clock, f"sqlite:///{tmp_path / 'empty.db'}")
    for job in service_jobs(app):
        job.run()  # the database has no tables: each pass fails, and says so
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "sweep failed",
        "dispatch failed",
    ]
    assert all(r.exc_info is None for r in caplog.records)
