"""Sweep and tick on SQLite and PostgreSQL, delivered to a real SMTP server at fixed times."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Protocol
from zoneinfo import ZoneInfo

import pytest
from factories import CHAIR, CLERK, EXECUTIVE, OFFICER, OTHER_OFFICER, PANEL, World
from factories import make_recommendation as add_rec
from sqlalchemy import Engine
from sqlmodel import col, select

from config import Settings, StartTls
from notifications import service
from notifications.models import NoticeRow, OutboxRow
from notifications.planning import Rules
from notifications.service import ServiceApp, TickReport
from notifications.sweep import SweepReport, sweep
from notifications.transports import SmtpTransport
from workflow import services
from workflow.db import make_engine, new_session
from workflow.lifecycle import Lifecycle
from workflow.models import Body, Meeting, Person, Recommendation
from workflow.records import Change
from workflow.services import monitoring

LONDON = ZoneInfo("Europe/London")
ONE_DAY = timedelta(days=1)
MONITORING = date(2027, 6, 15)  # a Tuesday: reminders on 1 and 12 June
Run = Callable[[datetime], TickReport]


class SmtpServer(Protocol):
    port: int


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def mail_settings(smtp_server: SmtpServer) -> Settings:
    return replace(
        Settings.defaults(),
        mail_transport="smtp",
        mail_smtp_host="127.0.0.1",
        mail_smtp_port=smtp_server.port,
        mail_smtp_starttls=StartTls.NEVER,
        mail_smtp_timeout=5.0,
        mail_sender="rectrack@council.example",
        mail_clerk=CLERK,
    )


@pytest.fixture
def settings(smtp_server: SmtpServer) -> Settings:
    return mail_settings(smtp_server)


@pytest.fixture
def app(make_app: Callable[..., ServiceApp]) -> ServiceApp:
    return make_app()


@pytest.fixture
def run(app: ServiceApp, received: list[EmailMessage]) -> Run:
    """Return a function that ticks at `now` against the SMTP server.

    The tests live through 2027 at the times they tick at, ahead of the app's clock.
    """
    return lambda now: service.tick(app, now, force=True)


def sweep_at(app: ServiceApp, now: datetime) -> SweepReport:
    """Sweep at `now` and send nothing: the messages wait in the outbox."""
    rules = Rules.from_settings(app.settings, app.table)
    return sweep(
        app.engine, now, rules=rules, renderer=app.renderer, sender=app.settings.mail_sender
    )


def watch(world: World, reference: str = "a", owner: str = OFFICER, **dates: date) -> str:
    dates = {"monitoring_date": MONITORING, **dates}
    return add_rec(world, reference, state="in_progress", owner=owner, **dates)


def add_meeting(world: World, starts_at: datetime) -> None:
    panel = world.session.exec(select(Body).where(Body.name == PANEL)).one()
    assert panel.id is not None
    world.session.add(Meeting(body_id=panel.id, starts_at=starts_at, title="Monitoring"))
    world.session.commit()


def first_sent_on(run: Run, received: list[EmailMessage], day: date) -> EmailMessage:
    """Tick the day before, then at 07:59 (nothing) and 08:00 (one email) of `day`."""
    run(at(day - ONE_DAY))
    received.clear()
    run(at(day, 7, 59))
    assert received == []
    run(at(day))
    [email] = received
    return email


# Each kind at its lead time, not a minute before the send hour


@pytest.mark.parametrize("lead", [14, 3])
def test_the_owner_is_reminded_at_each_lead_time_before_monitoring(
    world: World, run: Run, received: list[EmailMessage], lead: int
) -> None:
    code = watch(world)
    email = first_sent_on(run, received, MONITORING - timedelta(days=lead))
    assert email["To"].addresses[0].addr_spec == OFFICER
    assert code in email["Subject"]


def test_the_chair_gets_the_digest_a_week_before_the_meeting(
    world: World, run: Run, received: list[EmailMessage]
) -> None:
    code = watch(world, monitoring_date=date(2027, 6, 1))
    add_meeting(world, at(date(2027, 6, 15), 18))
    email = first_sent_on(run, received, date(2027, 6, 8))
    assert email["To"].addresses[0].addr_spec == CHAIR
    assert code in email.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_the_boards_chair_is_told_a_response_is_due_14_days_before(
    world: World, run: Run, received: list[EmailMessage]
) -> None:
    add_rec(world, "a")  # proposed: the report is due on 4 March
    email = first_sent_on(run, received, date(2027, 2, 18))
    assert email["To"].addresses[0].addr_spec == EXECUTIVE
    assert "Response due" in email["Subject"]


def test_the_boards_chair_is_told_the_day_after_the_response_was_due(
    world: World, run: Run, received: list[EmailMessage]
) -> None:
    add_rec(world, "a")
    email = first_sent_on(run, received, date(2027, 3, 5))
    assert email["To"].addresses[0].addr_spec == EXECUTIVE
    assert "overdue" in email["Subject"]


def note(world: World, lifecycle: Lifecycle, code: str, now: datetime) -> None:
    change = Change("note", world.actor(EXECUTIVE), note="The board notes it.")
    services.fire(world.session, lifecycle, code, change, now)


def plain_body(email: EmailMessage) -> str:
    body: str = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return body


@pytest.mark.parametrize("day", [date(2027, 2, 18), date(2027, 3, 5)])  # due, then overdue
def test_a_noted_recommendation_is_not_chased_for_a_response_while_a_sibling_is(
    world: World, lifecycle: Lifecycle, run: Run, received: list[EmailMessage], day: date
) -> None:
    awaiting, noted = add_rec(world, "a"), add_rec(world, "b")
    note(world, lifecycle, noted, at(date(2027, 2, 10)))
    body = plain_body(first_sent_on(run, received, day))
    assert awaiting in body and noted not in body
    assert "1 recommendation still awaits" in " ".join(body.split())


def test_a_report_whose_every_proposed_one_is_noted_gets_no_response_notice(
    world: World, lifecycle: Lifecycle, run: Run, received: list[EmailMessage]
) -> None:
    for code in (add_rec(world, "a"), add_rec(world, "b")):
        note(world, lifecycle, code, at(date(2027, 2, 10)))
    for day in (date(2027, 2, 18), date(2027, 3, 5)):
        assert run(at(day)).sweep.planned == 0
    assert received == []


def test_noting_what_awaited_cancels_the_response_notice_queued_for_it(
    engine: Engine,
    app: ServiceApp,
    world: World,
    lifecycle: Lifecycle,
    run: Run,
    received: list[EmailMessage],
) -> None:
    code = add_rec(world, "a")
    sweep_at(app, at(date(2027, 2, 18)))  # queued, not sent yet
    note(world, lifecycle, code, at(date(2027, 2, 18), 9))
    assert run(at(date(2027, 2, 18), 9)).sweep.cancelled == 1
    assert received == [] and outbox_statuses(engine) == ["cancelled"]


def test_the_owner_and_the_clerk_hear_the_day_after_the_target_passes(
    world: World, run: Run, received: list[EmailMessage]
) -> None:
    watch(world, monitoring_date=date(2027, 9, 1), target_date=date(2027, 5, 1))
    email = first_sent_on(run, received, date(2027, 5, 2))
    assert email["To"].addresses[0].addr_spec == OFFICER
    assert email["Cc"].addresses[0].addr_spec == CLERK


def test_reporting_it_implemented_stops_the_overdue_notices(
    world: World, lifecycle: Lifecycle, run: Run, received: list[EmailMessage]
) -> None:
    code = watch(world, monitoring_date=date(2027, 9, 1), target_date=date(2027, 5, 1))
    first_sent_on(run, received, date(2027, 5, 2))
    change = Change("report_implemented", world.actor(OFFICER), note="Done, late.")
    services.fire(world.session, lifecycle, code, change, at(date(2027, 5, 3), 10))
    received.clear()
    assert run(at(date(2027, 5, 9))).sweep.planned == 0  # the next of the cadence
    assert received == []


def test_a_clerk_with_a_display_name_is_copied_by_address(
    make_app: Callable[..., ServiceApp],
    settings: Settings,
    world: World,
    received: list[EmailMessage],
) -> None:
    named = make_app(settings=replace(settings, mail_clerk=f"Clara Clerk <{CLERK}>"))
    watch(world, monitoring_date=date(2027, 9, 1), target_date=date(2027, 5, 1))
    email = first_sent_on(
        lambda now: service.tick(named, now, force=True), received, date(2027, 5, 2)
    )
    assert [a.addr_spec for a in email["Cc"].addresses] == [CLERK]


# Milestones due


MILESTONE_DUE = date(2027, 6, 22)  # a Tuesday: the reminder a week before, on 15 June


def add_milestone(world: World, lifecycle: Lifecycle, code: str, title: str) -> None:
    monitoring.add_milestone(
        world.session, lifecycle, code, world.actor(CLERK), at(date(2027, 5, 1)),
        title=title, due_on=MILESTONE_DUE,
    )  # fmt: skip


def milestone_done(world: World, lifecycle: Lifecycle, code: str, now: datetime) -> None:
    actor = world.actor(OFFICER)
    monitoring.milestone_done(world.session, lifecycle, code, actor, now, number=1)


def test_the_owner_is_told_a_week_before_a_milestone_is_due(
    world: World, lifecycle: Lifecycle, run: Run, received: list[EmailMessage]
) -> None:
    code = watch(world, monitoring_date=date(2027, 9, 1))
    add_milestone(world, lifecycle, code, "Action plan published")
    email = first_sent_on(run, received, MILESTONE_DUE - timedelta(days=7))
    assert email["To"].addresses[0].addr_spec == OFFICER
    assert str(email["Subject"]) == (
        f"Milestone due on Tuesday 22 June 2027: {code}, Action plan published"
    )


def test_a_milestone_done_before_its_reminder_is_not_reminded_of(
    world: World, lifecycle: Lifecycle, run: Run, received: list[EmailMessage]
) -> None:
    code = watch(world, monitoring_date=date(2027, 9, 1))
    add_milestone(world, lifecycle, code, "Action plan published")
    milestone_done(world, lifecycle, code, at(date(2027, 6, 10)))
    assert run(at(MILESTONE_DUE - timedelta(days=7))).sweep.planned == 0
    assert received == []


def test_marking_a_milestone_done_cancels_the_reminder_queued_for_it(
    engine: Engine,
    app: ServiceApp,
    world: World,
    lifecycle: Lifecycle,
    run: Run,
    received: list[EmailMessage],
) -> None:
    code = watch(world, monitoring_date=date(2027, 9, 1))
    add_milestone(world, lifecycle, code, "Action plan published")
    reminded = at(MILESTONE_DUE - timedelta(days=7))
    sweep_at(app, reminded)  # queued, not sent yet
    milestone_done(world, lifecycle, code, reminded + timedelta(hours=1))
    assert run(reminded + timedelta(hours=1)).sweep.cancelled == 1
    assert received == [] and outbox_statuses(engine) == ["cancelled"]


def test_after_downtime_a_milestone_still_ahead_is_reminded_of_late(
    world: World, lifecycle: Lifecycle, run: Run, received: list[EmailMessage]
) -> None:
    code = watch(world, monitoring_date=date(2027, 9, 1))
    add_milestone(world, lifecycle, code, "Action plan published")
    run(at(date(2027, 6, 10)))
    report = run(at(date(2027, 6, 21), 10))  # down since 10 June, the day before it is due
    assert (report.summary()["sent"], report.sweep.missed) == (1, 0)
    assert "Milestone due on Tuesday 22 June 2027" in received[0]["Subject"]


def test_after_downtime_a_milestone_passed_is_recorded_missed(
    world: World, lifecycle: Lifecycle, run: Run, received: list[EmailMessage]
) -> None:
    code = watch(world, monitoring_date=date(2027, 9, 1))
    add_milestone(world, lifecycle, code, "Action plan published")
    run(at(date(2027, 6, 10)))
    assert run(at(MILESTONE_DUE + ONE_DAY, 10)).sweep.missed == 1
    assert received == []


def test_the_milestones_due_for_one_owner_come_in_one_email_read_as_they_would_be(
    world: World, lifecycle: Lifecycle, run: Run, wire: list[bytes]
) -> None:
    first, second = (watch(world, ref, monitoring_date=date(2027, 9, 1)) for ref in "ab")
    add_milestone(world, lifecycle, first, "Business case agreed")
    add_milestone(world, lifecycle, second, "Action plan <published> & shared")
    run(at(MILESTONE_DUE - timedelta(days=7)))
    [sent] = wire
    email = message_from_bytes(sent, policy=policy.default)
    assert isinstance(email, EmailMessage)
    text, html = (email.get_body((part,)).get_content() for part in ("plain", "html"))  # type: ignore[union-attr]
    assert str(email["Subject"]) == "Milestones due: 2, the first on Tuesday 22 June 2027"
    read = " ".join(text.split())  # as wrapped for a mail client, read as a whole
    assert f"* Tuesday 22 June 2027: {first}, milestone 1: Business case agreed" in read
    assert (
        f"* Tuesday 22 June 2027: {second}, milestone 1: Action plan <published> & shared" in read
    )
    assert "Action plan &lt;published&gt; &amp; shared" in html


# Once, and only while it holds


def test_two_ticks_at_the_same_time_send_one_email(
    world: World, run: Run, received: list[EmailMessage]
) -> None:
    watch(world)
    run(at(date(2027, 6, 1)))
    assert run(at(date(2027, 6, 1))).summary()["sent"] == 0
    assert len(received) == 1


def test_closing_a_recommendation_cancels_what_is_queued_for_it(
    engine: Engine,
    app: ServiceApp,
    world: World,
    lifecycle: Lifecycle,
    run: Run,
    received: list[EmailMessage],
) -> None:
    code = add_rec(world, "a", state="monitored", monitoring_date=MONITORING)
    sweep_at(app, at(date(2027, 6, 1)))  # queued, not sent yet
    services.fire(
        world.session,
        lifecycle,
        code,
        Change("sign_off", world.actor(CHAIR)),
        at(date(2027, 6, 1), 9),
    )
    assert run(at(date(2027, 6, 1), 9)).sweep.cancelled == 1
    assert received == [] and outbox_statuses(engine) == ["cancelled"]


def test_moving_the_monitoring_date_replans_the_reminder(
    app: ServiceApp,
    world: World,
    lifecycle: Lifecycle,
    run: Run,
    received: list[EmailMessage],
) -> None:
    code = watch(world)
    sweep_at(app, at(date(2027, 6, 1)))
    later = MONITORING + timedelta(days=14)
    amend(world, lifecycle, code, later, at(date(2027, 6, 1), 9))
    assert run(at(date(2027, 6, 1), 9)).sweep.cancelled == 1
    assert received == []
    run(at(MONITORING))
    [email] = received
    assert "29 June 2027" in email["Subject"]


def move_and_move_back(app: ServiceApp, world: World, lifecycle: Lifecycle) -> None:
    """Queue the 1 June reminder, cancel it by moving the date on, and move the date back."""
    code = watch(world)
    sweep_at(app, at(date(2027, 6, 1)))
    amend(world, lifecycle, code, MONITORING + timedelta(days=14), at(date(2027, 6, 1), 9))
    sweep_at(app, at(date(2027, 6, 1), 9))
    amend(world, lifecycle, code, MONITORING, at(date(2027, 6, 1), 10))


def test_moving_the_date_and_back_sends_the_reminder_once_on_its_day(
    app: ServiceApp, world: World, lifecycle: Lifecycle, run: Run, received: list[EmailMessage]
) -> None:
    move_and_move_back(app, world, lifecycle)
    for now in (at(date(2027, 6, 1), 10), at(date(2027, 6, 1), 11), at(date(2027, 6, 2))):
        run(now)
    [email] = received
    assert email["Date"].datetime == at(date(2027, 6, 1), 10)
    assert "15 June 2027" in email["Subject"]


def test_after_moving_the_date_and_back_the_simulation_shows_the_reminder(
    app: ServiceApp, world: World, lifecycle: Lifecycle
) -> None:
    move_and_move_back(app, world, lifecycle)
    [day] = service.simulate(app, date(2027, 6, 1), date(2027, 6, 1))
    [message] = day.messages
    assert "15 June 2027" in message.subject


def amend(world: World, lifecycle: Lifecycle, code: str, monitoring: date, now: datetime) -> None:
    change = Change(
        "amend",
        world.actor(CHAIR),
        note="The review moved",
        endorsed_by=PANEL,
        endorsed_on=now.date(),
        changes={"monitoring_date": monitoring},
    )
    services.fire(world.session, lifecycle, code, change, now)


def outbox_statuses(engine: Engine) -> list[str]:
    with new_session(engine) as session:
        return list(session.exec(select(OutboxRow.status).order_by(col(OutboxRow.id))))


# Catch-up after downtime


def test_after_downtime_the_latest_reminder_goes_late_while_the_date_is_ahead(
    world: World, run: Run, received: list[EmailMessage]
) -> None:
    watch(world)
    run(at(date(2027, 5, 31)))
    report = run(at(date(2027, 6, 13), 10))  # down since 31 May: both reminders fell due
    assert (report.summary()["sent"], report.sweep.missed) == (1, 0)
    assert "15 June 2027" in received[0]["Subject"]


def test_after_downtime_a_reminder_whose_date_has_passed_is_recorded_missed(
    engine: Engine, world: World, run: Run, received: list[EmailMessage]
) -> None:
    watch(world)
    run(at(date(2027, 5, 31)))
    assert run(at(date(2027, 6, 16), 10)).sweep.missed == 1
    assert received == []
    with new_session(engine) as session:
        assert list(session.exec(select(NoticeRow.status))) == ["missed"]


def test_a_sweep_older_than_the_latest_does_nothing(app: ServiceApp, world: World) -> None:
    watch(world)
    sweep_at(app, at(date(2027, 5, 31)))
    assert sweep_at(app, at(date(2027, 5, 30))).skipped
    assert sweep_at(app, at(date(2027, 6, 1))).queued == 1


# Grouping, outages and poison


def test_an_officer_with_three_recommendations_due_gets_one_email(
    world: World, run: Run, received: list[EmailMessage]
) -> None:
    codes = [watch(world, reference) for reference in "abc"]
    run(at(date(2027, 6, 1)))
    [email] = received
    body = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert all(code in body for code in codes)


def test_with_the_server_down_the_message_waits_and_is_delivered_once_it_is_back(
    make_app: Callable[..., ServiceApp],
    world: World,
    smtp_later: tuple[Callable[..., SmtpTransport], Callable[[], list[EmailMessage]]],
) -> None:
    transport, start_server = smtp_later
    app = make_app(transport=transport())
    watch(world)
    down = service.tick(app, at(date(2027, 6, 1)), force=True)
    assert (down.dispatch.sent, down.dispatch.retried) == (0, 1)
    received = start_server()
    for later in (5, 6, 60):  # minutes: the first retry, then two more passes
        service.tick(app, at(date(2027, 6, 1)) + timedelta(minutes=later), force=True)
    assert len(received) == 1


def test_a_message_that_cannot_be_made_waits_and_the_others_go(
    engine: Engine, world: World, run: Run, received: list[EmailMessage]
) -> None:
    watch(world, "a")
    watch(world, "b", owner=OTHER_OFFICER)
    otto = world.session.exec(select(Person).where(Person.email == OTHER_OFFICER)).one()
    otto.name = "Otto\nBcc: everyone@example.org"
    world.session.commit()
    report = run(at(date(2027, 6, 1)))
    assert (report.summary()["sent"], len(report.sweep.errors)) == (1, 1)
    otto.name = "Otto Officer"
    world.session.commit()
    assert run(at(date(2027, 6, 1), 8, 5)).summary()["sent"] == 1


def test_a_message_to_an_address_no_email_can_have_waits_and_the_others_go(
    engine: Engine, world: World, run: Run, received: list[EmailMessage]
) -> None:
    watch(world, "a")
    watch(world, "b", owner=OTHER_OFFICER)
    otto = world.session.exec(select(Person).where(Person.email == OTHER_OFFICER)).one()
    otto.email = "otto.council.example"
    world.session.commit()
    report = run(at(date(2027, 6, 1)))
    assert (report.summary()["sent"], len(report.sweep.errors)) == (1, 1)
    assert "not an email address" in report.sweep.errors[0]
    otto.email = OTHER_OFFICER
    world.session.commit()
    assert run(at(date(2027, 6, 1), 8, 5)).summary()["sent"] == 1


# Two services at once


def test_two_services_sweeping_and_sending_at_once_send_each_message_once(
    engine: Engine,
    make_app: Callable[..., ServiceApp],
    world: World,
    received: list[EmailMessage],
) -> None:
    owners = [f"officer{n}@council.example" for n in range(12)]
    for n, email in enumerate(owners):
        world.session.add(Person(name=f"Officer {n}", email=email, roles=["officer"]))
    world.session.commit()
    for n, email in enumerate(owners):
        watch(world, f"r{n}", owner=email)
    url = engine.url.render_as_string(hide_password=False)

    def run_service(_: int) -> None:
        own = make_engine(url)
        for minute in (0, 0, 1, 2):  # within a lease, as on one wall clock
            service.tick(make_app(engine=own), at(date(2027, 6, 1), 8, minute), force=True)
        own.dispose()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run_service, range(2)))
    sent_to = Counter(email["To"].addresses[0].addr_spec for email in received)
    assert sent_to == Counter(owners)


def test_only_open_recommendations_are_swept(engine: Engine, run: Run, world: World) -> None:
    code = watch(world)
    rec = world.session.exec(select(Recommendation).where(Recommendation.code == code)).one()
    rec.state = "closed"
    world.session.commit()
    assert run(at(date(2027, 6, 1))).sweep.planned == 0
