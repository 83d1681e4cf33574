"""Sending what the outbox holds: claim a batch, send it over one connection, record each result.

Each step has its own short transaction and none is open while a message is on the
wire, so a slow mail server holds no lock (the database calls themselves are brief
and run on the event loop's thread). A claim is a lease, from the moment of the
claim: if this process dies mid-batch, another dispatcher takes the rows once the
lease has run out, and a result is recorded only under the latest claim. Delivery
is therefore at least once; the stored Message-ID lets a resent copy be recognised.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session

from notifications import emails, outbox
from notifications.outbox import Claim, MessageStatus
from notifications.transports import Connection, Mail, Refusals, Transport, TransportError
from workflow.clock import Clock
from workflow.db import new_session, transaction

log = logging.getLogger(__name__)

SENT, RETRIED, FAILED, RELEASED = "sent", "retried", "failed", "released"
_OUTCOMES = {
    MessageStatus.SENT: SENT,
    MessageStatus.PARTLY_SENT: RETRIED,  # for those refused for now
    MessageStatus.QUEUED: RETRIED,
    MessageStatus.FAILED: FAILED,
}
# What an attempt at one message came to: the recipients the server refused (none:
# all of them have it), or the error that kept it from all of them.
Result = Refusals | TransportError
# A result that meets another writer is written again, each try waiting out SQLite's
# busy timeout, before the drain gives up on the database.
WRITE_ATTEMPTS = 3


@dataclass
class DispatchReport:
    """What one drain recorded, and why it stopped early (`halted`), if it did.

    `paused` means the transport refused to work at all, `unreachable` that the mail
    server could not be reached (see `reason` for either); the messages wait.

    A message counts once its result is recorded: one whose claim another
    dispatcher took over meanwhile is that one's to count.
    """

    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0  # claimed, then given back untried because the drain halted
    paused: bool = False
    unreachable: bool = False
    reason: str = ""
    # Messages tried whose result could not be written (why: `database_error`). They
    # stay claimed until their lease runs out, and may then be sent again.
    unrecorded: list[int] = field(default_factory=list)
    database_error: str = ""
    stopped: bool = False  # told to stop: what was left waits, its lease given back

    def add(self, outcome: str) -> None:
        """Count one message's outcome: "sent", "retried", "failed" or "released"."""
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def halted(self) -> bool:
        """Say if the drain stopped early: paused, no server, no database, or told to."""
        return self.paused or self.unreachable or bool(self.unrecorded) or self.stopped


