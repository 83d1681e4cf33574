"""The ledger of notices: each (kind, item, recipient, due day) is recorded once, by its key.

Every function takes a keyword-only session and never commits: the caller owns the
transaction. A notice is recorded planned (or missed); a sweep claims planned ones
into the message it queues, so each is in one message at most. A queued message with
a notice that no longer holds is cancelled and its notices are planned again; a
planned notice that no longer holds is cancelled, and a cancelled one that holds
again is planned again.

Statements stay within the drivers' limits however many notices there are: a list
of values goes in statements of at most PER_STATEMENT values (SQLite binds at most
32,766 parameters a statement, PostgreSQL 65,535). A write that must find each row
as it was (still planned, still queued) goes row by row, by the row's unique key, as
one executemany: given an IN-list beside `status = …`, SQLite's planner (and
PostgreSQL's, before its statistics are gathered) reads every row in that state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Update, bindparam, null, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from notifications.models import NoticeRow, OutboxRow
from notifications.notices import Notice
from notifications.outbox import MessageStatus

PER_STATEMENT = 500  # values in one statement: 4,000 parameters for a row of a notice each


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
    if not rows:
        return 0
    # One statement, compiled once, for every row: SQLAlchemy sends it as multi-row
    # VALUES pages within the driver's limit on parameters ("insertmanyvalues").
    statement = _record_or_revive(session).returning(col(NoticeRow.id))
    return len(session.connection().execute(statement, rows).all())


def _record_or_revive(session: Session) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(NoticeRow)
    return insert.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "status": insert.excluded.status,
            # null(), not None: a parameter in the SET clause would make SQLAlchemy
            # send the rows one statement each rather than in pages.
            "outbox_id": null(),
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


def _unclaimed() -> ColumnElement[bool]:
    return (col(NoticeRow.status) == NoticeStatus.PLANNED) & col(NoticeRow.outbox_id).is_(None)


def claimable(*, session: Session) -> set[str]:
    """Return the keys of the planned notices in no message: those a sweep may claim."""
    return set(session.exec(select(NoticeRow.key).where(_unclaimed())))


_CLAIM = (
    update(NoticeRow)
    .where(col(NoticeRow.key) == bindparam("wanted"), _unclaimed())
    .values(status=NoticeStatus.QUEUED.value, outbox_id=bindparam("message"))
)


def claim(*, session: Session, keys: Collection[str], outbox_id: int) -> int:
    """Put each planned notice of `keys` in the message `outbox_id`; return how many.

    A notice that another sweep has put in a message meanwhile is skipped, so none
    is in two messages: keep the message only if all of its notices were claimed.
    """
    # In the order of their keys: two sweeps claiming on PostgreSQL wait for each
    # other's rows in the same order, never each for the other's.
    rows = [{"wanted": key, "message": outbox_id} for key in sorted(keys)]
    return _each(session, _CLAIM, rows)


def stale_messages(*, session: Session, valid_keys: Collection[str]) -> dict[int, int]:
    """Return the queued messages with a notice not in `valid_keys`, with their notices' number.

    `valid_keys` are the keys of every notice the plan still wants sent.
    """
    queued = session.exec(
        select(NoticeRow.key, NoticeRow.outbox_id)
        .join(OutboxRow, col(OutboxRow.id) == NoticeRow.outbox_id)
        .where(col(OutboxRow.status) == MessageStatus.QUEUED)
    ).all()
    sizes = Counter(ident for _, ident in queued if ident is not None)
    stale = {ident for key, ident in queued if ident is not None and key not in valid_keys}
    return {ident: sizes[ident] for ident in sorted(stale)}


_CANCEL_MESSAGE = (
    update(OutboxRow)
    .where(col(OutboxRow.id) == bindparam("message"), col(OutboxRow.status) == MessageStatus.QUEUED)
    .values(status=MessageStatus.CANCELLED.value)
)
_IS_CANCELLED = (
    select(OutboxRow.id)
    .where(
        col(OutboxRow.id) == bindparam("message"),
        col(OutboxRow.status) == MessageStatus.CANCELLED,
    )
    .exists()
)
_GIVE_BACK = (
    update(NoticeRow)
    .where(col(NoticeRow.outbox_id) == bindparam("message"), _IS_CANCELLED)
    .values(status=NoticeStatus.PLANNED.value, outbox_id=None)
)


def cancel_messages(*, session: Session, ids: Collection[int]) -> int:
    """Cancel those of the messages `ids` still queued; return how many.

    A message a dispatcher has begun to send is left alone. The notices of each one
    cancelled are planned again, to be grouped afresh: those no longer valid are
    then cancelled by `cancel_notices`.
    """
    rows = [{"message": ident} for ident in sorted(ids)]
    cancelled = _each(session, _CANCEL_MESSAGE, rows)
    _each(session, _GIVE_BACK, rows)
    return cancelled


_CANCEL_NOTICE = (
    update(NoticeRow)
    .where(col(NoticeRow.key) == bindparam("wanted"), _unclaimed())
    .values(status=NoticeStatus.CANCELLED.value)
)


def cancel_notices(*, session: Session, keys: Collection[str]) -> int:
    """Cancel the notices of `keys` that are planned and in no message; return how many."""
    return _each(session, _CANCEL_NOTICE, [{"wanted": key} for key in sorted(keys)])


def _each(session: Session, statement: Update, rows: list[dict[str, Any]]) -> int:
    """Run `statement` once for each of `rows` (one executemany); return the rows it changed."""
    if not rows:
        return 0
    return session.connection().execute(statement, rows).rowcount


def settled_keys(*, session: Session, keys: Collection[str]) -> set[str]:
    """Return those of `keys` a sweep will not put in a message again.

    That is all but planned ones and cancelled ones, which a sweep revives when due.
    """
    wanted, settled = list(keys), set[str]()
    for start in range(0, len(wanted), PER_STATEMENT):
        chunk = wanted[start : start + PER_STATEMENT]
        settled.update(
            session.exec(
                select(NoticeRow.key).where(
                    col(NoticeRow.key).in_(chunk),
                    col(NoticeRow.status).not_in([NoticeStatus.PLANNED, NoticeStatus.CANCELLED]),
                )
            )
        )
    return settled
