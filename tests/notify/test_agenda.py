"""The chair's agenda, from records written by the services into a real database."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from factories import (
    CLERK,
    EXECUTIVE,
    OFFICER,
    PANEL,
    World,
    make_recommendation,
    rules,
)
from sqlmodel import select

from notifications.agenda import Agenda, agenda_of
from notifications.items import AgendaRecords, Snapshot
from notifications.notices import Kind
from notifications.planning import plan, window
from notifications.snapshot import load_snapshot
from workflow import services
from workflow.lifecycle import Lifecycle
from workflow.models import Body, Meeting
from workflow.records import Change

LONDON = ZoneInfo("Europe/London")
RULES = rules(tz=LONDON)
LAST_MET = date(2027, 3, 2)  # the panel's previous meeting
MEETS = date(2027, 4, 20)  # the meeting the agenda is for; its digest goes on 13 April
DIGEST_DAY = date(2027, 4, 13)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def meet(world: World, day: date, cancelled: bool = False) -> None:
    panel = world.session.exec(select(Body).where(Body.name == PANEL)).one()
    cancelled_at = at(day, 9) if cancelled else None
    meeting = Meeting(body_id=panel.id or 0, starts_at=at(day, 18), cancelled_at=cancelled_at)
    world.session.add(meeting)
    world.session.commit()


def snapshot_at(world: World, now: datetime) -> Snapshot:
    snapshot = load_snapshot(world.session, window(RULES, now, None), RULES)
    world.session.rollback()
    return snapshot


def agenda(world: World) -> Agenda:
    snapshot = snapshot_at(world, at(DIGEST_DAY, 9))
    [meeting] = [m for m in snapshot.meetings if m.starts_at == at(MEETS, 18)]
    return agenda_of(snapshot, meeting, RULES)


def codes(items: object) -> list[str]:
    return [getattr(item, "rec", item).code for item in items]  # type: ignore[attr-defined]


def amend_target(world: World, lifecycle: Lifecycle, code: str, to: date, on: date) -> None:
    services.amend(
        world.session,
        lifecycle,
        [(code, {"target_date": to})],
        world.actor(CLERK),
        at(on),
        reason="The time base moved.",
        endorsed_by=PANEL,
        endorsed_on=on,
    )


def update(world: World, lifecycle: Lifecycle, code: str, rag: str, on: date) -> None:
    actor = world.actor(OFFICER)
    services.add_update(world.session, lifecycle, code, actor, "Progress.", rag, at(on), on=on)


def sign_off(world: World, lifecycle: Lifecycle, code: str, on: date) -> None:
    change = Change("sign_off", world.actor(CLERK), outcome="implemented", on=on)
    services.fire(world.session, lifecycle, code, change, at(on))


def note(world: World, lifecycle: Lifecycle, code: str, on: date) -> None:
    actor = world.actor(EXECUTIVE)
    services.respond(
        world.session, lifecycle, [code], actor, "note", at(on), comment="Noted.", on=on
    )


@pytest.fixture
def panel(world: World) -> World:
    """The panel met on 2 March and meets again on 20 April; its one report's response
    was due on 4 March."""
    meet(world, LAST_MET)
    meet(world, MEETS)
    return world


def test_it_lists_the_open_ones_monitored_by_the_meeting_as_due_for_review(panel: World) -> None:
    make_recommendation(panel, "a", "in_progress", monitoring_date=date(2027, 4, 15))
    make_recommendation(panel, "b", "in_progress", monitoring_date=date(2027, 5, 15))
    assert codes(agenda(panel).due) == ["CCS/09/a"]


def test_a_noted_one_awaits_the_committees_conclusion(panel: World, lifecycle: Lifecycle) -> None:
    note(panel, lifecycle, make_recommendation(panel, "a"), date(2027, 2, 10))
    [noted] = agenda(panel).noted
    assert (noted.rec.code, noted.noted_on, noted.comment) == (
        "CCS/09/a",
        date(2027, 2, 10),
        "Noted.",
    )


def test_an_undone_note_leaves_it_awaiting_a_response_instead(
    panel: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(panel, "a")
    note(panel, lifecycle, code, date(2027, 2, 10))
    services.undo(panel.session, lifecycle, code, panel.actor(CLERK), "Typed in error.", at(MEETS))
    made = agenda(panel)
    assert made.noted == () and codes(made.overdue[0].proposed) == [code]


def test_a_report_past_its_response_date_is_overdue_with_what_still_awaits_one(
    panel: World, lifecycle: Lifecycle
) -> None:
    make_recommendation(panel, "a")
    note(panel, lifecycle, make_recommendation(panel, "b"), date(2027, 2, 10))
    [report] = agenda(panel).overdue
    assert (report.reference, report.response_due_on) == ("CCS/09", date(2027, 3, 4))
    assert codes(report.proposed) == ["CCS/09/a"]


def test_a_target_moved_since_the_last_meeting_is_rebased(
    panel: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(panel, "a", "in_progress", target_date=date(2027, 6, 1))
    amend_target(panel, lifecycle, code, date(2027, 9, 1), date(2027, 3, 20))
    [rebased] = agenda(panel).rebased
    assert (rebased.rec.code, rebased.on) == (code, date(2027, 3, 20))
    assert (rebased.target_before, rebased.target_after, rebased.by) == (
        date(2027, 6, 1),
        date(2027, 9, 1),
        PANEL,
    )


def test_an_undone_amendment_is_not_counted(panel: World, lifecycle: Lifecycle) -> None:
    code = make_recommendation(panel, "a", "in_progress", target_date=date(2027, 6, 1))
    amend_target(panel, lifecycle, code, date(2027, 9, 1), date(2027, 3, 20))
    services.undo(panel.session, lifecycle, code, panel.actor(CLERK), "Wrong plan.", at(MEETS))
    assert agenda(panel).rebased == ()


def test_an_update_giving_red_to_what_was_amber_turned_it_red(
    panel: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(panel, "a", "in_progress")
    update(panel, lifecycle, code, "amber", date(2027, 3, 5))
    update(panel, lifecycle, code, "red", date(2027, 3, 10))
    [red] = agenda(panel).turned_red
    assert (red.rec.code, red.on) == (code, date(2027, 3, 10))


def test_one_red_already_before_the_last_meeting_did_not_turn_red_since(
    panel: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(panel, "a", "in_progress")
    update(panel, lifecycle, code, "red", date(2027, 2, 20))
    update(panel, lifecycle, code, "red", date(2027, 3, 15))
    assert agenda(panel).turned_red == ()


def test_a_closure_since_the_last_meeting_is_listed_with_its_outcome(
    panel: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(panel, "a", "monitored")
    sign_off(panel, lifecycle, code, date(2027, 3, 30))
    [closed] = agenda(panel).closed
    assert (closed.rec.code, closed.on, closed.outcome) == (code, date(2027, 3, 30), "implemented")


def test_a_closure_before_the_last_meeting_is_not_counted(
    panel: World, lifecycle: Lifecycle
) -> None:
    sign_off(panel, lifecycle, make_recommendation(panel, "a", "monitored"), date(2027, 2, 25))
    assert agenda(panel).closed == ()


def test_a_closure_on_the_day_of_the_last_meeting_was_that_meetings_business(
    panel: World, lifecycle: Lifecycle
) -> None:
    sign_off(panel, lifecycle, make_recommendation(panel, "a", "monitored"), LAST_MET)
    assert agenda(panel).closed == ()


def test_a_cancelled_meeting_is_not_the_last_meeting(panel: World, lifecycle: Lifecycle) -> None:
    meet(panel, date(2027, 4, 1), cancelled=True)
    sign_off(panel, lifecycle, make_recommendation(panel, "a", "monitored"), date(2027, 3, 30))
    made = agenda(panel)
    assert made.since == LAST_MET and codes(made.closed) == ["CCS/09/a"]


def test_with_no_earlier_meeting_it_counts_from_the_bodys_first_report(
    world: World, lifecycle: Lifecycle
) -> None:
    meet(world, MEETS)
    sign_off(world, lifecycle, make_recommendation(world, "a", "monitored"), date(2027, 1, 20))
    made = agenda(world)
    assert (made.since, made.counted_from) == (None, date(2027, 1, 5))
    assert codes(made.closed) == ["CCS/09/a"]


# Whether the digest goes


def digests(world: World) -> list[str]:
    now = at(DIGEST_DAY, 9)
    due = plan(snapshot_at(world, now), RULES, now, None).due
    return [notice.item for notice in due if notice.kind is Kind.CHAIR_DIGEST]


def test_the_digest_goes_when_only_a_noted_one_is_on_the_agenda(
    panel: World, lifecycle: Lifecycle
) -> None:
    note(panel, lifecycle, make_recommendation(panel, "a"), date(2027, 2, 10))
    assert len(digests(panel)) == 1


def test_the_digest_goes_when_only_a_response_is_overdue(panel: World) -> None:
    make_recommendation(panel, "a")
    assert len(digests(panel)) == 1


def test_no_digest_goes_when_the_agenda_is_empty(panel: World) -> None:
    make_recommendation(panel, "a", "in_progress", monitoring_date=date(2027, 5, 15))
    assert digests(panel) == []


def test_nothing_of_an_agenda_is_read_while_no_body_meets_in_the_window(
    panel: World, lifecycle: Lifecycle
) -> None:
    sign_off(panel, lifecycle, make_recommendation(panel, "a", "monitored"), date(2027, 3, 20))
    make_recommendation(panel, "b")  # its report's response is overdue
    assert snapshot_at(panel, at(date(2027, 3, 25), 9)).agenda == AgendaRecords()
