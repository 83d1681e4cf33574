"""Answering a report each recommendation its own way, and what a meeting reviews."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from factories import (
    CHAIR,
    CLERK,
    CURRENT_TIME,
    EXECUTIVE,
    OFFICER,
    PANEL,
    REPORT,
    World,
    make_recommendation,
    row_counts,
)

from workflow import services, store
from workflow.errors import BadInput, NotAllowed, TransitionRefused
from workflow.lifecycle import Lifecycle
from workflow.models import Meeting
from workflow.services import Answer

JUNE = date(2027, 6, 30)
MEETS = datetime(2027, 4, 20, 17, 0, tzinfo=UTC)


@pytest.fixture
def three(world: World) -> World:
    for reference in "abc":
        make_recommendation(world, reference)
    return world


def answer(world: World, lifecycle: Lifecycle, *answers: Answer) -> list[str]:
    actor = world.actor(EXECUTIVE)
    outcomes = services.respond_each(world.session, lifecycle, answers, actor, CURRENT_TIME)
    return [outcome.after for outcome in outcomes]


def test_each_recommendation_gets_its_own_response(three: World, lifecycle: Lifecycle) -> None:
    states = answer(
        three,
        lifecycle,
        Answer("CCS/09/a", "note", comment="Noted."),
        Answer("CCS/09/b", "agree", timescale=JUNE),
        Answer("CCS/09/c", "disagree", reason="Too costly."),
    )
    assert states == ["proposed", "endorsed", "closed"]


def test_one_refusal_writes_none_and_names_its_code_and_field(
    three: World, lifecycle: Lifecycle
) -> None:
    before = row_counts(three.session)
    with pytest.raises(TransitionRefused) as refused:
        agreed = Answer("CCS/09/a", "agree", timescale=JUNE)
        answer(three, lifecycle, agreed, Answer("CCS/09/b", "disagree"))
    assert (refused.value.code, refused.value.field) == ("CCS/09/b", "reason")
    assert row_counts(three.session) == before


def test_a_decision_not_in_the_table_names_its_code(three: World, lifecycle: Lifecycle) -> None:
    with pytest.raises(BadInput) as refused:
        answer(three, lifecycle, Answer("CCS/09/c", "welcome"))
    assert (refused.value.code, refused.value.field) == ("CCS/09/c", "decision")


def test_a_text_too_long_is_named_by_its_field(three: World, lifecycle: Lifecycle) -> None:
    with pytest.raises(BadInput) as refused:
        answer(three, lifecycle, Answer("CCS/09/a", "note", comment="x" * 100_000))
    assert (refused.value.code, refused.value.field) == ("CCS/09/a", "comment")
    assert str(refused.value).startswith("the comment ")


def test_no_answer_at_all_is_refused(three: World, lifecycle: Lifecycle) -> None:
    with pytest.raises(BadInput, match="at least one"):
        answer(three, lifecycle)


def test_the_sheet_parts_the_awaiting_from_the_answered(three: World, lifecycle: Lifecycle) -> None:
    answer(three, lifecycle, Answer("CCS/09/a", "note", comment="Noted."))
    sheet = services.response_sheet(three.session, lifecycle.table, REPORT, date(2027, 3, 6))
    assert [rec.code for rec in sheet.awaiting] == ["CCS/09/b", "CCS/09/c"]
    assert [rec.code for rec in sheet.answered] == ["CCS/09/a"]
    assert sheet.days_left == -2  # due on 4 March


@pytest.fixture
def meeting(world: World) -> int:
    panel = store.get_body(session=world.session, name=PANEL)
    assert panel.id is not None
    row = Meeting(body_id=panel.id, starts_at=MEETS, title="Monitoring")
    world.session.add(row)
    world.session.commit()
    assert row.id is not None
    return row.id


def test_a_meeting_reviews_what_is_due_by_its_day(
    world: World, lifecycle: Lifecycle, meeting: int
) -> None:
    make_recommendation(world, "a", "monitored", monitoring_date=date(2027, 4, 20))
    make_recommendation(world, "b", "in_progress", monitoring_date=date(2027, 7, 13))
    make_recommendation(world, "c", "closed", monitoring_date=date(2027, 4, 1))
    review = services.meeting_review(world.session, lifecycle, meeting, world.actor(CHAIR))
    [item] = review.due
    assert item.rec.code == "CCS/09/a"
    assert item.events == ("amend", "sign_off", "reopen", "withdraw")
    assert review.meeting.day == date(2027, 4, 20)


@pytest.mark.parametrize("email", [EXECUTIVE, OFFICER])
def test_only_the_bodys_chair_and_the_clerk_review_its_meetings(
    world: World, lifecycle: Lifecycle, meeting: int, email: str
) -> None:
    services.reviewed_meeting(world.session, lifecycle, meeting, world.actor(CLERK))
    with pytest.raises(NotAllowed, match="only the chair of the Value and Performance"):
        services.reviewed_meeting(world.session, lifecycle, meeting, world.actor(email))
