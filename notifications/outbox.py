"""The outbox: every email is a row, and its bytes, before it is sent.

Every function takes a keyword-only session and never commits: the caller owns the
transaction. A message moves

    queued ──claim_due──▶ sending ──record: sent──────────▶ sent
      ▲  ▲                  │ ├────record: refused for now──▶ queued later, or failed after a day
      │  └──release─────────┘ └────record: refused for good─▶ failed ──retry──▶ queued
      └─────(ledger.cancel_stale)─────────────────────────────▶ cancelled

A claim is a lease that starts when the message is claimed, and only the latest
claim of a message may record its result.

Writes are Core statements on the session's connection: nothing here loads a row
into the session to change it, so there is nothing for the session to keep in step.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from sqlalchemy import ColumnElement, and_, bindparam, insert, or_, update
from sqlmodel import Session, col, select

from notifications.models import OutboxRow
from notifications.notices import Email

FIRST_RETRY = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=1)


class MessageStatus(StrEnum):
    QUEUED = "queued"  # waiting for next_attempt_at
    SENDING = "sending"  # claimed by a dispatcher until lease_until
    SENT = "sent"
    FAILED = "failed"  # refused for good, or still failing a day after the first attempt
    CANCELLED = "cancelled"


class Claim(NamedTuple):
    """A message leased to one dispatcher: what to send, and the claim its result must match."""

    id: int
    attempts: int  # this claim's included
    first_attempt_at: datetime | None
    next_attempt_at: datetime  # when it was due
    lease_until: datetime  # when this claim's lease runs out; no later claim has the same
    recipient: str
    cc: list[str]
    message_id: str
    content: bytes

    @property
    def recipients(self) -> tuple[str, ...]:
        return (self.recipient, *self.cc)


def next_attempt(attempts: int, first_attempt_at: datetime, now: datetime) -> datetime | None:
    """Return when to try again after `attempts` tries, or None to give up.

    The waits double from 5 minutes up to an hour; a day after the first attempt, give up.
    """
    if now - first_attempt_at >= GIVE_UP_AFTER:
        return None
    doubled: int = 2 ** min(max(attempts - 1, 0), 4)
    return now + min(FIRST_RETRY * doubled, LONGEST_WAIT)


_ENQUEUE = insert(OutboxRow).returning(col(OutboxRow.id))


def enqueue(*, session: Session, email: Email) -> int:
    """Store `email`, due at once (when it was composed); return its id."""
    message = email.message
    values = {
        "kind": message.kind.value,
        "recipient": message.to,
        "recipient_name": message.to_name,
        "cc": list(message.cc),
        "subject": message.subject,
        "text_body": message.text,
        "html_body": message.html,
        "message_id": email.message_id,
        "content": email.content,
        "status": MessageStatus.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": email.at,
        "created_at": email.at,
    }
    ident = session.connection().execute(_ENQUEUE, values).scalar_one()
    assert ident is not None
    return ident


def claim_due(*, session: Session, now: datetime, lease: timedelta, limit: int) -> list[Claim]:
    """Lease up to `limit` messages due by `now`, in one statement, and return the claims.

    `now` is when the claim is made: each lease runs for `lease` from then. Due are
    queued messages whose next attempt has come and sending ones whose lease ran
    out (their dispatcher died). On PostgreSQL, rows another dispatcher is claiming
    are skipped; SQLite runs one writer at a time, so the statement is atomic there
    as it stands. The claims come oldest first.
    """
    due = or_(
        and_(col(OutboxRow.status) == MessageStatus.QUEUED, col(OutboxRow.next_attempt_at) <= now),
        and_(col(OutboxRow.status) == MessageStatus.SENDING, col(OutboxRow.lease_until) <= now),
    )
    ids = (
        select(OutboxRow.id)
        .where(due)
        .order_by(col(OutboxRow.next_attempt_at), col(OutboxRow.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(OutboxRow)
        .where(col(OutboxRow.id).in_(ids))
        .values(
            status=MessageStatus.SENDING,
            lease_until=now + lease,
            attempts=col(OutboxRow.attempts) + 1,
        )
        .returning(*(col(getattr(OutboxRow, name)) for name in Claim._fields))
    )
    claims = (Claim(*row) for row in session.connection().execute(statement))
    return sorted(claims, key=lambda claim: (claim.next_attempt_at, claim.id))


class Refusal(Protocol):
    """Why a message was not taken, and whether it ever will be: a TransportError is one."""

    @property
    def message(self) -> str: ...
    @property
    def permanent(self) -> bool: ...


class Refused(NamedTuple):
    """A refusal told in words: `message`, and whether it is for good."""

    message: str
    permanent: bool = False


def record(
    *, session: Session, claim: Claim, now: datetime, error: Refusal | None = None
) -> MessageStatus | None:
    """Record the result, at `now`, of sending the claimed message; return its new status.

    With no `error` it was sent. Refused for good, it fails; refused for now, it is
    queued again with backoff, and fails a day after the first attempt. Return None,
    recording nothing, if the claim is no longer this one: its lease ran out and
    another dispatcher claimed the message.
    """
    first = claim.first_attempt_at or now
    values: dict[str, Any] = {"first_attempt_at": first}
    when = None if error is None or error.permanent else next_attempt(claim.attempts, first, now)
    if error is None:
        values |= {"status": MessageStatus.SENT, "sent_at": now, "last_error": None}
    elif when is None:
        values |= {"status": MessageStatus.FAILED, "last_error": error.message}
    else:
        values |= {"status": MessageStatus.QUEUED, "next_attempt_at": when}
        values["last_error"] = error.message
    return values["status"] if _settle(session, claim, **values) else None


def mark_sent(*, session: Session, claim: Claim, now: datetime) -> bool:
    """Record that the claimed message was sent; False if its claim had been lost."""
    return record(session=session, claim=claim, now=now) is not None


def mark_failed(*, session: Session, claim: Claim, error: str, now: datetime) -> bool:
    """Record that the claimed message was refused for good; False if its claim had been lost."""
    refused = Refused(error, permanent=True)
    return record(session=session, claim=claim, now=now, error=refused) is not None


def schedule_retry(*, session: Session, claim: Claim, error: str, now: datetime) -> datetime | None:
    """Queue the claimed message again with backoff; return when, or None if it failed for good."""
    status = record(session=session, claim=claim, now=now, error=Refused(error))
    if status is not MessageStatus.QUEUED:
        return None
    return next_attempt(claim.attempts, claim.first_attempt_at or now, now)


def release(*, session: Session, claims: Iterable[Claim]) -> int:
    """Give claimed messages back, untried: the claim's attempt is not counted."""
    return sum(
        _settle(session, claim, status=MessageStatus.QUEUED, attempts=claim.attempts - 1)
        for claim in claims
    )


