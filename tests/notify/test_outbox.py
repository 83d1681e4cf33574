"""The outbox on SQLite and PostgreSQL: stored once, leased claims, results that keep to them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from factories import CHAIR, CLERK, CURRENT_TIME, OFFICER
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from notifications import emails, outbox
from notifications.models import OutboxRow
from notifications.notices import Message
from notifications.outbox import Claim, Refused, next_attempt
from rectrack.schema import HEAD, schema_revision, upgrade
from workflow.db import make_engine

NOW = CURRENT_TIME
LEASE = timedelta(minutes=5)
SENDER = "rectrack@council.example"


def put_in_message(session: Session, make_message: Callable[..., Message]) -> int:
    email = emails.compose(make_message(), sender=SENDER, now=NOW)
    return outbox.enqueue(session=session, email=email)


def message(session: Session, ident: int) -> OutboxRow:
    session.expire_all()
    row = session.get(OutboxRow, ident)
    assert row is not None
    return row


def claim(session: Session, now: datetime = NOW, limit: int = 50) -> list[Claim]:
    return outbox.claim_due(session=session, now=now, lease=LEASE, limit=limit)


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


SENT_BEFORE_0006 = """
    INSERT INTO outbox (kind, recipient, recipient_name, cc, subject, text_body, html_body,
                        message_id, content, status, attempts, next_attempt_at, created_at,
                        sent_at)
    VALUES ('target-overdue', 'officer@council.example', 'Olive Officer',
            '["clerk@council.example"]', 'Overdue', 'Due.', '<p>Due.</p>',
            '<old@council.example>', :content, :status, 1, '2027-02-01 09:30:00',
            '2027-02-01 09:30:00', '2027-02-01 09:31:00')
