"""Decisions have a date of their own: the day they happened, beside when they were typed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import CHAIR, CURRENT_TIME, EXECUTIVE, OFFICER, PANEL, World, make_recommendation
from runner import Cli
from sqlmodel import select

from workflow import services
from workflow.errors import BadInput
from workflow.lifecycle import Lifecycle
from workflow.models import Event, Response
from workflow.records import Change

TODAY = CURRENT_TIME.date()  # 2027-02-01; the report was submitted on 2027-01-05
BOARD_MET = date(2027, 1, 26)


def agree(world: World, lifecycle: Lifecycle, code: str, on: date | None) -> None:
    change = Change("agree", world.actor(EXECUTIVE), timescale=date(2027, 6, 30), on=on)
    services.fire(world.session, lifecycle, code, change, CURRENT_TIME)


def last_line(world: World) -> Event:
    return world.session.exec(select(Event).order_by(Event.id.desc())).first()  # type: ignore[union-attr, return-value]


def test_a_backdated_decision_is_dated_the_day_it_happened(
    world: World, lifecycle: Lifecycle
) -> None:
    agree(world, lifecycle, make_recommendation(world), BOARD_MET)
    line = last_line(world)
    assert (line.effective_on, line.at) == (BOARD_MET, CURRENT_TIME)


def test_a_decision_is_dated_today_when_no_day_is_given(world: World, lifecycle: Lifecycle) -> None:
    agree(world, lifecycle, make_recommendation(world), None)
    assert last_line(world).effective_on == TODAY


def test_the_response_has_the_day_of_the_decision(world: World, lifecycle: Lifecycle) -> None:
    agree(world, lifecycle, make_recommendation(world), BOARD_MET)
    assert world.session.exec(select(Response)).one().effective_on == BOARD_MET


def test_a_day_in_the_future_is_refused_naming_the_field(
    world: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(world)
    with pytest.raises(BadInput, match="is in the future") as refused:
        agree(world, lifecycle, code, TODAY + timedelta(days=1))
    assert refused.value.field == "on"
    assert services.show_recommendation(world.session, code)["state"] == "proposed"


def test_a_day_before_the_report_was_submitted_is_refused(
    world: World, lifecycle: Lifecycle
) -> None:
    with pytest.raises(BadInput, match="before CCS/09/a's report was submitted, on 2027-01-05"):
        agree(world, lifecycle, make_recommendation(world), date(2027, 1, 4))


def test_a_progress_update_may_be_backdated(world: World, lifecycle: Lifecycle) -> None:
    code = make_recommendation(world, state="in_progress")
    officer = world.actor(OFFICER)
    services.add_update(
        world.session, lifecycle, code, officer, "Done.", None, CURRENT_TIME, BOARD_MET
    )
    shown = services.show_recommendation(world.session, code)
    assert shown["updates"][0]["effective_on"] == BOARD_MET.isoformat()


def test_an_amendment_takes_effect_the_day_it_was_endorsed(
    world: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(world, state="endorsed", target_date=date(2027, 3, 31))
    services.amend(
        world.session,
        lifecycle,
        [(code, {"target_date": date(2027, 9, 30)})],
        world.actor(CHAIR),
        CURRENT_TIME,
        reason="Re-based.",
        endorsed_by=PANEL,
        endorsed_on=BOARD_MET,
    )
    assert last_line(world).effective_on == BOARD_MET


def test_the_command_line_names_the_option(cli: Cli, code: str) -> None:
    args = ("respond", code, "agree", "--timescale", "2027-06-30", "--on", "2027-03-01")
    status, _, err = cli(*args, "--by", EXECUTIVE)
    assert status == 2
    assert err == (
        "rectrack: error: 2027-03-01 is in the future: a change is dated the day it happened"
        " (--on)\n"
    )


def test_the_history_shows_both_days(cli: Cli, code: str) -> None:
    args = ("respond", code, "agree", "--timescale", "2027-06-30", "--on", "2027-01-26")
    assert cli(*args, "--by", EXECUTIVE)[0] == 0
    shown = cli("recs", "show", code)[1]
    assert "2027-01-26 (recorded 2027-02-01 09:30) agree proposed -> endorsed" in shown
