"""Usage: python -m bench.bench_dispatch [--messages N] [--batch-size N] [--rounds N]

Sending the outbox to a local SMTP server (aiosmtpd on 127.0.0.1, accepting
everything and counting) against raw aiosmtplib sending the same emails.

Each round composes N rendered monitoring reminders and queues them with
`notifications.outbox` (not timed: each email is composed once, when it is
queued), then times `Dispatcher(...).drain(engine)` until all are sent:
claiming each batch, sending each stored email and recording it as sent, one
transaction each. The floor sends the very same bytes (read from the outbox
beforehand) with aiosmtplib's `sendmail`: one connection per batch of
`--batch-size`, as the dispatcher opens, and no database at all. The server counts
messages and connections, and both sides must deliver all N over the same number
of connections. The best round of each side is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import socket
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiosmtplib
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import col, select

from bench.common import fresh_sqlite, report, timed
from config import Settings, load_workflow_table
from notifications import emails, outbox
from notifications.dispatcher import Dispatcher
from notifications.items import Contact, RecItem, Snapshot
from notifications.models import OutboxRow
from notifications.notices import Kind, Message, Notice
from notifications.planning import Rules
from notifications.rendering import Renderer
from notifications.transports import SmtpTransport
from workflow.clock import FixedClock
from workflow.db import new_session, transaction

NOW = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)
SENDER = "rectrack@council.example"
HOST = "127.0.0.1"
DEFAULT_BATCH: int = inspect.signature(Dispatcher).parameters["batch_size"].default


class Counter:
    """An SMTP handler that accepts every message and counts messages and sessions."""

    def __init__(self) -> None:
        self.messages = self.connections = 0

    def reset(self) -> None:
        self.messages = self.connections = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1  # aiosmtplib greets once per connection (no STARTTLS here)
        session.host_name = hostname  # with this hook, remembering the greeting is ours to do
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        return "250 OK"


def free_port() -> int:
    # aiosmtpd cannot listen on port 0: its readiness probe connects to the port.
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def rendered_messages(count: int) -> list[Message]:
    """Return `count` monitoring reminders, one officer each, rendered from the templates."""
    rules, renderer = Rules.from_settings(Settings.defaults(), load_workflow_table()), Renderer()
    return [renderer.render(*reminder(i), rules) for i in range(count)]


def reminder(i: int) -> tuple[list[Notice], Snapshot]:
    """A reminder to officer `i` about one recommendation of theirs, monitored in two weeks."""
    officer = Contact(f"officer{i}@council.example", f"Officer {i}")
    rec = RecItem(
        id=i + 1,
        code=f"CCS/{i // 10:04d}/{i % 10}",
        text="Publish a customer contact strategy with service standards. " * 3,
        state="in_progress",
        report_reference=f"CCS/{i // 10:04d}",
        body_id=1,
        body_name="Value and Performance Scrutiny Committee",
        owner=officer,
        target_date=date(2027, 9, 30),
        monitoring_date=date(2027, 5, 17),
        rag="amber",
        latest_update="Consultation closed; the draft goes to the board in June.",
    )
    notice = Notice(
        Kind.MONITORING_REMINDER,
        f"rec:{rec.id}",
        officer.email,
        officer.name,
        NOW.date(),
        NOW,
        rec.monitoring_date,
        recommendation_ids=(rec.id,),
    )
    return [notice], Snapshot(recommendations=(rec,))


def enqueue_all(engine: Engine, messages: list[Message]) -> None:
    with new_session(engine) as session, transaction(session):
        for message in messages:
            email = emails.compose(message, sender=SENDER, now=NOW)
            outbox.enqueue(session=session, email=email)


def stored_mail(engine: Engine) -> list[tuple[str, bytes]]:
    """What the dispatcher will send: each queued row's recipient and stored bytes."""
    query = select(OutboxRow.recipient, OutboxRow.content).order_by(col(OutboxRow.id))
    with new_session(engine) as session:
        rows = session.exec(query).all()
    return list(rows)


def sent_count(engine: Engine) -> int:
    with new_session(engine) as session:
        return len(outbox.list_messages(session=session, status=outbox.MessageStatus.SENT))


def with_dispatcher(engine: Engine, port: int, batch_size: int) -> float:
    transport = SmtpTransport(HOST, port, start_tls=False, use_tls=False, local_hostname="bench")
    dispatcher = Dispatcher(transport, sender=SENDER, clock=FixedClock(NOW), batch_size=batch_size)
    return timed(lambda: asyncio.run(dispatcher.drain(engine)))


async def send_raw(port: int, batches: list[list[tuple[str, bytes]]]) -> None:
    for batch in batches:
        client = aiosmtplib.SMTP(
            hostname=HOST, port=port, start_tls=False, use_tls=False, local_hostname="bench"
        )
        async with client:
            for recipient, content in batch:
                await client.sendmail(SENDER, [recipient], content)


def with_raw_aiosmtplib(port: int, built: list[tuple[str, bytes]], batch_size: int) -> float:
    batches = [built[i : i + batch_size] for i in range(0, len(built), batch_size)]
    return timed(lambda: asyncio.run(send_raw(port, batches)))


def expect(what: str, got: int, wanted: int) -> None:
    if got != wanted:
        raise SystemExit(f"{what}: {got}, expected {wanted}")


def one_round(
    path: Path, counter: Counter, port: int, messages: list[Message], batch_size: int
) -> tuple[float, float]:
    engine = fresh_sqlite(path)
    enqueue_all(engine, messages)
    built = stored_mail(engine)
    expect("stored emails", len(built), len(messages))
    connections = -(-len(messages) // batch_size)
    counter.reset()
    ours_s = with_dispatcher(engine, port, batch_size)
    expect("dispatcher: messages marked sent", sent_count(engine), len(messages))
    expect("dispatcher: messages received", counter.messages, len(messages))
    expect("dispatcher: connections", counter.connections, connections)
    engine.dispose()
    counter.reset()
    raw_s = with_raw_aiosmtplib(port, built, batch_size)
    expect("raw: messages received", counter.messages, len(messages))
    expect("raw: connections", counter.connections, connections)
    return ours_s, raw_s


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    messages = rendered_messages(args.messages)
    counter, port = Counter(), free_port()
    controller = Controller(counter, hostname=HOST, port=port)  # serves from its own thread
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rounds = [
                one_round(Path(tmp) / "outbox.db", counter, port, messages, args.batch_size)
                for _ in range(args.rounds)
            ]
    finally:
        controller.stop()
    print_figures(args, rounds)


def print_figures(args: argparse.Namespace, rounds: list[tuple[float, float]]) -> None:
    ours_s = min(ours for ours, _ in rounds)
    raw_s = min(raw for _, raw in rounds)
    connections = -(-args.messages // args.batch_size)
    report(
        f"Dispatch to aiosmtpd on loopback ({args.messages:,} messages, {connections} connections"
        f" of up to {args.batch_size}, best of {args.rounds} rounds)",
        [
            ("rectrack Dispatcher.drain", args.messages / ours_s, "messages/s"),
            ("raw aiosmtplib", args.messages / raw_s, "messages/s"),
            ("rectrack per message", ours_s / args.messages * 1e6, "µs"),
            ("raw aiosmtplib per message", raw_s / args.messages * 1e6, "µs"),
        ],
        raw_s / ours_s,
        "at least 0.6x the raw rate",
    )


if __name__ == "__main__":
    main()
