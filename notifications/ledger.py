"""The ledger of notices: each (kind, item, recipient, due day) is recorded once, by its key.

Every function takes a keyword-only session and never commits: the caller owns the
transaction. A notice is recorded planned (or missed); a sweep claims the planned
ones, and each is queued once its message is in the outbox. One that no longer
holds before its message went out is cancelled, and a cancelled one that holds
again is planned again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from notifications.models import NoticeRow, OutboxRow
from notifications.notices import Notice
from notifications.outbox import MessageStatus

_ROWS_PER_INSERT = 500  # well under SQLite's limit on bound parameters per statement


class NoticeStatus(StrEnum):
    PLANNED = "planned"  # due, waiting to be put in a message
    QUEUED = "queued"  # claimed into a message (outbox_id)
    MISSED = "missed"  # fell due while the service was down, too late to be worth sending
    CANCELLED = "cancelled"  # no longer holds (closed, date moved) before its message went
    SENT = "sent"  # sent by the database this one was moved from: it has no message here


def record(
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
    rows = list({notice.key: _values(notice, status, now) for notice in notices}.values())
    recorded = 0
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        statement = _record_or_revive(session).values(chunk).returning(col(NoticeRow.id))
        recorded += len(session.connection().execute(statement).all())
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


def _values(notice: Notice, status: NoticeStatus, now: datetime) -> dict[str, Any]:
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


def claim(*, session: Session) -> set[str]:
    """Take every planned notice not yet in a message, in one statement; return their keys.

    A concurrent sweep's claim skips what this one took, so no notice is put in two
    messages. Queue or give back what was claimed in the same transaction.
    """
    statement = (
        update(NoticeRow)
        .where(col(NoticeRow.status) == NoticeStatus.PLANNED, col(NoticeRow.outbox_id).is_(None))
        .values(status=NoticeStatus.QUEUED)
        .returning(col(NoticeRow.key))
    )
    return set(session.connection().execute(statement).scalars())


def queue(*, session: Session, keys: Collection[str], outbox_id: int) -> None:
    """Record that the claimed notices `keys` are in the outbox's message `outbox_id`."""
    _set(session, keys, outbox_id=outbox_id, status=NoticeStatus.QUEUED)


def give_back(*, session: Session, keys: Collection[str]) -> None:
    """Give claimed notices back to be claimed again, when no message could be made of them."""
    _set(session, keys, status=NoticeStatus.PLANNED, outbox_id=None)


def cancel_stale(*, session: Session, valid_keys: Collection[str]) -> int:
    """Cancel what no longer holds; return how many queued messages were cancelled.

    `valid_keys` are the keys of every notice the plan still wants sent. A queued
    message with any other notice is cancelled (one already being sent is left
    alone); its notices still valid go back to planned, to be grouped afresh, and
    the others are cancelled, as are planned notices no longer valid.
    """
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
    give_back(session=session, keys=[key for key in unsent if key in valid])
    _set(session, [key for key in unsent if key not in valid], status=NoticeStatus.CANCELLED)
    return len(cancelled)


def _cancel_messages(session: Session, ids: Collection[int | None]) -> set[int | None]:
    if not ids:
        return set()
    statement = (
        update(OutboxRow)
        .where(col(OutboxRow.id).in_(ids), col(OutboxRow.status) == MessageStatus.QUEUED)
        .values(status=MessageStatus.CANCELLED)
        .returning(col(OutboxRow.id))
    )
    return set(session.connection().execute(statement).scalars())


def _set(session: Session, keys: Collection[str], **values: Any) -> None:
    if keys:
        statement = update(NoticeRow).where(col(NoticeRow.key).in_(keys)).values(**values)
        session.connection().execute(statement)


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