# A claim is known by its lease's end: a later claim is made once that end has
# passed, so its lease ends later. If the lease ran out and another dispatcher
# claimed the row meanwhile, a late result must not overwrite that claim's own. A
# lease that ran out with nobody taking the row over is still the latest claim, and
# its result is recorded: the message went, and is not sent again. The SET clause
# comes from the values given, so one statement (compiled once, by SQLAlchemy's
# cache) serves every result.
_SETTLE = update(OutboxRow).where(
    col(OutboxRow.id) == bindparam("claimed_id"),
    col(OutboxRow.status) == bindparam("while_sending", MessageStatus.SENDING.value),
    col(OutboxRow.lease_until) == bindparam("claimed_lease_until"),
)


def _settle(session: Session, claim: Claim, **values: Any) -> bool:
    params = {
        **values,
        "lease_until": None,
        "claimed_id": claim.id,
        "claimed_lease_until": claim.lease_until,
    }
    return session.connection().execute(_SETTLE, params).rowcount == 1


def list_messages(*, session: Session, status: str | None = None) -> list[OutboxRow]:
    """Return the messages, oldest first, only those in `status` if given."""
    query = select(OutboxRow).order_by(col(OutboxRow.id))
    if status is not None:
        query = query.where(col(OutboxRow.status) == status)
    return list(session.exec(query))


def retry(*, session: Session, now: datetime, ids: Collection[int] = ()) -> int:
    """Queue messages again at once, with a fresh day of attempts; return how many.

    With `ids`, those of them that failed or wait in the queue; without, every failed one.
    """
    which: ColumnElement[bool]
    if ids:
        which = col(OutboxRow.id).in_(ids) & col(OutboxRow.status).in_(
            [MessageStatus.FAILED, MessageStatus.QUEUED]
        )
    else:
        which = col(OutboxRow.status) == MessageStatus.FAILED
    statement = (
        update(OutboxRow)
        .where(which)
        .values(
            status=MessageStatus.QUEUED,
            attempts=0,
            first_attempt_at=None,
            next_attempt_at=now,
            lease_until=None,
        )
    )
    return session.connection().execute(statement).rowcount
