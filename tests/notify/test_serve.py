"""`rectrack serve`: a real process sends what is due and stops cleanly; its jobs read the clock."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from factories import make_recommendation, make_world
from mailserver import free_port

from config import Settings
from notifications import emails, outbox
from notifications.notices import Kind, Message
from notifications.service import service_jobs
from rectrack.cli.app import App
from rectrack.schema import upgrade
from workflow.clock import FixedClock
from workflow.db import make_engine, new_session, transaction

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
    # Sent by the sweep's own pass or by the dispatcher's, whichever claimed it first.
    assert "sweep: planned 1, queued 1" in err


class HeldReplies:
    """An SMTP handler that takes each message but answers it only once `go` is set."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.first = threading.Event()  # a message is being sent
        self.go = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope.content)
        self.first.set()
        await asyncio.get_running_loop().run_in_executor(None, self.go.wait, 60)
        return "250 OK"


@pytest.fixture
def held_server() -> Iterator[tuple[HeldReplies, int]]:
    handler, port = HeldReplies(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    handler.go.set()
    controller.stop()


def database_with_messages_queued(path: Path, count: int) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)  # serve reads the system clock: they are due by it
    message = Message(Kind.MONITORING_REMINDER, "officer@council.example", "", "Due", "Due.", "")
    with new_session(engine) as session, transaction(session):
        for _ in range(count):
            email = emails.compose(message, sender="rectrack@council.example", now=now)
            outbox.enqueue(session=session, email=email)
    engine.dispose()
    return url


def serve_by_smtp(tmp_path: Path, url: str, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECTRACK_")}
    env |= {
        "RECTRACK_DATABASE_URL": url,
        "RECTRACK_MAIL_TRANSPORT": "smtp",
        "RECTRACK_MAIL_SMTP_HOST": "127.0.0.1",
        "RECTRACK_MAIL_SMTP_PORT": str(port),
        "RECTRACK_MAIL_SMTP_STARTTLS": "false",
    }
    return subprocess.Popen(
        [str(RECTRACK), "serve"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )


class Lines:
    """The lines of a stream, read as they come by a thread of its own."""

    def __init__(self, stream: IO[str]) -> None:
        self.seen: list[str] = []
        self.coming: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.coming.put(line)
        self.coming.put(None)  # the end

    def wait_for(self, text: str) -> None:
        """Read up to the first line holding `text`, waiting a minute at most for each."""
        while (line := self.coming.get(timeout=60)) is not None:
            self.seen.append(line)
            if text in line:
                return
        raise AssertionError(f"no line says {text!r}: {self.seen}")

    def all(self) -> list[str]:
        """Every line, once the stream has ended."""
        while (line := self.coming.get(timeout=60)) is not None:
            self.seen.append(line)
        return self.seen


def test_sigterm_finishes_the_message_being_sent_then_stops_leaving_the_rest_queued(
    tmp_path: Path, held_server: tuple[HeldReplies, int]
) -> None:
    handler, port = held_server
    url = database_with_messages_queued(tmp_path / "serve.db", 5)
    with serve_by_smtp(tmp_path, url, port) as process:
        assert process.stderr is not None
        log = Lines(process.stderr)
        try:
            assert handler.first.wait(60), "nothing was sent"
            process.send_signal(signal.SIGTERM)
            log.wait_for("stopping on SIGTERM")
            handler.go.set()  # the message being sent is answered only now
            assert process.wait(timeout=60) == 0
            lines = log.all()
        finally:
            process.kill()
    assert len(handler.received) == 1
    assert stored_statuses(url) == [("sent", 1)] + [("queued", 0)] * 4
    assert any("told to stop: 4 claimed messages given back" in line for line in lines), lines
    assert lines[-1].rstrip().endswith("INFO stopped"), lines  # once the jobs had stopped


def stored_statuses(url: str) -> list[tuple[str, int]]:
    """Each message's status and attempts, with none still leased."""
    engine = make_engine(url)
    with new_session(engine) as session:
        rows = outbox.list_messages(session=session)
    engine.dispose()
    assert all(row.lease_until is None for row in rows)
    return [(row.status, row.attempts) for row in rows]


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
