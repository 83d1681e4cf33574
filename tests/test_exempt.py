"""Exempt recommendations: a clerk marks and clears them; the history and interchange keep it."""

from __future__ import annotations

from typing import Any

import pytest
from factories import CLERK, CURRENT_TIME, OFFICER, World, make_recommendation, row_counts
from papers import REASON
from runner import Cli
from sqlalchemy import Engine
from sqlmodel import Session
from test_interchange import round_trip
from test_update import ANN, NOW, document, load, rec, update

from workflow import services
from workflow.errors import InterchangeError, TransitionRefused
from workflow.interchange import export_document
from workflow.lifecycle import Lifecycle
from workflow.services.people import actor_for


def shown(cli: Cli, code: str) -> dict[str, Any]:
    view: dict[str, Any] = cli.json("recs", "show", code)
    return view


def test_a_clerk_marks_a_recommendation_exempt_with_its_reason(cli: Cli, code: str) -> None:
    status, out, _ = cli("exempt", code, "--reason", REASON, "--by", CLERK)
    assert (status, out) == (0, f"{code}: exempt ({REASON}) (by {CLERK})\n")
    view = shown(cli, code)
    assert (view["exempt"], view["exempt_reason"]) == (True, REASON)
    assert (view["history"][-1]["event"], view["history"][-1]["note"]) == ("exempt", REASON)


def test_recs_show_says_it_is_exempt(cli: Cli, code: str) -> None:
    cli("exempt", code, "--reason", REASON, "--by", CLERK)
    assert f"Exempt:          {REASON}" in cli("recs", "show", code)[1]


def test_only_a_clerk_may_mark_one_exempt(cli: Cli, code: str) -> None:
    status, out, err = cli("exempt", code, "--reason", REASON, "--by", OFFICER)
    assert (status, out, err.count("\n")) == (1, "", 1)
    assert "only a clerk may mark a recommendation exempt" in err
    assert shown(cli, code)["exempt"] is False


def test_a_refused_exemption_writes_nothing(world: World, lifecycle: Lifecycle) -> None:
    code = make_recommendation(world)
    before = row_counts(world.session)
    with pytest.raises(TransitionRefused):
        services.exempt(world.session, lifecycle, code, world.actor(OFFICER), REASON, CURRENT_TIME)
    assert row_counts(world.session) == before


def test_exempting_needs_a_reason(cli: Cli, code: str) -> None:
    status, _, err = cli("exempt", code, "--by", CLERK)
    assert status == 1 and "a reason is required" in err and "--reason" in err


def test_clearing_makes_it_public_again(cli: Cli, code: str) -> None:
    cli("exempt", code, "--reason", REASON, "--by", CLERK)
    assert cli("exempt", code, "--clear", "--by", CLERK)[0] == 0
    view = shown(cli, code)
    assert (view["exempt"], view["exempt_reason"]) == (False, None)


def test_clearing_one_not_exempt_is_refused(cli: Cli, code: str) -> None:
    status, _, err = cli("exempt", code, "--clear", "--by", CLERK)
    assert status == 1 and "it is not exempt" in err


def test_an_exemption_is_undone_like_any_other_change(cli: Cli, code: str) -> None:
    cli("exempt", code, "--reason", REASON, "--by", CLERK)
    assert cli("undo", code, "--reason", "Not exempt after all", "--by", CLERK)[0] == 0
    assert shown(cli, code)["exempt"] is False


def test_an_exempt_recommendation_round_trips(
    engine: Engine, world: World, lifecycle: Lifecycle
) -> None:
    code = make_recommendation(world)
    services.exempt(world.session, lifecycle, code, world.actor(CLERK), REASON, CURRENT_TIME)
    first, second = round_trip(engine, world.session)
    assert second == first
    assert (
        first["recommendations"][0]["exempt"],
        first["recommendations"][0]["exempt_reason"],
    ) == (
        True,
        REASON,
    )


def test_an_import_refuses_an_exemption_without_its_reason(session: Session) -> None:
    doc = document()
    doc["recommendations"][1]["exempt"] = True
    with pytest.raises(InterchangeError, match=r"recommendations\[1\]\.exempt_reason: an exempt"):
        load(session, doc)


def test_an_update_marks_one_exempt_as_an_edit_that_undo_reverses(
    session: Session, lifecycle: Lifecycle
) -> None:
    load(session, document())
    loaded = export_document(session)
    rec(loaded, "S/1/a").update(exempt=True, exempt_reason=REASON)
    update(session, loaded)
    assert rec(export_document(session), "S/1/a")["exempt_reason"] == REASON
    services.undo(session, lifecycle, "S/1/a", actor_for(session, ANN), "Not exempt", NOW)
    assert rec(export_document(session), "S/1/a")["exempt"] is False
