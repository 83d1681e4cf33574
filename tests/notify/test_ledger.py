"""The ledger of notices on SQLite and PostgreSQL: once per key, claims that never overlap."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import CURRENT_TIME, OFFICER
from sqlalchemy import Engine
from sqlmodel import Session, select

from notifications import emails, ledger, outbox
from notifications.ledger import NoticeStatus
from notifications.models import NoticeRow, OutboxRow
from notifications.notices import Kind, Message, Notice
from workflow.db import make_engine, new_session, transaction

NOW = CURRENT_TIME
SENDER = "rectrack@council.example"
MakeMessage = Callable[..., Message]


def notice(item: str = "rec:1", recipient: str = OFFICER, day: date = date(2027, 2, 1)) -> Notice:
    return Notice(
        kind=Kind.MONITORING_REMINDER,
        item=item,
        recipient=recipient,
        recipient_name="Olive Officer",
        due_day=day,
        send_at=datetime(2027, 2, 1, 8, tzinfo=UTC),
        about=date(2027, 2, 15),
        recommendation_ids=(1,),
    )


def new_message(session: Session, make_message: MakeMessage) -> int:
    email = emails.compose(make_message(), sender=SENDER, now=NOW)
    return outbox.enqueue(session=session, email=email)


def put_in_message(session: Session, make_message: MakeMessage, *keys: str) -> int:
    """Claim the notices `keys` into a new message; return its id."""
    ident = new_message(session, make_message)
    ledger.claim(session=session, keys=keys, outbox_id=ident)
    return ident


def queued_with(session: Session, make_message: MakeMessage, *notices: Notice) -> int:
    ledger.record(session=session, notices=notices, now=NOW)
    return put_in_message(session, make_message, *(n.key for n in notices))


def cancel_stale(session: Session, valid: set[str]) -> int:
    """Cancel what `valid` no longer holds, as a sweep does: the messages, then the notices."""
    cancelled = ledger.cancel_messages(
        session=session, ids=ledger.stale_messages(session=session, valid_keys=valid)
    )
    ledger.cancel_notices(session=session, keys=ledger.claimable(session=session) - valid)
    return cancelled


def in_message(session: Session, ident: int) -> set[str]:
    session.expire_all()
    return set(session.exec(select(NoticeRow.key).where(NoticeRow.outbox_id == ident)))


def notice_rows(session: Session) -> dict[str, NoticeRow]:
    session.expire_all()
    return {row.key: row for row in session.exec(select(NoticeRow))}


def message_status(session: Session, ident: int) -> str:
    session.expire_all()
    return session.get_one(OutboxRow, ident).status


def second_engine(engine: Engine) -> Engine:
    return make_engine(engine.url.render_as_string(hide_password=False))


# Recording and claiming


def test_recording_the_same_notices_twice_keeps_one_row_each(session: Session) -> None:
    notices = [notice("rec:1"), notice("rec:2")]
    assert ledger.record(session=session, notices=notices, now=NOW) == 2
    assert ledger.record(session=session, notices=notices, now=NOW) == 0
    assert sorted(notice_rows(session)) == sorted(n.key for n in notices)


def test_a_notice_due_on_another_day_is_a_new_notice(session: Session) -> None:
    ledger.record(session=session, notices=[notice(day=date(2027, 2, 1))], now=NOW)
    later = notice(day=date(2027, 2, 8))
    assert ledger.record(session=session, notices=[later], now=NOW) == 1


def test_missed_notices_are_recorded_as_missed_and_never_claimed(session: Session) -> None:
    ledger.record(session=session, notices=[notice()], now=NOW, status=NoticeStatus.MISSED)
    assert notice_rows(session)[notice().key].status == "missed"
    assert ledger.claimable(session=session) == set()


def test_a_large_batch_counts_only_the_new_notices(session: Session) -> None:
    notices = [notice(f"rec:{n}") for n in range(1800)]
    assert ledger.record(session=session, notices=notices[:1203], now=NOW) == 1203
    assert ledger.record(session=session, notices=notices, now=NOW) == 597


def test_recorded_notices_are_claimable(session: Session) -> None:
    ledger.record(session=session, notices=[notice("rec:1"), notice("rec:2")], now=NOW)
    assert ledger.claimable(session=session) == {notice("rec:1").key, notice("rec:2").key}


def test_claiming_puts_the_notices_in_their_message(
    session: Session, make_message: MakeMessage
) -> None:
    ledger.record(session=session, notices=[notice("rec:1"), notice("rec:2")], now=NOW)
    ident = new_message(session, make_message)
    keys = {notice("rec:1").key, notice("rec:2").key}
    assert ledger.claim(session=session, keys=keys, outbox_id=ident) == 2
    assert {(n.status, n.outbox_id) for n in notice_rows(session).values()} == {("queued", ident)}
    assert ledger.claimable(session=session) == set()


def test_a_claimed_notice_is_not_claimed_again(session: Session, make_message: MakeMessage) -> None:
    first = queued_with(session, make_message, notice())
    other = new_message(session, make_message)
    assert ledger.claim(session=session, keys=[notice().key], outbox_id=other) == 0
    assert in_message(session, first) == {notice().key}


def test_a_notice_never_recorded_is_not_claimed(
    session: Session, make_message: MakeMessage
) -> None:
    ident = new_message(session, make_message)
    assert ledger.claim(session=session, keys=[notice().key], outbox_id=ident) == 0


def test_two_sweeps_claiming_at_once_never_put_a_notice_in_two_messages(
    engine: Engine, make_message: MakeMessage
) -> None:
    start = threading.Barrier(2)

    def sweep(keys: list[str]) -> set[str]:
        other = second_engine(engine)
        start.wait()
        with new_session(other) as session, transaction(session):
            ident = put_in_message(session, make_message, *keys)
        with new_session(other) as session:
            claimed = in_message(session, ident)
        other.dispose()
        return claimed

    for round_ in range(5):
        notices = [notice(f"rec:{round_}-{n}") for n in range(40)]
        with new_session(engine) as session, transaction(session):
            ledger.record(session=session, notices=notices, now=NOW)
        keys = [n.key for n in notices]
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(sweep, [keys, keys[::-1]])
        assert not first & second
        assert len(first) + len(second) == 40


# Cancelling what no longer holds


def test_a_queued_message_with_a_stale_notice_is_cancelled(
    session: Session, make_message: MakeMessage
) -> None:
    kept, closed = notice("rec:1"), notice("rec:2")
    ident = queued_with(session, make_message, kept, closed)
    assert cancel_stale(session, {kept.key}) == 1
    assert message_status(session, ident) == "cancelled"
    rows = notice_rows(session)
    assert (rows[kept.key].status, rows[kept.key].outbox_id) == ("planned", None)
    assert rows[closed.key].status == "cancelled"


def test_a_message_is_stale_when_any_of_its_notices_is(
    session: Session, make_message: MakeMessage
) -> None:
    kept, closed = notice("rec:1"), notice("rec:2")
    ident = queued_with(session, make_message, kept, closed)
    assert ledger.stale_messages(session=session, valid_keys={kept.key}) == {ident: 2}


def test_the_still_valid_notices_of_a_cancelled_message_are_claimable_again(
    session: Session, make_message: MakeMessage
) -> None:
    kept, closed = notice("rec:1"), notice("rec:2")
    queued_with(session, make_message, kept, closed)
    cancel_stale(session, {kept.key})
    assert ledger.claimable(session=session) == {kept.key}


def test_a_message_whose_notices_all_hold_is_left_alone(
    session: Session, make_message: MakeMessage
) -> None:
    ident = queued_with(session, make_message, notice("rec:1"))
    assert cancel_stale(session, {notice("rec:1").key}) == 0
    assert message_status(session, ident) == "queued"


def test_a_message_already_being_sent_is_not_cancelled(
    session: Session, make_message: MakeMessage
) -> None:
    ident = queued_with(session, make_message, notice("rec:1"))
    outbox.claim_due(session=session, now=NOW, lease=timedelta(minutes=5), limit=50)
    assert ledger.cancel_messages(session=session, ids=[ident]) == 0
    assert message_status(session, ident) == "sending"
    assert notice_rows(session)[notice("rec:1").key].status == "queued"


def test_a_planned_notice_no_longer_valid_is_cancelled(session: Session) -> None:
    ledger.record(session=session, notices=[notice("rec:1"), notice("rec:2")], now=NOW)
    cancel_stale(session, {notice("rec:1").key})
    statuses = {key: row.status for key, row in notice_rows(session).items()}
    assert statuses == {notice("rec:1").key: "planned", notice("rec:2").key: "cancelled"}


def test_cancelling_leaves_a_notice_in_a_message_alone(
    session: Session, make_message: MakeMessage
) -> None:
    ident = queued_with(session, make_message, notice())
    assert ledger.cancel_notices(session=session, keys=[notice().key]) == 0
    assert in_message(session, ident) == {notice().key}


# Reviving a cancelled notice that holds again


def test_a_cancelled_notice_recorded_again_is_planned_again_without_its_message(
    session: Session, make_message: MakeMessage
) -> None:
    queued_with(session, make_message, notice())
    cancel_stale(session, set())
    assert ledger.record(session=session, notices=[notice()], now=NOW) == 1
    row = notice_rows(session)[notice().key]
    assert (row.status, row.outbox_id) == ("planned", None)
    assert ledger.claimable(session=session) == {notice().key}


def queued(session: Session, make_message: MakeMessage) -> None:
    queued_with(session, make_message, notice())


def sent(session: Session, make_message: MakeMessage) -> None:
    queued_with(session, make_message, notice())
    [claim] = outbox.claim_due(session=session, now=NOW, lease=timedelta(minutes=5), limit=50)
    outbox.mark_sent(session=session, claim=claim, now=NOW)


def missed(session: Session, make_message: MakeMessage) -> None:
    ledger.record(session=session, notices=[notice()], now=NOW, status=NoticeStatus.MISSED)


@pytest.mark.parametrize("settle", [queued, sent, missed])
def test_a_queued_sent_or_missed_notice_recorded_again_is_left_as_it_is(
    session: Session,
    make_message: MakeMessage,
    settle: Callable[[Session, MakeMessage], None],
) -> None:
    settle(session, make_message)
    before = notice_rows(session)[notice().key]
    settled = (before.status, before.outbox_id)
    assert ledger.record(session=session, notices=[notice()], now=NOW) == 0
    after = notice_rows(session)[notice().key]
    assert (after.status, after.outbox_id) == settled
    assert ledger.claimable(session=session) == set()


def test_a_notice_given_twice_in_one_batch_is_recorded_once(session: Session) -> None:
    assert ledger.record(session=session, notices=[notice(), notice()], now=NOW) == 1


def test_a_cancelled_notice_is_not_settled_as_it_may_be_revived(
    session: Session, make_message: MakeMessage
) -> None:
    ledger.record(session=session, notices=[notice("rec:1"), notice("rec:2")], now=NOW)
    cancel_stale(session, {notice("rec:2").key})
    put_in_message(session, make_message, notice("rec:2").key)
    keys = {notice("rec:1").key, notice("rec:2").key}
    assert ledger.settled_keys(session=session, keys=keys) == {notice("rec:2").key}


def test_two_sweeps_reviving_at_once_never_put_a_notice_in_two_messages(
    engine: Engine, make_message: MakeMessage
) -> None:
    start = threading.Barrier(2)
    notices = [notice(f"rec:{n}") for n in range(40)]

    def sweep(_: int) -> tuple[int, set[str]]:
        other = second_engine(engine)
        start.wait()
        with new_session(other) as session, transaction(session):
            revived = ledger.record(session=session, notices=notices, now=NOW)
            ident = put_in_message(session, make_message, *(n.key for n in notices))
        with new_session(other) as session:
            claimed = in_message(session, ident)
        other.dispose()
        return revived, claimed

    for _ in range(5):  # each round cancels every notice, then two sweeps want them back
        with new_session(engine) as session, transaction(session):
            ledger.record(session=session, notices=notices, now=NOW)
            cancel_stale(session, set())
        with ThreadPoolExecutor(2) as pool:
            (revived, first), (other_revived, second) = pool.map(sweep, range(2))
        assert not first & second
        assert len(first) + len(second) == revived + other_revived == 40