class Dispatcher:
    """Send due outbox messages through `transport`, from `sender`, `batch_size` at a time.

    `clock` is read at each claim, which leases its batch for `lease` from then, and
    at each result, which it dates and from which a retry waits. `should_stop` is
    asked before each message: once it says yes, the message being sent is the last,
    and what is left of the batch is given back, untried.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        sender: str,
        clock: Clock,
        batch_size: int = 50,
        lease: timedelta = timedelta(minutes=5),
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.transport, self.sender, self.clock = transport, sender, clock
        self.batch_size, self.lease, self.should_stop = batch_size, lease, should_stop

    def _told_to_stop(self, report: DispatchReport) -> bool:
        """Say if the drain is to stop before its next message (`should_stop`), and note it."""
        report.stopped = report.stopped or self.should_stop()
        return report.stopped

    async def drain(self, engine: Engine) -> DispatchReport:
        """Send every message due, batch by batch, until none is left or the drain halts.

        One message's failure is recorded against that message and never stops the
        others or raises from here.
        """
        report = DispatchReport()
        while not (report.halted or self._told_to_stop(report)):
            # One database connection per batch, as one SMTP connection: each message's
            # result is still its own transaction, without a session's set-up per message.
            with new_session(engine) as session:
                claims = self._claim(session)
                if not claims:
                    break
                await self._send_batch(session, deque(claims), report)
        return report

    def _claim(self, session: Session) -> list[Claim]:
        # A pass may run longer than a lease: each batch is leased from its own claim,
        # or a batch claimed late in a pass would be open to others as it is sent.
        with transaction(session):
            return outbox.claim_due(
                session=session, now=self.clock.now(), lease=self.lease, limit=self.batch_size
            )

    async def _send_batch(
        self, session: Session, pending: deque[Claim], report: DispatchReport
    ) -> None:
        # The batch must end well inside the lease, or another dispatcher could take
        # the same messages while this one is still sending them.
        deadline = self.lease.total_seconds() * 0.8
        try:
            async with asyncio.timeout(deadline), self.transport.connect() as connection:
                await self._send_each(session, connection, pending, report)
        except TransportError as error:  # the connection could not be opened
            self._record_each(session, pending, error, report)
        except TimeoutError:
            late = TransportError(f"the batch was not sent within {deadline:g}s", unreachable=True)
            self._record_each(session, pending, late, report)
        if pending:  # untried: they wait out a pause, or go at once over a new connection
            released = self._release(session, pending)
            if report.halted:
                report.released += released

    async def _send_each(
        self,
        session: Session,
        connection: Connection,
        pending: deque[Claim],
        report: DispatchReport,
    ) -> None:
        while pending and not (report.unrecorded or self._told_to_stop(report)):
            result = await self._attempt(connection, pending[0])
            self._record(session, pending.popleft(), result, report)
            if isinstance(result, TransportError) and not result.permanent:
                return  # after a pause or a passing fault, this connection is not trusted

    async def _attempt(self, connection: Connection, claim: Claim) -> Result:
        try:
            return await connection.send(self._mail(claim))
        except TransportError as error:
            return error
        except Exception as error:  # a fault in the transport must not stop the batch
            fault = f"{type(error).__name__}: {error}"
            log.error("message %s: the transport failed unexpectedly: %s", claim.id, fault)
            return TransportError(fault)

    def _mail(self, claim: Claim) -> Mail:
        """The stored email, to each of its recipients who does not have it yet.

        The envelope sender, where bounces go, is this dispatcher's: the From in the
        stored bytes is the sender's when the message was queued.
        """
        return Mail(
            emails.envelope_sender(self.sender), claim.pending, claim.message_id, claim.content
        )

    def _record_each(
        self,
        session: Session,
        pending: deque[Claim],
        error: TransportError,
        report: DispatchReport,
    ) -> None:
        # A server out of reach is a try at each message of the batch; a pause is none.
        while pending and not (report.paused or report.unrecorded):
            self._record(session, pending.popleft(), error, report)

    def _release(self, session: Session, claims: deque[Claim]) -> int:
        try:
            with transaction(session):
                return outbox.release(session=session, claims=claims)
        except SQLAlchemyError as error:  # untried: taken again once their lease runs out
            reason = _first_line(error)
            log.error("%d claimed messages could not be given back: %s", len(claims), reason)
            return 0

    def _record(
        self,
        session: Session,
        claim: Claim,
        result: Result,
        report: DispatchReport,
    ) -> None:
        """Record one result in its own transaction, and count it if it was recorded."""
        if isinstance(result, TransportError):
            _note_stop(result, report)
        try:
            outcome = self._write(session, claim, result)
        except SQLAlchemyError as error:
            self._unrecorded(claim, error, report)
            return
        if outcome is None:
            log.warning("message %s: its lease ran out and another dispatcher took it", claim.id)
            return
        report.add(outcome)

    def _write(self, session: Session, claim: Claim, result: Result) -> str | None:
        """Write one result in a transaction of its own, trying again if the database is busy.

        Raise SQLAlchemyError if the last of WRITE_ATTEMPTS fails.
        """
        for _ in range(WRITE_ATTEMPTS - 1):
            try:
                with transaction(session):
                    return self._settle(session, claim, result)
            except OperationalError:  # another writer held the database longer than we wait
                continue
        with transaction(session):
            return self._settle(session, claim, result)

    def _unrecorded(self, claim: Claim, error: SQLAlchemyError, report: DispatchReport) -> None:
        """Say, in one line, that a result could not be written; the drain stops."""
        reason = _first_line(error)
        report.unrecorded.append(claim.id)
        report.database_error = report.database_error or reason
        log.error(
            "message %s: its result could not be recorded (%s); it stays claimed until %s,"
            " and may then be sent again",
            claim.id,
            reason,
            claim.lease_until.isoformat(),
        )

    def _settle(self, session: Session, claim: Claim, result: Result) -> str | None:
        """Write one result; return its outcome, or None if this claim was no longer the latest."""
        if isinstance(result, TransportError) and result.pause:
            return RELEASED if outbox.release(session=session, claims=[claim]) else None
        refused = _refused(claim, result)
        status = outbox.record(session=session, claim=claim, now=self.clock.now(), refused=refused)
        return None if status is None else _OUTCOMES[status]


def _note_stop(error: TransportError, report: DispatchReport) -> None:
    """Stop the drain, first reason first, for an error that stops sending for now."""
    if report.paused or report.unreachable or not (error.pause or error.unreachable):
        return
    report.paused, report.unreachable = error.pause, not error.pause
    report.reason = error.message
    if error.pause:
        log.error("sending is paused, messages wait in the outbox: %s", error.message)
    else:
        log.warning("the mail server cannot be reached, messages wait: %s", error.message)


def _refused(claim: Claim, result: Result) -> Refusals:
    """The recipients an attempt did not reach, and why: all it went to, for an error."""
    return dict.fromkeys(claim.pending, result) if isinstance(result, TransportError) else result


def _first_line(error: SQLAlchemyError) -> str:
    """The database's own words, without SQLAlchemy's statement and links."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
