"""The outbox: every email is a row, and its bytes, before it is sent.

Every function takes a keyword-only session and never commits: the caller owns the
transaction. A message moves

    queued, partly-sent ──claim_due──▶ sending ──record──▶ sent, partly-sent, queued, failed
                 ▲                        │
                 └─────────release────────┘
    failed ──retry──▶ queued or partly-sent        queued ──(ledger.cancel_stale)──▶ cancelled

`record` goes by where each recipient stands after the attempt: sent when every
recipient has it; partly-sent (some have it) or queued (nobody has) while those
refused for now are tried again with backoff; failed once one is refused for good,
or still refused a day after the first attempt.

Each recipient's part of a message is a `Delivery` (notifications.deliveries): an
attempt goes only to those still waiting, so a refused copy is retried alone, as
the same bytes with the same Message-ID, and nobody is sent a message twice. A
partly-sent message is not `queued`: some of its recipients have it, so no sweep
may cancel it and group its notices afresh.

A claim is a lease that starts when the message is claimed, and only the latest
claim of a message may record its result.

Writes are Core statements on the session's connection: nothing here loads a row
into the session to change it, so there is nothing for the session to keep in step.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Row, and_, bindparam, insert, or_, update
from sqlmodel import Session, col, select

from notifications import deliveries
from notifications.deliveries import Delivery, Refusal
from notifications.models import OutboxRow
from notifications.notices import Email

FIRST_RETRY = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=1)


class MessageStatus(StrEnum):
    QUEUED = "queued"  # nobody has it yet; waiting for next_attempt_at
    SENDING = "sending"  # claimed by a dispatcher until lease_until
    PARTLY_SENT = "partly-sent"  # some recipients have it; the others wait for next_attempt_at
    SENT = "sent"  # every recipient has it
    FAILED = "failed"  # a recipient refused for good, or still refused a day after the first try
    CANCELLED = "cancelled"  # no longer held before anyone had it


_DUE_AGAIN = (MessageStatus.QUEUED, MessageStatus.PARTLY_SENT)  # wait for next_attempt_at


class Claim(NamedTuple):
    """A message leased to one dispatcher: what to send, and the claim its result must match."""

    id: int
    attempts: int  # this claim's included
    first_attempt_at: datetime | None
    next_attempt_at: datetime  # when it was due
    lease_until: datetime  # when this claim's lease runs out; no later claim has the same
    message_id: str
    content: bytes
    deliveries: tuple[Delivery, ...]  # the recipient, then each copy

    @property
    def recipients(self) -> tuple[str, ...]:
        """Everyone the message is for, To first."""
        return tuple(delivery.to for delivery in self.deliveries)

    @property
    def pending(self) -> tuple[str, ...]:
        """Those this attempt goes to: every recipient who does not have it yet."""
        return deliveries.waiting(self.deliveries)


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
        "deliveries": [d.as_json() for d in deliveries.new((message.to, *message.cc))],
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
        and_(col(OutboxRow.status).in_(_DUE_AGAIN), col(OutboxRow.next_attempt_at) <= now),
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
    claims = (_claim(row) for row in session.connection().execute(statement))
    return sorted(claims, key=lambda claim: (claim.next_attempt_at, claim.id))


def _claim(row: Row[Any]) -> Claim:
    """The claim of a row the claim returned, its deliveries read from how they are stored."""
    return Claim._make((*row[:-1], tuple(map(Delivery.from_json, row[-1]))))


class Refused(NamedTuple):
    """A refusal told in words: `message`, and whether it is for good."""

    message: str
    permanent: bool = False


def record(
    *,
    session: Session,
    claim: Claim,
    now: datetime,
    refused: Mapping[str, Refusal] | None = None,
) -> MessageStatus | None:
    """Record, at `now`, an attempt at the claimed message; return its new status.

    Each recipient the attempt went to (`claim.pending`) and not in `refused` has
    the message now. One refused for good fails; the others refused wait, and are
    tried again with backoff until a day after the first attempt, when they fail
    too. Return None, recording nothing, if the claim is no longer the latest: its
    lease ran out and another dispatcher claimed the message.
    """
    refused = refused or {}
    first = claim.first_attempt_at or now
    after = deliveries.attempted(claim.deliveries, refused, now)
    waiting = deliveries.waiting(after)
    when = next_attempt(claim.attempts, first, now) if waiting else None
    if waiting and when is None:  # a day of refusals: give up on those still waiting
        after = deliveries.given_up(after)
    status = _status(after)
    values: dict[str, Any] = {"status": status, "first_attempt_at": first}
    values |= {
        "deliveries": [d.as_json() for d in after],
        "last_error": deliveries.last_error(after),
    }
    if when is not None:
        values["next_attempt_at"] = when
    if any(to not in refused for to in claim.pending):
        values["sent_at"] = now  # the last time the server took it, for anyone
    return status if _settle(session, claim, **values) else None


def _status(after: Sequence[Delivery]) -> MessageStatus:
    """The status of a message whose recipients stand as `after` stands."""
    if deliveries.waiting(after):
        return _untried(after)
    if deliveries.everyone_has_it(after):
        return MessageStatus.SENT
    return MessageStatus.FAILED


def mark_sent(*, session: Session, claim: Claim, now: datetime) -> bool:
    """Record that every recipient pending took the claimed message; False if its claim was lost."""
    return record(session=session, claim=claim, now=now) is not None


def mark_failed(*, session: Session, claim: Claim, error: str, now: datetime) -> bool:
    """Record that the claimed message was refused for good; False if its claim had been lost."""
    refused = dict.fromkeys(claim.pending, Refused(error, permanent=True))
    return record(session=session, claim=claim, now=now, refused=refused) is not None


def schedule_retry(*, session: Session, claim: Claim, error: str, now: datetime) -> datetime | None:
    """Queue the claimed message again with backoff; return when, or None if it failed for good."""
    refused = dict.fromkeys(claim.pending, Refused(error))
    status = record(session=session, claim=claim, now=now, refused=refused)
    if status not in _DUE_AGAIN:
        return None
    return next_attempt(claim.attempts, claim.first_attempt_at or now, now)


def release(*, session: Session, claims: Iterable[Claim]) -> int:
    """Give claimed messages back, untried: the claim's attempt is not counted."""
    return sum(
        _settle(session, claim, status=_untried(claim.deliveries), attempts=claim.attempts - 1)
        for claim in claims
    )