"""


@pytest.mark.parametrize(("status", "each"), [("sent", "sent"), ("failed", "failed")])
def test_a_message_stored_before_0006_stands_the_same_for_each_recipient(
    engine: Engine, session: Session, status: str, each: str
) -> None:
    migrate(engine, "0005", downgrade=True)
    with engine.begin() as connection:
        connection.execute(text(SENT_BEFORE_0006), {"content": b"x", "status": status})
    upgrade(engine)
    [row] = outbox.list_messages(session=session)
    assert [(d.to, d.status) for d in outbox.deliveries_of(row)] == [(OFFICER, each), (CLERK, each)]


def test_a_message_without_its_bytes_is_refused(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql(WITHOUT_BYTES)


# Storing a composed email


def test_enqueueing_stores_the_email_as_composed(
    session: Session, make_message: Callable[..., Message]
) -> None:
    email = emails.compose(make_message(cc=(CLERK,)), sender=SENDER, now=NOW)
    row = message(session, outbox.enqueue(session=session, email=email))
    assert (row.message_id, row.content) == (email.message_id, email.content)
    assert (row.recipient, row.cc, row.subject) == (OFFICER, [CLERK], email.message.subject)


def test_an_email_is_queued_due_when_it_was_composed(
    session: Session, make_message: Callable[..., Message]
) -> None:
    later = NOW + timedelta(hours=3)
    email = emails.compose(make_message(), sender=SENDER, now=later)
    row = message(session, outbox.enqueue(session=session, email=email))
    assert (row.status, row.attempts, row.next_attempt_at, row.created_at) == (
        "queued",
        0,
        later,
        later,
    )


# Claiming due messages


def test_claiming_leases_what_is_due_and_counts_the_attempt(
    session: Session, make_message: Callable[..., Message]
) -> None:
    ident = put_in_message(session, make_message)
    [claimed] = claim(session)
    assert (claimed.id, claimed.attempts) == (ident, 1)
    row = message(session, ident)
    assert (row.status, row.attempts, row.lease_until) == ("sending", 1, NOW + LEASE)


def test_a_claim_holds_what_to_send(session: Session, make_message: Callable[..., Message]) -> None:
    email = emails.compose(make_message(cc=(CLERK, CHAIR)), sender=SENDER, now=NOW)
    outbox.enqueue(session=session, email=email)
    [claimed] = claim(session)
    assert claimed.recipients == (OFFICER, CLERK, CHAIR)
    assert (claimed.message_id, claimed.content) == (email.message_id, email.content)


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


def claimed(session: Session, make_message: Callable[..., Message]) -> Claim:
    put_in_message(session, make_message)
    [row] = claim(session)
    return row


def test_a_sent_message_keeps_its_time_and_drops_its_lease(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    assert outbox.mark_sent(session=session, claim=row, now=NOW)
    stored = message(session, row.id)
    assert (stored.status, stored.sent_at, stored.lease_until) == ("sent", NOW, None)


def test_a_retry_is_queued_with_backoff_and_the_error(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    when = outbox.schedule_retry(session=session, claim=row, error="451 later", now=NOW)
    stored = message(session, row.id)
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
    outbox.schedule_retry(session=session, claim=row, error="451 later", now=NOW)
    day_later = NOW + timedelta(days=1)
    [again] = claim(session, now=day_later)
    assert outbox.schedule_retry(session=session, claim=again, error="451", now=day_later) is None
    assert message(session, row.id).status == "failed"


def test_a_released_message_is_queued_without_counting_the_attempt(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    assert outbox.release(session=session, claims=[row]) == 1
    stored = message(session, row.id)
    assert (stored.status, stored.attempts, stored.lease_until) == ("queued", 0, None)


def test_a_late_result_does_not_overwrite_a_newer_claim(
    session: Session, make_message: Callable[..., Message]
) -> None:
    stale = claimed(session, make_message)
    claim(session, now=NOW + LEASE)  # the first dispatcher's lease ran out
    assert not outbox.mark_sent(session=session, claim=stale, now=NOW)
    outbox.schedule_retry(session=session, claim=stale, error="late", now=NOW)
    stored = message(session, stale.id)
    assert (stored.status, stored.attempts) == ("sending", 2)


def test_a_late_result_is_recorded_if_no_one_took_the_message_over(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    assert outbox.mark_sent(session=session, claim=row, now=NOW + 2 * LEASE)
    assert message(session, row.id).status == "sent"


def test_an_old_claim_is_not_taken_for_a_claim_made_after_a_retry(
    session: Session, make_message: Callable[..., Message]
) -> None:
    stale = claimed(session, make_message)
    later = NOW + LEASE
    [newer] = claim(session, now=later)
    outbox.mark_failed(session=session, claim=newer, error="550 no such user", now=later)
    outbox.retry(session=session, now=later)
    [again] = claim(session, now=later)
    assert again.attempts == stale.attempts  # the attempts alone cannot tell them apart
    assert not outbox.mark_sent(session=session, claim=stale, now=later)


def claimed_with_a_copy(session: Session, make_message: Callable[..., Message]) -> Claim:
    email = emails.compose(make_message(cc=(CLERK,)), sender=SENDER, now=NOW)
    outbox.enqueue(session=session, email=email)
    [row] = claim(session)
    return row


def test_a_copy_refused_for_now_is_all_the_next_claim_goes_to(
    session: Session, make_message: Callable[..., Message]
) -> None:
    first = claimed_with_a_copy(session, make_message)
    refused = {CLERK: Refused("451 busy")}
    assert outbox.record(session=session, claim=first, now=NOW, refused=refused) == "partly-sent"
    [again] = claim(session, now=NOW + timedelta(minutes=5))
    assert (again.recipients, again.pending) == ((OFFICER, CLERK), (CLERK,))


def test_a_partly_sent_message_released_is_still_partly_sent(
    session: Session, make_message: Callable[..., Message]
) -> None:
    first = claimed_with_a_copy(session, make_message)
    outbox.record(session=session, claim=first, now=NOW, refused={CLERK: Refused("451 busy")})
    [again] = claim(session, now=NOW + timedelta(minutes=5))
    outbox.release(session=session, claims=[again])
    assert message(session, again.id).status == "partly-sent"


def test_a_message_some_recipient_has_is_never_cancelled_as_queued(
    session: Session, make_message: Callable[..., Message]
) -> None:
    first = claimed_with_a_copy(session, make_message)
    outbox.record(session=session, claim=first, now=NOW, refused={CLERK: Refused("451 busy")})
    assert outbox.list_messages(session=session, status="queued") == []


def test_retrying_failed_messages_queues_them_with_a_fresh_day(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    outbox.mark_failed(session=session, claim=row, error="550 no such user", now=NOW)
    later = NOW + timedelta(days=3)
    assert outbox.retry(session=session, now=later) == 1
    stored = message(session, row.id)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == ("queued", 0, later)
    assert stored.first_attempt_at is None


def test_retrying_by_id_leaves_sent_messages_alone(
    session: Session, make_message: Callable[..., Message]
) -> None:
    row = claimed(session, make_message)
    outbox.mark_sent(session=session, claim=row, now=NOW)
    assert outbox.retry(session=session, now=NOW, ids=[row.id]) == 0
