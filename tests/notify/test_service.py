"""The service's use cases as a front end calls them: refusals that name what to fix, commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from factories import CURRENT_TIME
from sqlalchemy import Engine
from sqlmodel import Session, select

from config import Settings
from notifications import emails, outbox, service
from notifications.models import SweepRow
from notifications.notices import Message
from notifications.service import (
    FarAhead,
    NotOneOf,
    ResultsNotRecorded,
    RetryNeedsOne,
    ServiceApp,
    SweepSkipped,
)
from notifications.transports import MemoryTransport
from workflow.db import new_session, transaction
from workflow.errors import InputError

Queue = Callable[..., list[int]]
MakeApp = Callable[..., ServiceApp]
LEASE = timedelta(minutes=5)
SENDER = "rectrack@council.example"


def failed_message(engine: Engine, queue: Queue) -> int:
    [ident] = queue()
    with new_session(engine) as session, transaction(session):
        [claim] = outbox.claim_due(session=session, now=CURRENT_TIME, lease=LEASE, limit=1)
        outbox.mark_failed(session=session, claim=claim, error="550 no", now=CURRENT_TIME)
    return ident


def test_an_unknown_status_is_refused_naming_the_field(session: Session) -> None:
    with pytest.raises(NotOneOf) as refused:
        service.list_outbox(session, "lost")
    assert isinstance(refused.value, InputError) and refused.value.field == "status"
    assert (
        str(refused.value)
        == "'lost' is not one of queued, sending, partly-sent, sent, failed, cancelled"
    )


def test_listing_by_status_shows_only_those(engine: Engine, queue: Queue) -> None:
    ident = failed_message(engine, queue)
    queue()
    with new_session(engine) as session:
        assert [row.id for row in service.list_outbox(session, "failed")] == [ident]


@pytest.mark.parametrize(("ids", "failed"), [((), False), ((1,), True)])
def test_a_retry_names_its_messages_or_asks_for_the_failed_ones(
    session: Session, ids: tuple[int, ...], failed: bool
) -> None:
    with pytest.raises(RetryNeedsOne, match="or ask for every failed one"):
        service.retry_outbox(session, CURRENT_TIME, ids, failed)


def test_a_retry_is_committed(engine: Engine, queue: Queue) -> None:
    ident = failed_message(engine, queue)
    with new_session(engine) as session:
        assert service.retry_outbox(session, CURRENT_TIME, failed=True) == 1
    with new_session(engine) as other:
        assert [row.id for row in service.list_outbox(other, "queued")] == [ident]


# tick


@pytest.fixture
def settings() -> Settings:
    return Settings.defaults()


def sweeps(engine: Engine) -> int:
    with new_session(engine) as session:
        return len(session.exec(select(SweepRow)).all())


def queued_now(engine: Engine, make_message: Callable[..., Message]) -> None:
    email = emails.compose(make_message(), sender=SENDER, now=CURRENT_TIME)
    with new_session(engine) as session, transaction(session):
        outbox.enqueue(session=session, email=email)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_tick_says_which_results_the_database_would_not_take(
    make_app: MakeApp,
    busy_db: Engine,
    locking_transport: MemoryTransport,
    make_message: Callable[..., Message],
) -> None:
    queued_now(busy_db, make_message)
    report = service.tick(make_app(engine=busy_db, transport=locking_transport), CURRENT_TIME)
    [problem] = report.problems()
    assert isinstance(problem, ResultsNotRecorded)
    assert str(problem).startswith("the result of message 1 could not be recorded (database is")


def test_a_tick_days_ahead_of_the_clock_on_a_swept_database_is_refused(
    make_app: MakeApp, engine: Engine
) -> None:
    app = make_app()
    service.tick(app, CURRENT_TIME)
    with pytest.raises(FarAhead) as refused:
        service.tick(app, CURRENT_TIME + timedelta(days=365))
    assert isinstance(refused.value, InputError) and refused.value.field == "now"
    assert sweeps(engine) == 1


def test_a_tick_days_ahead_is_refused_only_once_the_database_has_been_swept(
    make_app: MakeApp, engine: Engine
) -> None:
    service.tick(make_app(), CURRENT_TIME + timedelta(days=365))
    assert sweeps(engine) == 1


def test_a_tick_days_ahead_goes_when_forced(make_app: MakeApp, engine: Engine) -> None:
    app = make_app()
    service.tick(app, CURRENT_TIME)
    service.tick(app, CURRENT_TIME + timedelta(days=365), force=True)
    assert sweeps(engine) == 2


def test_a_tick_up_to_a_day_ahead_goes(make_app: MakeApp, engine: Engine) -> None:
    app = make_app()
    service.tick(app, CURRENT_TIME)
    service.tick(app, CURRENT_TIME + service.AHEAD_AT_MOST)
    assert sweeps(engine) == 2


def test_a_tick_after_a_later_one_says_its_sweep_was_skipped(make_app: MakeApp) -> None:
    app = make_app()
    later = CURRENT_TIME + timedelta(hours=2)
    service.tick(app, later)
    [problem] = service.tick(app).problems()
    assert isinstance(problem, SweepSkipped) and problem.since == later
    assert str(problem).startswith(f"the sweep was skipped: one ran already at {later.isoformat()}")
