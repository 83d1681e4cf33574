"""Finding things: the tracker's filters and counts, on a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from factories import CHAIR, EXECUTIVE, OFFICER, PANEL, REPORT, World, make_recommendation
from sqlmodel import select

from workflow import services
from workflow.errors import BadInput, NotFound
from workflow.lifecycle import Lifecycle
from workflow.models import Recommendation
from workflow.records import Change
from workflow.services import RecFilters

TODAY = date(2027, 5, 1)
TODAY_AT = datetime(2027, 5, 1, 9, tzinfo=UTC)


@pytest.fixture
def tracked(world: World, lifecycle: Lifecycle) -> World:
    """Five recommendations: awaiting, noted, on track, overdue and red, re-based, closed."""
    make_recommendation(world, "a", "proposed")
    make_recommendation(world, "b", "proposed")
    respond(world, lifecycle, "CCS/09/b", "note")
    make_recommendation(world, "c", "in_progress", target_date=date(2027, 9, 30))
    make_recommendation(world, "d", "in_progress", target_date=date(2027, 3, 31))
    officer = world.actor(OFFICER)
    services.add_update(world.session, lifecycle, "CCS/09/d", officer, "Late.", "red", TODAY_AT)
    make_recommendation(world, "e", "in_progress", target_date=date(2027, 3, 31))
    rebase(world, lifecycle, "CCS/09/e", date(2027, 12, 31))
    make_recommendation(world, "f", "closed")
    return world


def respond(world: World, lifecycle: Lifecycle, code: str, decision: str) -> None:
    change = Change(decision, world.actor(EXECUTIVE), note="We note it.")
    services.fire(world.session, lifecycle, code, change, TODAY_AT)


def rebase(world: World, lifecycle: Lifecycle, code: str, target: date) -> None:
    services.amend(
        world.session,
        lifecycle,
        [(code, {"target_date": target})],
        world.actor(CHAIR),
        TODAY_AT,
        reason="The plan moved.",
        endorsed_by=PANEL,
        endorsed_on=date(2027, 4, 20),
    )


def listed(world: World, lifecycle: Lifecycle, **filters: object) -> list[str]:
    rows = services.list_recommendations(
        world.session,
        lifecycle.table,
        TODAY,
        RecFilters(**filters),  # type: ignore[arg-type]
    )
    return [row["reference"] for row in rows]


def test_overdue_are_open_with_their_target_passed(tracked: World, lifecycle: Lifecycle) -> None:
    assert listed(tracked, lifecycle, overdue=True) == ["d"]


def test_one_reported_implemented_is_not_overdue(tracked: World, lifecycle: Lifecycle) -> None:
    make_recommendation(tracked, "g", "monitored", target_date=date(2027, 3, 31))
    assert listed(tracked, lifecycle, overdue=True) == ["d"]


def test_rebased_are_those_whose_target_moved(tracked: World, lifecycle: Lifecycle) -> None:
    assert listed(tracked, lifecycle, rebased=True) == ["e"]


def test_a_noted_recommendation_no_longer_awaits_a_response(
    tracked: World, lifecycle: Lifecycle
) -> None:
    assert listed(tracked, lifecycle, awaiting_response=True) == ["a"]


def test_by_rag_and_state_together(tracked: World, lifecycle: Lifecycle) -> None:
    assert listed(tracked, lifecycle, rags=("red",), states=("in_progress",)) == ["d"]


def test_by_the_body_that_made_them(tracked: World, lifecycle: Lifecycle) -> None:
    assert len(listed(tracked, lifecycle, body=PANEL)) == 6


def test_an_unknown_body_is_not_found(tracked: World, lifecycle: Lifecycle) -> None:
    with pytest.raises(NotFound, match="no body with name 'Cabinet'"):
        listed(tracked, lifecycle, body="Cabinet")


def test_an_unknown_rag_is_refused_naming_the_field(tracked: World, lifecycle: Lifecycle) -> None:
    with pytest.raises(BadInput) as refused:
        listed(tracked, lifecycle, rags=("purple",))
    assert refused.value.field == "rag"


def test_counts_by_state_most_first(tracked: World, lifecycle: Lifecycle) -> None:
    counts = services.count_recommendations(tracked.session, lifecycle.table, TODAY, "state")
    assert counts == [("in_progress", 2), ("proposed", 2), ("amended", 1), ("closed", 1)]


def test_counts_by_rag_name_those_without_one(tracked: World, lifecycle: Lifecycle) -> None:
    counts = dict(services.count_recommendations(tracked.session, lifecycle.table, TODAY, "rag"))
    assert counts == {None: 5, "red": 1}


def test_counts_take_the_filters(tracked: World, lifecycle: Lifecycle) -> None:
    filters = RecFilters(states=("proposed",))
    session, table = tracked.session, lifecycle.table
    counts = services.count_recommendations(session, table, TODAY, "owner", filters)
    assert counts == [(OFFICER, 2)]


def test_counts_by_report(tracked: World, lifecycle: Lifecycle) -> None:
    counts = services.count_recommendations(tracked.session, lifecycle.table, TODAY, "report")
    assert counts == [(REPORT, 6)]


def test_counts_of_what_a_body_made(tracked: World, lifecycle: Lifecycle) -> None:
    session, table = tracked.session, lifecycle.table
    counts = services.count_recommendations(session, table, TODAY, "rag", RecFilters(body=PANEL))
    assert dict(counts) == {None: 5, "red": 1}


def test_counting_by_an_unknown_field_is_refused(tracked: World, lifecycle: Lifecycle) -> None:
    with pytest.raises(BadInput, match="'colour' is not one of state, rag, outcome, group, owner"):
        services.count_recommendations(tracked.session, lifecycle.table, TODAY, "colour")


def test_the_fixture_holds_six(tracked: World) -> None:
    assert len(tracked.session.exec(select(Recommendation)).all()) == 6