def _untried(stand: Iterable[Delivery]) -> MessageStatus:
    """The status of a message waiting for its next attempt, its recipients standing as `stand`."""
    return MessageStatus.PARTLY_SENT if deliveries.anyone_has_it(stand) else MessageStatus.QUEUED


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


def deliveries_of(row: OutboxRow) -> list[Delivery]:
    """Where the message `row` stands for each of its recipients, To first, as shown."""
    return [Delivery.from_json(stored).shown_with(row.status) for stored in row.deliveries]


def retry(*, session: Session, now: datetime, ids: Collection[int] = ()) -> int:
    """Queue messages again at once, with a fresh day of attempts; return how many.

    With `ids`, those of them that failed or wait; without, every failed one. They
    go again to each recipient who does not have them, those refused for good
    included, and to nobody who has.
    """
    which: ColumnElement[bool]
    if ids:
        waits = [MessageStatus.FAILED, *_DUE_AGAIN]
        which = col(OutboxRow.id).in_(ids) & col(OutboxRow.status).in_(waits)
    else:
        which = col(OutboxRow.status) == MessageStatus.FAILED
    found = session.exec(select(OutboxRow.id, OutboxRow.status, OutboxRow.deliveries).where(which))
    return sum(_requeue(session, ident, status, stored, now) for ident, status, stored in found)


def _requeue(
    session: Session,
    ident: int | None,
    status: str,
    stored: Sequence[Mapping[str, str]],
    now: datetime,
) -> bool:
    again = deliveries.retried(map(Delivery.from_json, stored))
    statement = (
        update(OutboxRow)
        # Not if a dispatcher claimed it meanwhile.
        .where(col(OutboxRow.id) == ident, col(OutboxRow.status) == status)
        .values(
            status=_untried(again),
            deliveries=[d.as_json() for d in again],
            attempts=0,
            first_attempt_at=None,
            next_attempt_at=now,
            lease_until=None,
        )
    )
    return session.connection().execute(statement).rowcount == 1
