"""Simulation: what the service would send, day by day, read-only and true to what ticks send."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Protocol
from zoneinfo import ZoneInfo

import pytest
from factories import (
    CLERK,
    OFFICER,
    OTHER_OFFICER,
    PANEL,
    World,
    make_recommendation,
    row_counts,
    rules,
)
from sqlalchemy import Engine
from sqlmodel import select

from config import Settings, StartTls
from notifications import service
from notifications.notices import Kind
from notifications.rendering import Renderer
from notifications.service import DaysOutOfOrder, ServiceApp
from notifications.sweep import SimulatedDay, simulate
from workflow.db import new_session
from workflow.models import Body, Meeting, Milestone, Recommendation

LONDON = ZoneInfo("Europe/London")
FIRST, LAST = date(2027, 5, 15), date(2027, 6, 20)
MILESTONE_DUE = date(2027, 6, 18)  # a Friday: the reminder a week before, on 11 June
Sent = dict[date, list[tuple[str, str]]]  # day: (recipients, subject), sorted


class SmtpServer(Protocol):
    port: int


@pytest.fixture
def settings(smtp_server: SmtpServer) -> Settings:
    return replace(
        Settings.defaults(),
        mail_transport="smtp",
        mail_smtp_host="127.0.0.1",
        mail_smtp_port=smtp_server.port,
        mail_smtp_starttls=StartTls.NEVER,
        mail_smtp_timeout=5.0,
        mail_clerk=CLERK,
    )


@pytest.fixture
def app(make_app: Callable[..., ServiceApp]) -> ServiceApp:
    return make_app()


@pytest.fixture
def busy(world: World) -> World:
    """Reminders, a digest, milestones and target-overdue notices for two officers in May and
    June."""
    make_recommendation(
        world,
        "a",
        "in_progress",
        target_date=date(2027, 5, 20),
        monitoring_date=date(2027, 6, 15),
    )
    make_recommendation(
        world, "b", "in_progress", owner=OTHER_OFFICER, monitoring_date=date(2027, 6, 10)
    )
    make_recommendation(world, "c", "endorsed", monitoring_date=date(2027, 6, 15))
    panel = world.session.exec(select(Body).where(Body.name == PANEL)).one()
    assert panel.id is not None
    meeting_at = datetime(2027, 6, 16, 18, tzinfo=LONDON)
    world.session.add(Meeting(body_id=panel.id, starts_at=meeting_at, title="Monitoring"))
    b = world.session.exec(select(Recommendation).where(Recommendation.code == "CCS/09/b")).one()
    assert b.id is not None
    world.session.add(Milestone(recommendation_id=b.id, title="Plan out", due_on=MILESTONE_DUE))
    done = Milestone(recommendation_id=b.id, title="Costed", due_on=MILESTONE_DUE, done_on=FIRST)
    world.session.add(done)
    world.session.commit()
    return world


def simulated(days: list[SimulatedDay]) -> Sent:
    return {
        day.day: sorted((", ".join((m.to, *m.cc)), m.subject) for m in day.messages) for day in days
    }


def recipients(email: EmailMessage) -> str:
    return ", ".join(a.addr_spec for h in ("To", "Cc") if email[h] for a in email[h].addresses)


def test_it_matches_what_ticks_on_those_days_send(
    app: ServiceApp, busy: World, received: list[EmailMessage]
) -> None:
    expected = simulated(service.simulate(app, FIRST, LAST))
    sent: Sent = defaultdict(list)
    day = FIRST
    while day <= LAST:
        for minutes in (0, 5):  # the send hour's sweep, and the one after it
            send_at = datetime.combine(day, time(8, minutes), tzinfo=LONDON)
            service.tick(app, send_at, force=True)  # a day at a time, ahead of the clock
        sent[day] += sorted((recipients(m), m["Subject"]) for m in received)
        received.clear()
        day += timedelta(days=1)
    assert {day: messages for day, messages in sent.items() if messages} == expected
    assert len(expected) >= 6  # reminders, digest and overdue notices all took part


def test_it_shows_the_milestone_due_and_not_the_one_done(app: ServiceApp, busy: World) -> None:
    [day] = service.simulate(app, date(2027, 6, 11), date(2027, 6, 11))
    [message] = [m for m in day.messages if m.kind is Kind.MILESTONE_DUE]
    assert (message.to, message.subject) == (
        OTHER_OFFICER,
        "Milestone due on Friday 18 June 2027: CCS/09/b, Plan out",
    )


def test_it_writes_nothing(app: ServiceApp, busy: World) -> None:
    with new_session(app.engine) as session:
        before = row_counts(session)
    assert service.simulate(app, FIRST, LAST)
    with new_session(app.engine) as session:
        assert row_counts(session) == before


def test_it_leaves_out_what_the_outbox_holds_already(
    app: ServiceApp, busy: World, received: list[EmailMessage]
) -> None:
    service.tick(app, datetime(2027, 6, 1, 8, tzinfo=LONDON), force=True)
    days = service.simulate(app, date(2027, 6, 1), date(2027, 6, 1))
    assert days == []
    assert received  # the tick sent what the simulation leaves out


def test_an_officers_notices_of_one_day_are_one_message(app: ServiceApp, busy: World) -> None:
    [day] = service.simulate(app, date(2027, 6, 1), date(2027, 6, 1))
    reminders = [m for m in day.messages if m.kind is Kind.MONITORING_REMINDER]
    [message] = [m for m in reminders if m.to == OFFICER]
    assert "2 recommendations" in message.subject


def test_each_day_goes_out_at_the_local_send_hour_across_the_clock_change(
    app: ServiceApp, world: World
) -> None:
    make_recommendation(world, "a", "in_progress", target_date=date(2027, 3, 20))
    days = service.simulate(app, date(2027, 3, 21), date(2027, 3, 28))
    assert [day.send_at for day in days] == [
        datetime(2027, 3, 21, 8, tzinfo=UTC),  # GMT
        datetime(2027, 3, 28, 7, tzinfo=UTC),  # BST, from 28 March
    ]


def test_an_empty_range_is_nothing(engine: Engine, busy: World) -> None:
    assert simulate(engine, LAST, FIRST, rules=rules(), renderer=Renderer()) == []


def test_the_service_refuses_a_range_that_ends_before_it_starts(
    app: ServiceApp, busy: World
) -> None:
    with pytest.raises(DaysOutOfOrder, match="before the first"):
        service.simulate(app, LAST, FIRST)
