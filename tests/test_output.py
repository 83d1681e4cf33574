"""The text views a clerk reads: local times, counts and figures in words."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from rectrack.cli.output import counted, detail

LONDON = ZoneInfo("Europe/London")


def view(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": "CCS/09/a",
        "state": "endorsed",
        "text": "Do it.",
        "report": "CCS/09",
        "owner": None,
        "lead_member": None,
        "target_date": None,
        "original_target_date": None,
        "slippage_days": None,
        "rebasings": 0,
        "monitoring_date": None,
        "rag": None,
        "closure_outcome": None,
        "responses": [],
        "updates": [],
        "amendments": [],
        "milestones": [],
        "indicators": [],
        "history": [],
    }
    return {**base, **changes}


def test_history_times_are_local_in_summer() -> None:
    line = {
        "event": "agree",
        "from_state": "proposed",
        "to_state": "endorsed",
        "actor": "exec@council.example",
        "at": "2027-04-20T18:30:00+00:00",
        "effective_on": "2027-04-20",
        "note": None,
    }
    assert "2027-04-20 19:30 agree" in detail(view(history=[line]), LONDON)


def test_a_backdated_line_shows_the_day_it_happened_and_when_it_was_recorded() -> None:
    line = {
        "event": "agree",
        "from_state": "proposed",
        "to_state": "endorsed",
        "actor": "exec@council.example",
        "at": "2027-04-27T09:00:00+00:00",
        "effective_on": "2027-04-20",
        "note": None,
    }
    shown = detail(view(history=[line]), LONDON)
    assert "2027-04-20 (recorded 2027-04-27 10:00) agree" in shown


def test_a_late_evening_update_is_dated_the_local_day() -> None:
    update = {"note": "done", "rag": None, "by": None, "at": "2027-06-30T23:30:00+00:00"}
    update["effective_on"] = "2027-07-01"
    assert "2027-07-01 done" in detail(view(updates=[update]), LONDON)


def test_indicator_figures_have_separators_units_and_dashes() -> None:
    indicator = {
        "kind": "saving",
        "name": "Annual saving",
        "unit": "GBP",
        "baseline": 0.0,
        "target": 250000.0,
        "actual": None,
    }
    shown = detail(view(indicators=[indicator]), LONDON)
    assert "saving: Annual saving (baseline 0 GBP, target 250,000 GBP, actual -)" in shown


def test_counts_are_words() -> None:
    assert counted({"people": 1, "bodies": 2, "reports": 1, "history": 3}) == (
        "1 person, 2 bodies, 1 report, 3 history lines"
    )
    assert counted({"recommendations": 0}) == "nothing"
