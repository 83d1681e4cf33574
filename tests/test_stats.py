"""The annual report's figures, each worked out by hand on a small tracker.

The tracker (report CCS/09, submitted 2027-01-05, response due 2027-03-04), as of
2028-01-10:
  a  agreed 02-01 (target 06-30); reported implemented 06-20; signed off 07-10
  b  agreed in part 03-10, late (target 05-31); re-based to 09-30 on 06-01;
     reported implemented 09-15; signed off 10-01, partly implemented
  c  disagreed 02-15
  d  noted 02-20
  e  no response
  f  agreed 02-10 (target 04-30); started; still in progress, overdue
  g  agreed 02-05, then the agreement undone: no response in force
and, of another panel, OLD/01/a (submitted 2026-05-01), no response.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from factories import CLERK, PANEL, World, make_recommendation

from reports import stats as paper
from workflow import services
from workflow.lifecycle import Lifecycle
from workflow.models import Body, Recommendation, Report
from workflow.papers import ImpactFigures
from workflow.records import Change

NOW = datetime(2028, 1, 10, 12, tzinfo=UTC)
TODAY = NOW.date()
OTHER_PANEL = "Health Scrutiny Panel"


def _fire(
    world: World, lifecycle: Lifecycle, code: str, event: str, on: date, **data: object
) -> None:
    change = Change(event, world.actor(CLERK), on=on, **data)  # type: ignore[arg-type]
    services.fire(world.session, lifecycle, f"CCS/09/{code}", change, NOW)


def _old_report(world: World) -> None:
    session = world.session
    board = session.get_one(Report, world.report_id)
    panel = Body(name=OTHER_PANEL, kind="scrutiny")
    session.add(panel)
    session.flush()
    assert panel.id is not None
    old = Report(
        reference="OLD/01", title="Older review", from_body_id=panel.id,
        to_body_id=board.to_body_id, submitted_on=date(2026, 5, 1),
        response_due_on=date(2026, 6, 30),
    )  # fmt: skip
    session.add(old)
    session.flush()
    assert old.id is not None
    session.add(Recommendation(report_id=old.id, reference="a", code="OLD/01/a", text="Old",
                               state="proposed"))  # fmt: skip
    session.commit()


@pytest.fixture
def tracker(world: World, lifecycle: Lifecycle) -> World:
    for ref in "abcdefg":
        make_recommendation(world, ref)
    fire = _fire
    fire(world, lifecycle, "a", "agree", date(2027, 2, 1), timescale=date(2027, 6, 30))
    fire(world, lifecycle, "a", "start", date(2027, 2, 2))
    fire(world, lifecycle, "a", "report_implemented", date(2027, 6, 20), note="Done")
    fire(world, lifecycle, "a", "sign_off", date(2027, 7, 10))
    fire(world, lifecycle, "b", "agree_in_part", date(2027, 3, 10), timescale=date(2027, 5, 31),
         note="Not the second half")  # fmt: skip
    fire(world, lifecycle, "b", "amend", date(2027, 6, 1), note="Rebased",
         endorsed_by=PANEL, endorsed_on=date(2027, 6, 1),
         changes={"target_date": date(2027, 9, 30)})  # fmt: skip
    fire(world, lifecycle, "b", "start", date(2027, 6, 2))
    fire(world, lifecycle, "b", "report_implemented", date(2027, 9, 15), note="Mostly")
    fire(world, lifecycle, "b", "sign_off", date(2027, 10, 1), outcome="partly_implemented")
    fire(world, lifecycle, "c", "disagree", date(2027, 2, 15), note="Too costly")
    fire(world, lifecycle, "d", "note", date(2027, 2, 20), note="Noted")
    fire(world, lifecycle, "f", "agree", date(2027, 2, 10), timescale=date(2027, 4, 30))
    fire(world, lifecycle, "f", "start", date(2027, 2, 11))
    fire(world, lifecycle, "g", "agree", date(2027, 2, 5), timescale=date(2027, 8, 1))
    services.undo(world.session, lifecycle, "CCS/09/g", world.actor(CLERK), "In error", NOW)
    _old_report(world)
    return world


def figures(world: World, lifecycle: Lifecycle, **given: object) -> ImpactFigures:
    return services.impact_figures(world.session, lifecycle.table, TODAY, **given)  # type: ignore[arg-type]


def test_it_counts_the_recommendations_made_in_the_period(
    tracker: World, lifecycle: Lifecycle
) -> None:
    assert figures(tracker, lifecycle).made == 8
    assert figures(tracker, lifecycle, start=date(2027, 1, 1)).made == 7
    assert figures(tracker, lifecycle, end=date(2026, 12, 31)).made == 1
    assert figures(tracker, lifecycle, body=PANEL).made == 7


def test_it_counts_responses_in_force_and_those_in_time(
    tracker: World, lifecycle: Lifecycle
) -> None:
    made = figures(tracker, lifecycle, body=PANEL)
    assert (made.responded, made.responded_in_time) == (5, 4)  # g's undone; b's late


def test_it_counts_each_decision_by_the_response_in_force(
    tracker: World, lifecycle: Lifecycle
) -> None:
    decisions = dict(figures(tracker, lifecycle, body=PANEL).decisions)
    assert decisions == {"agree": 2, "agree_in_part": 1, "disagree": 1, "note": 1}


def test_it_counts_implemented_in_full_or_in_part(tracker: World, lifecycle: Lifecycle) -> None:
    made = figures(tracker, lifecycle, body=PANEL)
    assert (made.implemented, made.implemented_in_part) == (2, 1)


def test_it_splits_implemented_by_the_original_target_or_after_rebasing(
    tracker: World, lifecycle: Lifecycle
) -> None:
    made = figures(tracker, lifecycle, body=PANEL)
    assert (made.by_original_target, made.after_rebasing, made.rebased) == (1, 1, 1)


def test_it_takes_the_median_days_from_response_to_sign_off(
    tracker: World, lifecycle: Lifecycle
) -> None:
    # a: 2027-02-01 to 07-10 is 159 days; b: 03-10 to 10-01 is 205 days
    assert figures(tracker, lifecycle).median_days_to_sign_off == 182


def test_it_takes_the_median_slippage_of_those_rebased(
    tracker: World, lifecycle: Lifecycle
) -> None:
    assert figures(tracker, lifecycle).median_slippage_days == 122  # 2027-05-31 to 09-30


def test_it_counts_open_and_overdue_today(tracker: World, lifecycle: Lifecycle) -> None:
    made = figures(tracker, lifecycle, body=PANEL)
    assert (made.open, made.overdue) == (1, 1)  # f, past its target of 2027-04-30


def test_it_finds_nothing_in_an_empty_period(tracker: World, lifecycle: Lifecycle) -> None:
    empty = figures(tracker, lifecycle, start=date(2029, 1, 1))
    assert empty.made == empty.responded == empty.implemented == empty.open == 0
    assert empty.median_days_to_sign_off is empty.median_slippage_days is None
    assert paper.as_json(empty)["responded"] == {"count": 0, "percent": None}


def test_the_paper_gives_each_share_of_its_whole(tracker: World, lifecycle: Lifecycle) -> None:
    made = paper.as_json(figures(tracker, lifecycle, body=PANEL))
    assert made["responded_in_time"] == {"count": 4, "percent": 57.1}  # 4 of 7 made
    assert made["decisions"]["agree"] == {"count": 2, "percent": 40.0}  # 2 of 5 responded
    assert made["implemented_after_rebasing"] == {"count": 1, "percent": 50.0}


def test_the_text_table_words_each_figure(tracker: World, lifecycle: Lifecycle) -> None:
    text = paper.text(figures(tracker, lifecycle, body=PANEL, start=date(2027, 1, 1)))
    assert text.startswith(f"Recommendations made by {PANEL}: submitted from 2027-01-01\n")
    assert "Agreed in part" in text and "14.3% of made" in text
