"""The notices and the outbox: every email is a row before it is sent.

Every function takes a keyword-only session and never commits: the caller owns the
transaction. A message moves

    queued ──claim_due──▶ sending ──mark_sent──────▶ sent
      ▲  ▲                  │ ├────schedule_retry──▶ queued later, or failed after a day
      │  └──release─────────┘ └────mark_failed─────▶ failed ──retry──▶ queued
      └─────cancel_stale───────────────────────────▶ cancelled

and a notice is planned (or missed), then queued once it is in a message, or
cancelled when it no longer holds before its message went out; a cancelled notice
that holds again is planned again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from notifications import emails
from notifications.models import NoticeRow, OutboxRow
from notifications.notices import Message, Notice

FIRST_RETRY = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=1)
_ROWS_PER_INSERT = 500  # well under SQLite's limit on bound parameters per statement


class NoticeStatus(StrEnum):
    PLANNED = "planned"  # due, waiting to be put in a message
    QUEUED = "queued"  # claimed into a message (outbox_id)
    MISSED = "missed"  # fell due while the service was down, too late to be worth sending
    CANCELLED = "cancelled"  # no longer holds (closed, date moved) before its message went


class MessageStatus(StrEnum):
    QUEUED = "queued"  # waiting for next_attempt_at
    SENDING = "sending"  # claimed by a dispatcher until lease_until
    SENT = "sent"
    FAILED = "failed"  # refused for good, or still failing a day after the first attempt
    CANCELLED = "cancelled"


def next_attempt(attempts: int, first_attempt_at: datetime, now: datetime) -> datetime | None:
    """Return when to try again after `attempts` tries, or None to give up.

    The waits double from 5 minutes up to an hour; a day after the first attempt, give up.
    """
    if now - first_attempt_at >= GIVE_UP_AFTER:
        return None
    doubled: int = 2 ** min(max(attempts - 1, 0), 4)
    return now + min(FIRST_RETRY * doubled, LONGEST_WAIT)


def record_notices(
    *,
    session: Session,
    notices: Iterable[Notice],
    now: datetime,
    status: NoticeStatus = NoticeStatus.PLANNED,
) -> int:
    """Record each notice as `status`; return how many were new or revived.

    A notice whose key is recorded already is left as it is, unless it was
    cancelled: it never went, so wanted again (its date moved and moved back, its
    recommendation left an open state and came back) it is recorded afresh, with no
    message.
    """
    # One row per key: PostgreSQL refuses to update a row twice in one statement.
    rows = list({notice.key: _notice_values(notice, status, now) for notice in notices}.values())
    recorded = 0
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        statement = _record_or_revive(session).values(chunk).returning(col(NoticeRow.id))
        recorded += len(session.exec(statement).all())
    return recorded


def _record_or_revive(session: Session) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(NoticeRow)
    return insert.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "status": insert.excluded.status,
            "outbox_id": None,
            "recommendation_ids": insert.excluded.recommendation_ids,
        },
        where=col(NoticeRow.status) == NoticeStatus.CANCELLED,
    )


def _notice_values(notice: Notice, status: NoticeStatus, now: datetime) -> dict[str, Any]:
    return {
        "key": notice.key,
        "kind": notice.kind.value,
        "item": notice.item,
        "recipient": notice.recipient,
        "due_day": notice.due_day,
        "status": status.value,
        "recommendation_ids": list(notice.recommendation_ids),
        "created_at": now,
    }


def claim_notices(*, session: Session) -> list[NoticeRow]:
    """Take every planned notice not yet in a message, in one statement.

    A concurrent sweep's claim skips what this one took, so no notice is put in two
    messages. Enqueue what was claimed in the same transaction.
    """
    statement = (
        update(NoticeRow)
        .where(col(NoticeRow.status) == NoticeStatus.PLANNED, col(NoticeRow.outbox_id).is_(None))
        .values(status=NoticeStatus.QUEUED)
        .returning(NoticeRow)
    )
    return sorted(_rows(session, statement), key=lambda row: row.id or 0)


def unclaim_notices(*, session: Session, keys: Collection[str]) -> None:
    """Give claimed notices back to be claimed again, when no message could be made of them."""
    _set_notices(session, list(keys), status=NoticeStatus.PLANNED, outbox_id=None)


def enqueue(
    *,
    session: Session,
    message: Message,
    notice_keys: Iterable[str],
    sender: str,
    now: datetime,
) -> int:
    """Add `message` to the outbox, due at once, and attach its notices; return its id.

    The email is built here, once: from `sender`, dated `now` (the time it
    originated, which a retry keeps) and with a new Message-ID. Its bytes are
    stored and every attempt sends them as they are. Raises emails.BadHeader, before
    anything is written, if the message cannot be built.
    """
    message_id = emails.new_message_id(sender, now)
    email = emails.build(message, sender=sender, message_id=message_id, now=now)
    row = OutboxRow(
        kind=message.kind.value,
        recipient=message.to,
        recipient_name=message.to_name,
        cc=list(message.cc),
        subject=message.subject,
        text_body=message.text,
        html_body=message.html,
        message_id=message_id,
        content=emails.as_bytes(email),
        status=MessageStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    _set_notices(session, list(notice_keys), outbox_id=row.id, status=NoticeStatus.QUEUED)
    return row.id


def cancel_stale(*, session: Session, valid_keys: Collection[str], now: datetime) -> int:
    """Cancel what no longer holds; return how many queued messages were cancelled.

    `valid_keys` are the keys of every notice the plan still wants sent. A queued
    message with any other notice is cancelled (one already being sent is left
    alone); its notices still valid go back to planned, to be grouped afresh, and
    the others are cancelled, as are planned notices no longer valid.
    """
    del now  # taken like every other step of the sweep, though cancelling needs no clock
    queued = session.exec(
        select(NoticeRow.key, NoticeRow.outbox_id)
        .join(OutboxRow, col(OutboxRow.id) == NoticeRow.outbox_id)
        .where(col(OutboxRow.status) == MessageStatus.QUEUED)
    ).all()
    valid = set(valid_keys)
    cancelled = _cancel_messages(session, {ident for key, ident in queued if key not in valid})
    unsent = [key for key, ident in queued if ident in cancelled]
    unsent += session.exec(
        select(NoticeRow.key).where(
            col(NoticeRow.status) == NoticeStatus.PLANNED, col(NoticeRow.outbox_id).is_(None)
        )
    ).all()
    _set_notices(
        session, [k for k in unsent if k in valid], status=NoticeStatus.PLANNED, outbox_id=None
    )
    _set_notices(session, [k for k in unsent if k not in valid], status=NoticeStatus.CANCELLED)
    return len(cancelled)


def _cancel_messages(session: Session, ids: Collection[int | None]) -> set[int]:
    if not ids:
        return set()
    statement = (
        update(OutboxRow)
        .where(col(OutboxRow.id).in_(ids), col(OutboxRow.status) == MessageStatus.QUEUED)
        .values(status=MessageStatus.CANCELLED)
        .returning(col(OutboxRow.id))
    )
    return set(session.exec(statement).scalars())


def _set_notices(session: Session, keys: list[str], **values: Any) -> None:
    if keys:
        session.exec(update(NoticeRow).where(col(NoticeRow.key).in_(keys)).values(**values))


def settled_keys(*, session: Session, keys: Collection[str]) -> set[str]:
    """Return those of `keys` a sweep will not put in a message again.

    That is all but planned ones and cancelled ones, which a sweep revives when due.
    """
    wanted, settled = list(keys), set[str]()
    for start in range(0, len(wanted), _ROWS_PER_INSERT):
        chunk = wanted[start : start + _ROWS_PER_INSERT]
        settled.update(
            session.exec(
                select(NoticeRow.key).where(
                    col(NoticeRow.key).in_(chunk),
                    col(NoticeRow.status).not_in([NoticeStatus.PLANNED, NoticeStatus.CANCELLED]),
                )
            )
        )
    return settled


def claim_due(*, session: Session, now: datetime, lease: timedelta, limit: int) -> list[OutboxRow]:
    """Lease up to `limit` messages due by `now`, in one statement, and return them.

    Due are queued messages whose next attempt has come and sending ones whose lease
    ran out (their dispatcher died). On PostgreSQL, rows another dispatcher is
    claiming are skipped; SQLite runs one writer at a time, so the statement is
    atomic there as it stands.
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
        .returning(OutboxRow)
    )
    rows = _rows(session, statement)
    for row in rows:  # each is a claim as it was made: a later claim must not change it
        session.expunge(row)
    return sorted(rows, key=lambda row: (row.next_attempt_at, row.id or 0))


