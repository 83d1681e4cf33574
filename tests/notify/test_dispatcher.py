"""The dispatcher against a real SMTP server: sent once, retried, failed, paused, never twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from factories import CHAIR, CLERK, CURRENT_TIME, OFFICER
from locks import WriteLock
from mailserver import SmtpServer
from sqlalchemy import Engine, event

from notifications import emails, outbox
from notifications.dispatcher import Dispatcher, DispatchReport
from notifications.models import OutboxRow
from notifications.notices import Message
from notifications.transports import (
    Connection,
    Mail,
    MemoryTransport,
    Refusals,
    SmtpTransport,
    TransportError,
)
from workflow.clock import FixedClock
from workflow.db import make_engine, new_session, transaction

NOW = CURRENT_TIME
SENDER = "rectrack@council.example"
LEASE = timedelta(minutes=5)
Smtp = Callable[..., SmtpTransport]
Drain = Callable[..., DispatchReport]
Queue = Callable[..., list[int]]


def stored(engine: Engine, ident: int) -> OutboxRow:
    with new_session(engine) as session:
        row = session.get(OutboxRow, ident)
    assert row is not None
    return row


def statuses(engine: Engine) -> list[str]:
    with new_session(engine) as session:
        return [row.status for row in outbox.list_messages(session=session)]


def test_it_sends_a_queued_message_once_with_its_stored_message_id(
    engine: Engine, queue: Queue, drain: Drain, smtp: Smtp, received: list[EmailMessage]
) -> None:
    [ident] = queue()
    assert drain(smtp()).sent == 1
    assert drain(smtp(), NOW + timedelta(hours=1)).sent == 0
    row = stored(engine, ident)
    assert (row.status, row.sent_at, row.attempts) == ("sent", NOW, 1)
    assert [m["Message-ID"] for m in received] == [row.message_id]


def test_a_4xx_reply_is_retried_with_growing_waits(
    engine: Engine, queue: Queue, drain: Drain, smtp: Smtp
) -> None:
    [ident] = queue("temp@council.example")
    assert drain(smtp()).retried == 1
    assert stored(engine, ident).next_attempt_at == NOW + timedelta(minutes=5)
    assert drain(smtp(), NOW + timedelta(minutes=4)).retried == 0
    drain(smtp(), NOW + timedelta(minutes=5))
    row = stored(engine, ident)
    assert row.next_attempt_at == NOW + timedelta(minutes=15)
    assert (row.status, row.attempts) == ("queued", 2)
    assert "451" in (row.last_error or "")


def test_a_4xx_reply_for_a_whole_day_fails_the_message(
    engine: Engine, queue: Queue, drain: Drain, smtp: Smtp
) -> None:
    [ident] = queue("temp@council.example")
    drain(smtp())
    assert drain(smtp(), NOW + timedelta(days=1)).failed == 1
    assert stored(engine, ident).status == "failed"


def test_a_5xx_reply_fails_the_message_at_once(
    engine: Engine, queue: Queue, drain: Drain, smtp: Smtp
) -> None:
    [ident] = queue("perm@council.example")
    assert drain(smtp()).failed == 1
    row = stored(engine, ident)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550" in (row.last_error or "")


def test_one_refusal_does_not_hold_up_the_others(
    queue: Queue, drain: Drain, smtp: Smtp, received: list[EmailMessage]
) -> None:
    queue("perm@council.example", "temp@council.example", "officer@council.example")
    report = drain(smtp())
    assert (report.sent, report.retried, report.failed) == (1, 1, 1)
    assert [m["To"] for m in received] == ["Olive Officer <officer@council.example>"]


# Each recipient apart: a copy refused is tried again alone, or fails alone

Refuse = Callable[..., None]
BUSY, NO_SUCH_USER = "451 4.3.0 mailbox busy", "550 5.1.1 no such user"


def standing(engine: Engine, ident: int) -> list[tuple[str, str, str | None]]:
    """Where the message stands for each recipient: address, state, last refusal."""
    return [(d.to, d.status, d.error) for d in outbox.deliveries_of(stored(engine, ident))]


def test_a_copy_refused_for_now_leaves_the_message_partly_sent(
    engine: Engine, queue: Queue, drain: Drain, smtp: Smtp, refuse: Refuse
) -> None:
    refuse(CLERK, BUSY)
    [ident] = queue(cc=[CLERK])
    assert drain(smtp()).retried == 1
    assert stored(engine, ident).status == "partly-sent"
    assert standing(engine, ident) == [(OFFICER, "sent", None), (CLERK, "queued", BUSY)]


def test_a_copy_refused_for_now_is_sent_again_alone_as_the_same_message(
    engine: Engine,
    queue: Queue,
    drain: Drain,
    smtp: Smtp,
    refuse: Refuse,
    envelopes: list[tuple[str, list[str]]],
    wire: list[bytes],
) -> None:
    refuse(CLERK, BUSY)
    [ident] = queue(cc=[CLERK])
    drain(smtp())
    assert drain(smtp(), NOW + timedelta(minutes=5)).sent == 1
    assert drain(smtp(), NOW + timedelta(hours=2)).sent == 0
    assert envelopes == [(SENDER, [OFFICER]), (SENDER, [CLERK])]
    assert wire == [stored(engine, ident).content] * 2  # the same bytes, the same Message-ID
    assert stored(engine, ident).status == "sent"


def test_a_copy_refused_for_good_fails_that_copy_only(
    engine: Engine, queue: Queue, drain: Drain, smtp: Smtp, refuse: Refuse
) -> None:
    refuse(CLERK, NO_SUCH_USER)
    [ident] = queue(cc=[CLERK])
    assert drain(smtp()).failed == 1
    assert standing(engine, ident) == [(OFFICER, "sent", None), (CLERK, "failed", NO_SUCH_USER)]
    assert stored(engine, ident).last_error == f"{CLERK}: {NO_SUCH_USER}"


def test_a_copy_refused_all_day_fails_and_the_recipient_keeps_it(
    engine: Engine, queue: Queue, drain: Drain, smtp: Smtp
) -> None:
    [ident] = queue(cc=["temp@council.example"])
    drain(smtp())
    assert drain(smtp(), NOW + timedelta(days=1)).failed == 1
    assert [state for _, state, _ in standing(engine, ident)] == ["sent", "failed"]


def test_a_failed_message_retried_goes_only_to_whoever_lacks_it(
    engine: Engine,
    queue: Queue,
    drain: Drain,
    smtp: Smtp,
    refuse: Refuse,
    envelopes: list[tuple[str, list[str]]],
) -> None:
    refuse(CLERK, NO_SUCH_USER)  # then the address is put right
    queue(cc=[CLERK])
    drain(smtp())
    with new_session(engine) as session, transaction(session):
        assert outbox.retry(session=session, now=NOW) == 1
    assert drain(smtp()).sent == 1
    assert envelopes == [(SENDER, [OFFICER]), (SENDER, [CLERK])]


def test_with_the_server_down_the_message_waits_then_goes_once(
    engine: Engine,
    queue: Queue,
    drain: Drain,
    smtp_later: tuple[Smtp, Callable[[], list[EmailMessage]]],
) -> None:
    transport, start_server = smtp_later
    [ident] = queue()
    assert drain(transport()).retried == 1
    received = start_server()
    assert drain(transport(), NOW + timedelta(minutes=5)).sent == 1
    assert drain(transport(), NOW + timedelta(hours=1)).sent == 0
    assert [m["Message-ID"] for m in received] == [stored(engine, ident).message_id]


def test_with_the_server_out_of_reach_the_pass_stops_after_one_batch(
    engine: Engine,
    queue: Queue,
    drain: Drain,
    smtp_later: tuple[Smtp, Callable[[], list[EmailMessage]]],
) -> None:
    idents = queue(*["officer@council.example"] * 5)
    report = drain(smtp_later[0](), batch_size=2)
    assert (report.unreachable, report.retried) == (True, 2)
    assert "cannot reach the mail server" in report.reason
    assert [stored(engine, ident).attempts for ident in idents] == [1, 1, 0, 0, 0]


def test_a_refused_login_pauses_without_spending_attempts(
    engine: Engine, queue: Queue, drain: Drain, starttls_server: SmtpServer
) -> None:
    first, second = queue(), queue()
    report = drain(starttls_server.transport(start_tls=None, username="rectrack", password="wrong"))
    assert report.paused and "535" in report.reason
    assert (report.released, report.retried, report.failed) == (2, 0, 0)
    for ident in first + second:
        row = stored(engine, ident)
        assert (row.status, row.attempts, row.next_attempt_at) == ("queued", 0, NOW)


def test_a_pause_stops_the_drain_after_one_batch(queue: Queue, drain: Drain) -> None:
    queue(*["officer@council.example"] * 5)
    memory = MemoryTransport(error=TransportError("535 no", pause=True))
    report = drain(memory, batch_size=2)
    assert (report.paused, report.released, memory.connections) == (True, 2, 1)


def test_after_a_dropped_connection_the_rest_go_over_a_new_one(
    engine: Engine, queue: Queue, drain: Drain, smtp: Smtp, received: list[EmailMessage]
) -> None:
    queue("officer@council.example", "drop@council.example", "chair@council.example")
    report = drain(smtp())
    assert (report.sent, report.retried) == (2, 1)
    assert statuses(engine) == ["sent", "queued", "sent"]
    assert received[0]["X-Peer"] != received[1]["X-Peer"]


def test_a_passing_fault_is_retried_and_the_rest_not_charged_an_attempt(
    engine: Engine, queue: Queue, drain: Drain
) -> None:
    first, second = queue(), queue()
    report = drain(MemoryTransport(error=TransportError("421 busy")))
    assert (report.retried, report.released) == (2, 0)
    assert [stored(engine, i).attempts for i in first + second] == [1, 1]


def test_a_crash_after_claiming_is_sent_once_the_lease_runs_out(
    engine: Engine, queue: Queue, drain: Drain, smtp: Smtp, received: list[EmailMessage]
) -> None:
    queue()
    with new_session(engine) as session, transaction(session):
        outbox.claim_due(session=session, now=NOW, lease=LEASE, limit=50)  # then "crash"
    assert drain(smtp(), NOW + LEASE - timedelta(seconds=1)).sent == 0
    assert drain(smtp(), NOW + LEASE).sent == 1
    assert drain(smtp(), NOW + 3 * LEASE).sent == 0
    assert len(received) == 1


def test_two_dispatchers_at_once_never_send_a_message_twice(
    engine: Engine, queue: Queue, smtp: Smtp, received: list[EmailMessage]
) -> None:
    idents = queue(*[f"officer{n}@council.example" for n in range(60)])

    def dispatch(_: int) -> DispatchReport:
        own = make_engine(engine.url.render_as_string(hide_password=False))
        dispatcher = Dispatcher(smtp(), sender=SENDER, clock=FixedClock(NOW), batch_size=4)
        try:
            return asyncio.run(dispatcher.drain(own))
        finally:
            own.dispose()

    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(dispatch, range(2)))
    assert sum(report.sent for report in reports) == 60
    message_ids = [m["Message-ID"] for m in received]
    assert len(message_ids) == len(set(message_ids)) == 60
    assert {stored(engine, ident).attempts for ident in idents} == {1}


def test_told_to_stop_it_finishes_the_message_and_gives_the_rest_back(
    engine: Engine, queue: Queue, drain: Drain
) -> None:
    idents = queue(*["officer@council.example"] * 4)
    memory = MemoryTransport()
    report = drain(memory, should_stop=lambda: len(memory.outbox) == 1)
    assert (report.stopped, report.sent, report.released) == (True, 1, 3)
    rows = [stored(engine, ident) for ident in idents]
    assert [(r.status, r.attempts, r.lease_until) for r in rows[1:]] == [("queued", 0, None)] * 3


def test_a_batch_goes_over_one_connection(queue: Queue, drain: Drain) -> None:
    queue(*["officer@council.example"] * 7)
    memory = MemoryTransport()
    assert drain(memory, batch_size=3).sent == 7
    assert memory.connections == 3


# The email as sent: built once when queued, the same bytes at every attempt


class RefusingTransport(MemoryTransport):
    """Keeps each email it is given in `outbox`, then refuses it as a busy server would."""

    async def send(self, mail: Mail) -> Refusals:
        self.outbox.append(mail)
        raise TransportError("421 busy")


def test_the_server_receives_the_stored_message_byte_for_byte(
    engine: Engine, queue: Queue, drain: Drain, smtp: Smtp, wire: list[bytes]
) -> None:
    [ident] = queue()
    drain(smtp())
    assert wire == [stored(engine, ident).content]


def test_a_retry_resends_the_same_bytes_dated_when_the_message_was_queued(
    engine: Engine,
    queue: Queue,
    drain: Drain,
    smtp: Smtp,
    wire: list[bytes],
    received: list[EmailMessage],
) -> None:
    [ident] = queue()
    refusing = RefusingTransport()
    assert drain(refusing).retried == 1
    assert drain(smtp(), NOW + timedelta(minutes=5)).sent == 1
    [first] = refusing.outbox
    assert wire == [first.content] == [stored(engine, ident).content]
    assert received[0]["Message-ID"] == first.message_id
    assert received[0]["Date"].datetime == NOW


def test_the_envelope_is_from_its_sender_to_the_rows_recipient_and_copies(
    engine: Engine,
    drain: Drain,
    smtp: Smtp,
    envelopes: list[tuple[str, list[str]]],
    received: list[EmailMessage],
    make_message: Callable[..., Message],
) -> None:
    earlier = "earlier@council.example"
    email = emails.compose(make_message(cc=(CLERK, CHAIR)), sender=earlier, now=NOW)
    with new_session(engine) as session, transaction(session):
        outbox.enqueue(session=session, email=email)
    drain(smtp())
    assert envelopes == [(SENDER, [OFFICER, CLERK, CHAIR])]
    assert received[0]["From"] == earlier  # the message as it was queued


def test_a_named_sender_is_the_from_and_its_bare_address_the_envelope(
    engine: Engine,
    smtp: Smtp,
    envelopes: list[tuple[str, list[str]]],
    received: list[EmailMessage],
    make_message: Callable[..., Message],
) -> None:
    team = "Scrutiny Team <scrutiny@council.example>"
    email = emails.compose(make_message(), sender=team, now=NOW)
    with new_session(engine) as session, transaction(session):
        outbox.enqueue(session=session, email=email)
    asyncio.run(Dispatcher(smtp(), sender=team, clock=FixedClock(NOW)).drain(engine))
    assert envelopes == [("scrutiny@council.example", [OFFICER])]
    assert received[0]["From"] == team


class FaultyTransport:
    """A transport whose connection fails in a way no TransportError describes."""

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Connection]:
        yield self

    async def send(self, mail: Mail) -> Refusals:
        raise RuntimeError("a bug in the transport")


def test_an_unexpected_fault_is_retried_not_raised(
    engine: Engine, queue: Queue, drain: Drain
) -> None:
    [ident] = queue()
    assert drain(FaultyTransport()).retried == 1
    assert "RuntimeError: a bug in the transport" in (stored(engine, ident).last_error or "")


def test_leases_and_backoff_follow_the_clock_given(
    engine: Engine, queue: Queue, drain: Drain
) -> None:
    later = datetime(2027, 6, 1, 12, tzinfo=NOW.tzinfo)
    [ident] = queue(now=later)
    drain(MemoryTransport(error=TransportError("421 busy")), later)
    assert stored(engine, ident).next_attempt_at == later + timedelta(minutes=5)


# Leases: from each claim, and only the latest claim records its result


class SlowTransport(MemoryTransport):
    """Each message takes `takes` on `clock`; before the `nth` one, `meanwhile` runs once."""

    def __init__(
        self,
        clock: FixedClock,
        takes: timedelta,
        meanwhile: Callable[[], Awaitable[object]],
        nth: int = 1,
    ) -> None:
        super().__init__()
        self.clock, self.takes, self.meanwhile, self.nth = clock, takes, meanwhile, nth

    async def send(self, mail: Mail) -> Refusals:
        self.clock.at += self.takes
        if len(self.outbox) + 1 == self.nth:
            await self.meanwhile()
        return await super().send(mail)


def rival(
    engine: Engine, clock: FixedClock
) -> tuple[MemoryTransport, Callable[[], Awaitable[DispatchReport]]]:
    """Another dispatcher on the same clock, and a way to run its drain."""
    transport = MemoryTransport()
    dispatcher = Dispatcher(transport, sender=SENDER, clock=clock)
    return transport, lambda: dispatcher.drain(engine)


def test_a_batch_claimed_late_in_a_long_pass_is_leased_from_its_claim(
    engine: Engine, queue: Queue, drain: Drain
) -> None:
    queue(*["officer@council.example"] * 3)
    clock = FixedClock(NOW)
    other, other_drain = rival(engine, clock)
    slow = SlowTransport(clock, LEASE - timedelta(minutes=1), other_drain, nth=3)
    assert drain(slow, clock=clock, batch_size=1).sent == 3
    assert (len(slow.outbox), other.outbox) == (3, [])


def test_only_the_latest_claim_records_and_counts_its_result(
    engine: Engine, queue: Queue, drain: Drain
) -> None:
    [ident] = queue()
    clock = FixedClock(NOW)
    other, other_drain = rival(engine, clock)
    late = SlowTransport(clock, LEASE, other_drain)  # the lease runs out as it sends
    assert drain(late, clock=clock).sent == 0
    assert (len(late.outbox), len(other.outbox)) == (1, 1)
    row = stored(engine, ident)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 2, NOW + LEASE)


# Another writer: a result that meets a held write lock


def queued_in(engine: Engine, count: int, make_message: Callable[..., Message]) -> list[int]:
    with new_session(engine) as session, transaction(session):
        composed = [emails.compose(make_message(), sender=SENDER, now=NOW) for _ in range(count)]
        return [outbox.enqueue(session=session, email=email) for email in composed]


def drain_locked(engine: Engine, transport: MemoryTransport) -> DispatchReport:
    return asyncio.run(Dispatcher(transport, sender=SENDER, clock=FixedClock(NOW)).drain(engine))


def test_a_result_meeting_another_writer_is_written_once_the_writer_is_done(
    busy_db: Engine,
    write_lock: WriteLock,
    locking_transport: MemoryTransport,
    make_message: Callable[..., Message],
) -> None:
    [ident] = queued_in(busy_db, 1, make_message)
    event.listen(busy_db, "handle_error", lambda _: write_lock.give_back(), once=True)
    report = drain_locked(busy_db, locking_transport)
    assert (report.sent, report.unrecorded) == (1, [])
    assert stored(busy_db, ident).status == "sent"


def test_a_result_the_database_will_not_take_is_said_in_one_line_and_stops_the_pass(
    busy_db: Engine,
    locking_transport: MemoryTransport,
    make_message: Callable[..., Message],
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, _ = queued_in(busy_db, 2, make_message)
    report = drain_locked(busy_db, locking_transport)
    assert (report.sent, report.unrecorded, report.database_error) == (
        0,
        [first],
        "database is locked",
    )
    assert len(locking_transport.outbox) == 1  # the other message was not sent
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert said[0].startswith(f"message {first}: its result could not be recorded")
    assert all(r.exc_info is None for r in caplog.records)
