"""The notices and the outbox on SQLite and PostgreSQL: once per key, claims that never overlap."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from factories import CURRENT_TIME, OFFICER
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from notifications import outbox
from notifications.emails import BadHeader
from notifications.models import NoticeRow, OutboxRow
from notifications.notices import Kind, Message, Notice
from notifications.outbox import NoticeStatus, next_attempt
from rectrack.schema import HEAD, schema_revision, upgrade
from workflow.db import make_engine, new_session, transaction

NOW = CURRENT_TIME
LEASE = timedelta(minutes=5)
SENDER = "rectrack@council.example"


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


def put_in_message(session: Session, make_message: Callable[..., Message], *keys: str) -> int:
    return outbox.enqueue(
        session=session, message=make_message(), notice_keys=keys, sender=SENDER, now=NOW
    )


def notice_rows(session: Session) -> dict[str, NoticeRow]:
    session.expire_all()
    return {row.key: row for row in session.exec(select(NoticeRow))}


def message(session: Session, ident: int) -> OutboxRow:
    session.expire_all()
    row = session.get(OutboxRow, ident)
    assert row is not None
    return row


def claim(session: Session, now: datetime = NOW, limit: int = 50) -> list[OutboxRow]:
    return outbox.claim_due(session=session, now=now, lease=LEASE, limit=limit)


def second_engine(engine: Engine) -> Engine:
    return make_engine(engine.url.render_as_string(hide_password=False))


# Backoff, a pure function


def test_the_first_retry_comes_within_five_minutes() -> None:
    assert next_attempt(1, NOW, NOW) == NOW + timedelta(minutes=5)


def test_the_waits_double_up_to_an_hour() -> None:
    waits = [next_attempt(n, NOW, NOW) for n in range(1, 8)]
    assert [(w - NOW).seconds // 60 for w in waits if w] == [5, 10, 20, 40, 60, 60, 60]


def test_it_gives_up_a_day_after_the_first_attempt() -> None:
    assert next_attempt(20, NOW, NOW + timedelta(hours=23, minutes=59)) is not None
    assert next_attempt(20, NOW, NOW + timedelta(days=1)) is None


# The schema


def test_init_upgrades_a_0001_database_and_then_changes_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", "rectrack:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    assert upgrade(engine) == ("0001", HEAD)
    assert upgrade(engine) == (HEAD, HEAD)
    assert schema_revision(engine) == HEAD
    engine.dispose()


def migrate(engine: Engine, revision: str, downgrade: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", "rectrack:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if downgrade else command.upgrade)(config, revision)


def differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), SQLModel.metadata))


def test_the_migrations_build_exactly_the_tables_the_models_declare(engine: Engine) -> None:
    assert differences(engine) == []


def test_the_last_migration_undone_and_done_again_gives_the_same_tables(engine: Engine) -> None:
    migrate(engine, "0004", downgrade=True)
    assert upgrade(engine) == ("0004", HEAD)
    assert differences(engine) == []


WITHOUT_BYTES = """
    INSERT INTO outbox (kind, recipient, recipient_name, cc, subject, text_body, html_body,
                        message_id, status, attempts, next_attempt_at, created_at)
    VALUES ('monitoring-reminder', 'officer@council.example', 'Olive Officer', '[]',
            'Monitoring due', 'Due.', '<p>Due.</p>', '<old@council.example>', 'queued', 0,
            '2027-02-01 09:30:00', '2027-02-01 09:30:00')
