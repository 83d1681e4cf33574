"""Undo: the latest change goes back, nothing is deleted, and the history says so."""

from __future__ import annotations

from datetime import date

import pytest
from factories import (
    CHAIR,
    CLERK,
    CURRENT_TIME,
    EXECUTIVE,
    OFFICER,
    PANEL,
    World,
    make_recommendation,
    row_counts,
)
from sqlmodel import col, select

from workflow import services
from workflow.errors import TransitionRefused
from workflow.lifecycle import Lifecycle
from workflow.models import Amendment, Event, ProgressUpdate, Response
from workflow.records import Change

JUNE, SEPTEMBER = date(2027, 6, 30), date(2027, 9, 30)


def fire(
    world: World, lifecycle: Lifecycle, code: str, event: str, by: str, **data: object
) -> None:
    change = Change(event, world.actor(by), **data)  # type: ignore[arg-type]
    services.fire(world.session, lifecycle, code, change, CURRENT_TIME)


def undo(world: World, lifecycle: Lifecycle, code: str, by: str = CLERK) -> str:
    outcome = services.undo(
        world.session, lifecycle, code, world.actor(by), "Typed in error.", CURRENT_TIME
    )
    return outcome.after


def shown(world: World, code: str) -> dict[str, object]:
    return services.show_recommendation(world.session, code)


def test_undoing_an_agreement_puts_it_back_awaiting_a_response(
    world: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(world)
    fire(world, lifecycle, code, "agree", EXECUTIVE, timescale=JUNE)
    assert undo(world, lifecycle, code) == "proposed"
    view = shown(world, code)
    assert (view["state"], view["target_date"], view["response"]) == ("proposed", None, None)
    assert world.session.exec(select(Response)).one().undone


def test_undoing_an_amendment_puts_the_old_target_back(world: World, lifecycle: Lifecycle) -> None:
    code = make_recommendation(world, state="endorsed", target_date=JUNE)
    fire(
        world,
        lifecycle,
        code,
        "amend",
        CHAIR,
        note="Moved.",
        endorsed_by=PANEL,
        endorsed_on=date(2027, 1, 20),
        changes={"target_date": SEPTEMBER},
    )
    assert undo(world, lifecycle, code) == "endorsed"
    assert shown(world, code)["target_date"] == JUNE.isoformat()
    assert world.session.exec(select(Amendment)).one().undone


def test_undoing_a_sign_off_reopens_it_without_an_outcome(
    world: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(world, state="monitored")
    fire(world, lifecycle, code, "sign_off", CHAIR)
    assert undo(world, lifecycle, code) == "monitored"
    assert shown(world, code)["closure_outcome"] is None


def test_undoing_a_progress_update_puts_the_rag_back(world: World, lifecycle: Lifecycle) -> None:
    code = make_recommendation(world, state="in_progress")
    officer = world.actor(OFFICER)
    services.add_update(world.session, lifecycle, code, officer, "Late.", "red", CURRENT_TIME)
    assert undo(world, lifecycle, code) == "in_progress"
    assert shown(world, code)["rag"] is None
    assert world.session.exec(select(ProgressUpdate)).one().undone


def test_a_second_undo_reverses_the_change_before(world: World, lifecycle: Lifecycle) -> None:
    code = make_recommendation(world)
    fire(world, lifecycle, code, "agree", EXECUTIVE, timescale=JUNE)
    fire(world, lifecycle, code, "start", OFFICER)
    assert undo(world, lifecycle, code) == "endorsed"
    assert undo(world, lifecycle, code) == "proposed"


def test_the_history_keeps_the_change_and_names_what_was_undone(
    world: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(world)
    fire(world, lifecycle, code, "agree", EXECUTIVE, timescale=JUNE)
    before = row_counts(world.session)
    undo(world, lifecycle, code)
    lines = world.session.exec(select(Event).order_by(col(Event.id))).all()
    assert [line.event for line in lines] == ["import", "agree", "undo"]
    assert lines[2].data["undoes"] == lines[1].id and lines[2].note == "Typed in error."
    assert row_counts(world.session)["response"] == before["response"]


def test_only_a_clerk_may_undo(world: World, lifecycle: Lifecycle) -> None:
    code = make_recommendation(world)
    fire(world, lifecycle, code, "agree", EXECUTIVE, timescale=JUNE)
    with pytest.raises(TransitionRefused, match="only a clerk may undo a change"):
        undo(world, lifecycle, code, by=CHAIR)


def test_an_undo_needs_a_reason(world: World, lifecycle: Lifecycle) -> None:
    code = make_recommendation(world)
    fire(world, lifecycle, code, "agree", EXECUTIVE, timescale=JUNE)
    with pytest.raises(TransitionRefused, match="a reason is required") as refused:
        services.undo(world.session, lifecycle, code, world.actor(CLERK), " ", CURRENT_TIME)
    assert refused.value.field == "reason"


def test_there_is_nothing_to_undo_before_the_first_change(
    world: World, lifecycle: Lifecycle
) -> None:
    with pytest.raises(TransitionRefused, match="there is no change of it to undo"):
        undo(world, lifecycle, make_recommendation(world))