def _rows(session: Session, statement: Any) -> list[Any]:
    # Fresh values from RETURNING, even for rows this session has loaded before.
    options = {"synchronize_session": False, "populate_existing": True}
    return list(session.exec(statement.execution_options(**options)).scalars())


def mark_sent(*, session: Session, row: OutboxRow, now: datetime) -> bool:
    """Record that the claimed `row` was sent; False if its claim had been lost."""
    return _settle(
        session,
        row,
        status=MessageStatus.SENT,
        sent_at=now,
        first_attempt_at=row.first_attempt_at or now,
        last_error=None,
    )


def mark_failed(*, session: Session, row: OutboxRow, error: str, now: datetime) -> bool:
    """Record that the claimed `row` was refused for good; False if its claim had been lost."""
    return _settle(
        session,
        row,
        status=MessageStatus.FAILED,
        first_attempt_at=row.first_attempt_at or now,
        last_error=error,
    )


def schedule_retry(
    *, session: Session, row: OutboxRow, error: str, now: datetime
) -> datetime | None:
    """Queue the claimed `row` again with backoff; return when, or None if it failed for good."""
    first = row.first_attempt_at or now
    when = next_attempt(row.attempts, first, now)
    if when is None:
        _settle(session, row, status=MessageStatus.FAILED, first_attempt_at=first, last_error=error)
        return None
    _settle(
        session,
        row,
        status=MessageStatus.QUEUED,
        next_attempt_at=when,
        first_attempt_at=first,
        last_error=error,
    )
    return when


def release(*, session: Session, rows: Iterable[OutboxRow]) -> int:
    """Give claimed rows back, untried: the claim's attempt is not counted."""
    return sum(
        _settle(session, row, status=MessageStatus.QUEUED, attempts=row.attempts - 1)
        for row in rows
    )


# The claim is (id, attempts): if the lease ran out and another dispatcher claimed
# the row meanwhile, a late result must not overwrite its own. The SET clause comes
# from the values given, so one statement (compiled once, by SQLAlchemy's cache)
# serves every result.
_SETTLE = update(OutboxRow).where(
    col(OutboxRow.id) == bindparam("claimed_id"),
    col(OutboxRow.status) == bindparam("while_sending", MessageStatus.SENDING.value),
    col(OutboxRow.attempts) == bindparam("claimed_attempts"),
)


def _settle(session: Session, row: OutboxRow, **values: Any) -> bool:
    params = {
        **values,
        "lease_until": None,
        "claimed_id": row.id,
        "claimed_attempts": row.attempts,
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
    return session.exec(statement.execution_options(synchronize_session=False)).rowcount
