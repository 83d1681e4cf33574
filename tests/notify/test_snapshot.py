"""Loading the snapshot: only what can be due, yet planning sees no difference."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from factories import (
    CLERK,
    CURRENT_TIME,
    EXECUTIVE,
    OTHER_OFFICER,
    PANEL,
    World,
    make_recommendation,
    rules,
)
from sqlmodel import Session, select

from notifications.items import DayRange, Snapshot, Window
from notifications.notices import Kind
from notifications.planning import plan, window
from notifications.snapshot import load_snapshot
from workflow import services
from workflow.lifecycle import Lifecycle
from workflow.models import Body, Meeting, Milestone, ProgressUpdate, Recommendation
from workflow.records import Change

LONDON = ZoneInfo("Europe/London")
RULES = rules(tz=LONDON)
ALL_DAYS = DayRange(date(2000, 1, 1), date(2100, 1, 1))
EVERYTHING = Window(ALL_DAYS, ALL_DAYS, ALL_DAYS, ALL_DAYS.last, ALL_DAYS)


FEBRUARY = date(2027, 2, 20)


def at(day: date, hour: int = 8) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


@pytest.fixture
def mixed(world: World) -> World:
    """Recommendations of every kind of due date and state, milestones, two panel meetings."""
    make_recommendation(world, "a")  # proposed: the report's response is due on 4 March
    make_recommendation(world, "b", "in_progress", target_date=date(2027, 3, 20))
    make_recommendation(world, "c", "endorsed", monitoring_date=date(2027, 4, 10))
    make_recommendation(world, "d", "monitored", monitoring_date=date(2027, 5, 2))
    make_recommendation(world, "e", "closed", monitoring_date=date(2027, 4, 10))
    make_recommendation(
        world, "f", "amended", owner=OTHER_OFFICER, monitoring_date=date(2027, 2, 20)
    )
    panel = world.session.exec(select(Body).where(Body.name == PANEL)).one()
    for day in (date(2027, 4, 15), date(2027, 5, 20)):
        world.session.add(Meeting(body_id=panel.id or 0, starts_at=at(day, 18), title="Panel"))
    world.session.commit()
    add_milestones(world, "CCS/09/c", (date(2027, 4, 1), None))
    add_milestones(world, "CCS/09/e", (date(2027, 4, 1), None))
    add_milestones(world, "CCS/09/f", (date(2027, 3, 1), None), (date(2027, 3, 8), FEBRUARY))
    return world


def snapshot_of(session: Session, rows: Window) -> Snapshot:
    snapshot = load_snapshot(session, rows, RULES)
    session.rollback()
    return snapshot


def test_planning_on_the_window_equals_planning_on_everything(mixed: World) -> None:
    session = mixed.session
    everything = snapshot_of(session, EVERYTHING)
    day, since = date(2027, 2, 1), None
    while day <= date(2027, 6, 1):
        now = at(day, 9)
        loaded = snapshot_of(session, window(RULES, now, since))
        assert plan(loaded, RULES, now, since) == plan(everything, RULES, now, since), day
        day, since = day + timedelta(days=3), now


def test_it_loads_only_open_recommendations_that_can_be_due(mixed: World) -> None:
    now = at(date(2027, 3, 28))
    loaded = snapshot_of(mixed.session, window(RULES, now, None))
    assert sorted(rec.code.rpartition("/")[2] for rec in loaded.recommendations) == ["b", "c"]
    assert (loaded.meetings, loaded.reports) == ((), ())


def test_a_report_awaiting_its_response_comes_with_what_is_still_proposed(mixed: World) -> None:
    loaded = snapshot_of(mixed.session, window(RULES, at(date(2027, 2, 18)), None))
    [report] = loaded.reports
    assert (report.reference, report.to_body_name) == ("CCS/09", "City Executive Board")
    assert [rec.code for rec in report.proposed] == ["CCS/09/a"]
    assert report.chair is not None and report.chair.name == "Evan Executive"


@pytest.mark.parametrize(
    ("state", "overdue"),
    [
        ("endorsed", True),
        ("amended", True),
        ("in_progress", True),
        ("monitored", False),
        ("closed", False),
    ],
)
def test_a_passed_target_is_loaded_as_overdue_only_before_it_is_reported_implemented(
    world: World, state: str, overdue: bool
) -> None:
    make_recommendation(world, "a", state, target_date=date(2027, 3, 20))
    now = at(date(2027, 3, 21))
    loaded = snapshot_of(world.session, window(RULES, now, None))
    kinds = [notice.kind for notice in plan(loaded, RULES, now, None).due]
    assert (Kind.TARGET_OVERDUE in kinds) is overdue


def add_milestones(world: World, code: str, *due: tuple[date, date | None]) -> None:
    """Milestones of `code`, each (due on, done on), numbered in the order given."""
    session = world.session
    rec = session.exec(select(Recommendation).where(Recommendation.code == code)).one()
    for n, (due_on, done_on) in enumerate(due, start=1):
        milestone = Milestone(recommendation_id=rec.id or 0, title=f"Step {n}", due_on=due_on)
        session.add(milestone)
        milestone.done_on = done_on
    session.commit()


def test_it_loads_only_milestones_not_done_that_can_be_due(mixed: World) -> None:
    april = date(2027, 4, 10)
    add_milestones(mixed, "CCS/09/c", (april, None), (april, date(2027, 4, 1)), (april, None))
    add_milestones(mixed, "CCS/09/c", (date(2027, 5, 10), None))  # a month later
    add_milestones(mixed, "CCS/09/e", (april, None))  # its recommendation is closed
    loaded = snapshot_of(mixed.session, window(RULES, at(date(2027, 4, 3)), None))
    # c's first milestone is the fixture's, due on 1 April: before the window.
    assert [(m.number, m.due_on) for m in loaded.milestones] == [(2, april), (4, april)]
    codes = [rec.code for rec in loaded.recommendations]
    assert "CCS/09/c" in codes and "CCS/09/e" not in codes


def note(world: World, lifecycle: Lifecycle, code: str) -> None:
    change = Change("note", world.actor(EXECUTIVE), note="The board notes it.")
    services.fire(world.session, lifecycle, code, change, CURRENT_TIME)


def awaiting_on(session: Session, day: date) -> list[list[str]]:
    """The codes awaiting a response of each report loaded at `day`'s send time."""
    loaded = snapshot_of(session, window(RULES, at(day), None))
    return [[rec.code for rec in report.proposed] for report in loaded.reports]