"""


def test_a_message_without_its_bytes_is_refused(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql(WITHOUT_BYTES)


# Notices


def test_recording_the_same_notices_twice_keeps_one_row_each(session: Session) -> None:
    notices = [notice("rec:1"), notice("rec:2")]
    assert outbox.record_notices(session=session, notices=notices, now=NOW) == 2
    assert outbox.record_notices(session=session, notices=notices, now=NOW) == 0
    assert sorted(notice_rows(session)) == sorted(n.key for n in notices)


def test_a_notice_due_on_another_day_is_a_new_notice(session: Session) -> None:
    outbox.record_notices(session=session, notices=[notice(day=date(2027, 2, 1))], now=NOW)
    later = notice(day=date(2027, 2, 8))
    assert outbox.record_notices(session=session, notices=[later], now=NOW) == 1


def test_missed_notices_are_recorded_as_missed_and_never_claimed(session: Session) -> None:
    missed = NoticeStatus.MISSED
    outbox.record_notices(session=session, notices=[notice()], now=NOW, status=missed)
    assert notice_rows(session)[notice().key].status == "missed"
    assert outbox.claim_notices(session=session) == []


def test_a_large_batch_counts_only_the_new_notices(session: Session) -> None:
    notices = [notice(f"rec:{n}") for n in range(1800)]
    assert outbox.record_notices(session=session, notices=notices[:1203], now=NOW) == 1203
    assert outbox.record_notices(session=session, notices=notices, now=NOW) == 597


def test_a_claimed_notice_is_not_claimed_again(session: Session) -> None:
    outbox.record_notices(session=session, notices=[notice("rec:1"), notice("rec:2")], now=NOW)
    first = outbox.claim_notices(session=session)
    assert [row.item for row in first] == ["rec:1", "rec:2"]
    assert {row.status for row in first} == {"queued"}
    assert outbox.claim_notices(session=session) == []


def test_two_sweeps_claiming_at_once_never_put_a_notice_in_two_messages(
    engine: Engine, make_message: Callable[..., Message]
) -> None:
    start = threading.Barrier(2)

    def sweep(_: int) -> list[str]:
        other = second_engine(engine)
        start.wait()
        with new_session(other) as session, transaction(session):
            keys = [row.key for row in outbox.claim_notices(session=session)]
            if keys:
                put_in_message(session, make_message, *keys)
        other.dispose()
        return keys

    for round_ in range(5):
        notices = [notice(f"rec:{round_}-{n}") for n in range(40)]
        with new_session(engine) as session, transaction(session):
            outbox.record_notices(session=session, notices=notices, now=NOW)
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(sweep, range(2))
        assert not set(first) & set(second)
        assert len(first) + len(second) == 40


def test_enqueueing_queues_the_message_now_and_attaches_its_notices(
    session: Session, make_message: Callable[..., Message]
) -> None:
    outbox.record_notices(session=session, notices=[notice("rec:1"), notice("rec:2")], now=NOW)
    keys = [row.key for row in outbox.claim_notices(session=session)]
    ident = put_in_message(session, make_message, *keys)
    row = message(session, ident)
    assert (row.status, row.attempts, row.next_attempt_at) == ("queued", 0, NOW)
    assert row.message_id.startswith("<") and row.message_id.endswith("@council.example>")
    assert {n.outbox_id for n in notice_rows(session).values()} == {ident}


def test_enqueueing_stores_the_email_built_once_dated_now(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = message(session, put_in_message(session, make_message))
    email = BytesParser(policy=policy.default).parsebytes(row.content)
    assert (email["Message-ID"], email["To"]) == (row.message_id, f"Olive Officer <{OFFICER}>")
    assert (email["From"], email["Subject"], email["Date"].datetime) == (SENDER, row.subject, NOW)


def test_a_message_that_cannot_be_built_is_refused_and_nothing_written(
    session: Session, make_message: Callable[..., Message]
) -> None:
    outbox.record_notices(session=session, notices=[notice()], now=NOW)
    outbox.claim_notices(session=session)
    with pytest.raises(BadHeader, match="not an email address"):
        outbox.enqueue(
            session=session,
            message=make_message(to="officer.council.example"),
            notice_keys=[notice().key],
            sender=SENDER,
            now=NOW,
        )
    assert outbox.list_messages(session=session) == []
    assert notice_rows(session)[notice().key].outbox_id is None


def test_each_message_gets_its_own_message_id(
    session: Session, make_message: Callable[..., Message]
) -> None:
    first, second = put_in_message(session, make_message), put_in_message(session, make_message)
    assert message(session, first).message_id != message(session, second).message_id


# Cancelling what no longer holds


def queued_with(session: Session, make_message: Callable[..., Message], *notices: Notice) -> int:
    outbox.record_notices(session=session, notices=notices, now=NOW)
    outbox.claim_notices(session=session)
    return put_in_message(session, make_message, *(n.key for n in notices))


def test_a_queued_message_with_a_stale_notice_is_cancelled(
    session: Session, make_message: Callable[..., Message]
) -> None:
    kept, closed = notice("rec:1"), notice("rec:2")
    ident = queued_with(session, make_message, kept, closed)
    assert outbox.cancel_stale(session=session, valid_keys={kept.key}, now=NOW) == 1
    assert message(session, ident).status == "cancelled"
    rows = notice_rows(session)
    assert (rows[kept.key].status, rows[kept.key].outbox_id) == ("planned", None)
    assert rows[closed.key].status == "cancelled"


def test_the_still_valid_notices_of_a_cancelled_message_are_claimed_again(
    session: Session, make_message: Callable[..., Message]
) -> None:
    kept, closed = notice("rec:1"), notice("rec:2")
    queued_with(session, make_message, kept, closed)
    outbox.cancel_stale(session=session, valid_keys={kept.key}, now=NOW)
    assert [row.key for row in outbox.claim_notices(session=session)] == [kept.key]


def test_a_message_whose_notices_all_hold_is_left_alone(
    session: Session, make_message: Callable[..., Message]
) -> None:
    ident = queued_with(session, make_message, notice("rec:1"))
    assert outbox.cancel_stale(session=session, valid_keys={notice("rec:1").key}, now=NOW) == 0
    assert message(session, ident).status == "queued"


def test_a_message_already_being_sent_is_not_cancelled(
    session: Session, make_message: Callable[..., Message]
) -> None:
    ident = queued_with(session, make_message, notice("rec:1"))
    claim(session)
    assert outbox.cancel_stale(session=session, valid_keys=set(), now=NOW) == 0
    assert message(session, ident).status == "sending"
    assert notice_rows(session)[notice("rec:1").key].status == "queued"


def test_a_planned_notice_no_longer_valid_is_cancelled(session: Session) -> None:
    outbox.record_notices(session=session, notices=[notice("rec:1"), notice("rec:2")], now=NOW)
    outbox.cancel_stale(session=session, valid_keys={notice("rec:1").key}, now=NOW)
    statuses = {key: row.status for key, row in notice_rows(session).items()}
    assert statuses == {notice("rec:1").key: "planned", notice("rec:2").key: "cancelled"}


# Reviving a cancelled notice that holds again


def test_a_cancelled_notice_recorded_again_is_planned_again_without_its_message(
    session: Session, make_message: Callable[..., Message]
) -> None:
    queued_with(session, make_message, notice())
    outbox.cancel_stale(session=session, valid_keys=set(), now=NOW)
    assert outbox.record_notices(session=session, notices=[notice()], now=NOW) == 1
    row = notice_rows(session)[notice().key]
    assert (row.status, row.outbox_id) == ("planned", None)
    assert [row.key for row in outbox.claim_notices(session=session)] == [notice().key]


def queued(session: Session, make_message: Callable[..., Message]) -> None:
    queued_with(session, make_message, notice())


def sent(session: Session, make_message: Callable[..., Message]) -> None:
    queued_with(session, make_message, notice())
    outbox.mark_sent(session=session, row=claim(session)[0], now=NOW)


def missed(session: Session, make_message: Callable[..., Message]) -> None:
    outbox.record_notices(session=session, notices=[notice()], now=NOW, status=NoticeStatus.MISSED)


@pytest.mark.parametrize("settle", [queued, sent, missed])
def test_a_queued_sent_or_missed_notice_recorded_again_is_left_as_it_is(
    session: Session,
    make_message: Callable[..., Message],
    settle: Callable[[Session, Callable[..., Message]], None],
) -> None:
    settle(session, make_message)
    before = notice_rows(session)[notice().key]
    settled = (before.status, before.outbox_id)
    assert outbox.record_notices(session=session, notices=[notice()], now=NOW) == 0
    after = notice_rows(session)[notice().key]
    assert (after.status, after.outbox_id) == settled
    assert outbox.claim_notices(session=session) == []


def test_a_notice_given_twice_in_one_batch_is_recorded_once(session: Session) -> None:
    assert outbox.record_notices(session=session, notices=[notice(), notice()], now=NOW) == 1


def test_a_cancelled_notice_is_not_settled_as_it_may_be_revived(session: Session) -> None:
    outbox.record_notices(session=session, notices=[notice("rec:1"), notice("rec:2")], now=NOW)
    outbox.cancel_stale(session=session, valid_keys={notice("rec:2").key}, now=NOW)
    outbox.claim_notices(session=session)
    keys = {notice("rec:1").key, notice("rec:2").key}
    assert outbox.settled_keys(session=session, keys=keys) == {notice("rec:2").key}


def test_two_sweeps_reviving_at_once_never_put_a_notice_in_two_messages(
    engine: Engine, make_message: Callable[..., Message]
) -> None:
    start = threading.Barrier(2)
    notices = [notice(f"rec:{n}") for n in range(40)]

    def sweep(_: int) -> tuple[int, list[str]]:
        other = second_engine(engine)
        start.wait()
        with new_session(other) as session, transaction(session):
            revived = outbox.record_notices(session=session, notices=notices, now=NOW)
            keys = [row.key for row in outbox.claim_notices(session=session)]
            if keys:
                put_in_message(session, make_message, *keys)
        other.dispose()
        return revived, keys

    for _ in range(5):  # each round cancels every notice, then two sweeps want them back
        with new_session(engine) as session, transaction(session):
            outbox.record_notices(session=session, notices=notices, now=NOW)
            outbox.cancel_stale(session=session, valid_keys=set(), now=NOW)
        with ThreadPoolExecutor(2) as pool:
            (revived, first), (other_revived, second) = pool.map(sweep, range(2))
        assert not set(first) & set(second)
        assert len(first) + len(second) == revived + other_revived == 40


# Claiming due messages


def test_claiming_leases_what_is_due_and_counts_the_attempt(
    session: Session, make_message: Callable[..., Message]
) -> None:
    ident = put_in_message(session, make_message)
    [row] = claim(session)
    assert (row.id, row.status, row.attempts) == (ident, "sending", 1)
    assert row.lease_until == NOW + LEASE


def test_a_message_is_not_claimed_before_its_next_attempt(
    session: Session, make_message: Callable[..., Message]
) -> None:
    put_in_message(session, make_message)
    assert claim(session, now=NOW - timedelta(seconds=1)) == []


def test_a_leased_message_is_not_claimed_again_until_the_lease_runs_out(
    session: Session, make_message: Callable[..., Message]
) -> None:
    put_in_message(session, make_message)
    claim(session)
    assert claim(session, now=NOW + LEASE - timedelta(seconds=1)) == []
    [again] = claim(session, now=NOW + LEASE)
    assert again.attempts == 2


def test_a_claim_takes_at_most_the_limit_oldest_first(
    session: Session, make_message: Callable[..., Message]
) -> None:
    idents = [put_in_message(session, make_message) for _ in range(5)]
    assert [row.id for row in claim(session, limit=3)] == idents[:3]
    assert [row.id for row in claim(session, limit=3)] == idents[3:]


def test_listing_shows_messages_by_status(
    session: Session, make_message: Callable[..., Message]
) -> None:
    first, second = put_in_message(session, make_message), put_in_message(session, make_message)
    claim(session, limit=1)
    assert [row.id for row in outbox.list_messages(session=session)] == [first, second]
    assert [row.id for row in outbox.list_messages(session=session, status="queued")] == [second]


# Recording results


def claimed(session: Session, make_message: Callable[..., Message]) -> OutboxRow:
    put_in_message(session, make_message)
    [row] = claim(session)
    return row


def test_a_sent_message_keeps_its_time_and_drops_its_lease(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    assert outbox.mark_sent(session=session, row=row, now=NOW)
    stored = message(session, row.id or 0)
    assert (stored.status, stored.sent_at, stored.lease_until) == ("sent", NOW, None)


def test_a_retry_is_queued_with_backoff_and_the_error(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    when = outbox.schedule_retry(session=session, row=row, error="451 later", now=NOW)
    stored = message(session, row.id or 0)
    assert when == NOW + timedelta(minutes=5) == stored.next_attempt_at
    assert (stored.status, stored.last_error, stored.first_attempt_at) == (
        "queued",
        "451 later",
        NOW,
    )


def test_a_message_still_failing_after_a_day_fails(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    outbox.schedule_retry(session=session, row=row, error="451 later", now=NOW)
    day_later = NOW + timedelta(days=1)
    [again] = claim(session, now=day_later)
    assert outbox.schedule_retry(session=session, row=again, error="451", now=day_later) is None
    assert message(session, row.id or 0).status == "failed"


def test_a_released_message_is_queued_without_counting_the_attempt(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    assert outbox.release(session=session, rows=[row]) == 1
    stored = message(session, row.id or 0)
    assert (stored.status, stored.attempts, stored.lease_until) == ("queued", 0, None)


def test_a_late_result_does_not_overwrite_a_newer_claim(
    session: Session, make_message: Callable[..., Message]
) -> None:
    stale = claimed(session, make_message)
    claim(session, now=NOW + LEASE)  # the first dispatcher's lease ran out
    assert not outbox.mark_sent(session=session, row=stale, now=NOW)
    outbox.schedule_retry(session=session, row=stale, error="late", now=NOW)
    stored = message(session, stale.id or 0)
    assert (stored.status, stored.attempts) == ("sending", 2)


def test_retrying_failed_messages_queues_them_with_a_fresh_day(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    outbox.mark_failed(session=session, row=row, error="550 no such user", now=NOW)
    later = NOW + timedelta(days=3)
    assert outbox.retry(session=session, now=later) == 1
    stored = message(session, row.id or 0)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == ("queued", 0, later)
    assert stored.first_attempt_at is None


def test_retrying_by_id_leaves_sent_messages_alone(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    outbox.mark_sent(session=session, row=row, now=NOW)
    assert outbox.retry(session=session, now=NOW, ids=[row.id or 0]) == 0
