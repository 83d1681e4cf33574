"""The proposed action, and what a meeting reviews: pure rules of the workflow's states."""

from __future__ import annotations

from datetime import date

import pytest

from config import load_workflow_table
from workflow.annex_records import Action, ActionRules, due_at_meeting, proposed_action

RULES = ActionRules.of(load_workflow_table())
DUE, BEFORE, AFTER = date(2027, 3, 4), date(2027, 3, 4), date(2027, 3, 5)


@pytest.mark.parametrize(
    ("state", "responded", "on", "action"),
    [
        ("monitored", True, BEFORE, Action.SIGN_OFF),
        ("in_progress", True, AFTER, Action.CONTINUE),
        ("endorsed", True, AFTER, Action.CONTINUE),
        ("amended", True, AFTER, Action.CONTINUE),
        ("proposed", False, BEFORE, Action.AWAIT_RESPONSE),
        ("proposed", False, AFTER, Action.RESPONSE_OVERDUE),
        ("proposed", True, AFTER, Action.CONCLUDE),
        ("closed", True, AFTER, Action.NONE),
    ],
)
def test_the_proposed_action_follows_the_state(
    state: str, responded: bool, on: date, action: Action
) -> None:
    assert proposed_action(RULES, state, responded, DUE, on) is action


@pytest.mark.parametrize(
    ("state", "monitoring", "due"),
    [
        ("in_progress", date(2027, 4, 20), True),
        ("monitored", date(2027, 4, 1), True),
        ("in_progress", date(2027, 4, 21), False),
        ("in_progress", None, False),
        ("proposed", date(2027, 4, 1), False),
        ("closed", date(2027, 4, 1), False),
    ],
)
def test_a_meeting_reviews_the_open_ones_monitored_by_its_day(
    state: str, monitoring: date | None, due: bool
) -> None:
    assert due_at_meeting(RULES.open, state, monitoring, date(2027, 4, 20)) is due