def test_a_noted_recommendation_no_longer_awaits_a_response(
    mixed: World, lifecycle: Lifecycle
) -> None:
    make_recommendation(mixed, "g")
    note(mixed, lifecycle, "CCS/09/g")
    assert awaiting_on(mixed.session, date(2027, 2, 18)) == [["CCS/09/a"]]


def test_a_report_whose_every_proposed_one_is_noted_awaits_nothing(
    mixed: World, lifecycle: Lifecycle
) -> None:
    note(mixed, lifecycle, "CCS/09/a")
    assert awaiting_on(mixed.session, date(2027, 2, 18)) == []


def test_an_undone_note_awaits_a_response_again(mixed: World, lifecycle: Lifecycle) -> None:
    note(mixed, lifecycle, "CCS/09/a")
    actor = mixed.actor(CLERK)
    services.undo(mixed.session, lifecycle, "CCS/09/a", actor, "Typed in error.", CURRENT_TIME)
    assert awaiting_on(mixed.session, date(2027, 2, 18)) == [["CCS/09/a"]]


def test_a_recommendation_comes_with_its_owner_body_and_latest_update(mixed: World) -> None:
    session = mixed.session
    rec = session.exec(select(Recommendation).where(Recommendation.code == "CCS/09/b")).one()
    for note in ("Plan drafted", "Plan agreed"):
        session.add(
            ProgressUpdate(
                recommendation_id=rec.id or 0,
                note=note,
                at=at(date(2027, 3, 1)),
                effective_on=date(2027, 3, 1),
            )
        )
    session.commit()
    [loaded] = snapshot_of(session, window(RULES, at(date(2027, 3, 28)), None)).recommendations[:1]
    assert (loaded.code, loaded.body_name, loaded.latest_update) == (
        "CCS/09/b",
        PANEL,
        "Plan agreed",
    )
    assert loaded.owner is not None and loaded.owner.name == "Olive Officer"


def test_a_meeting_comes_with_its_chair(mixed: World) -> None:
    loaded = snapshot_of(mixed.session, window(RULES, at(date(2027, 4, 8)), None))
    [meeting] = loaded.meetings
    assert (meeting.body_name, meeting.starts_at) == (PANEL, at(date(2027, 4, 15), 18))
    assert meeting.chair is not None and meeting.chair.name == "Charlotte Chair"
