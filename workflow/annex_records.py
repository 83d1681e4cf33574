"""What the tracker annex reads: plain records of recommendations and all around them.

Pure. The service that fills these (`workflow.services.annex`) reads the database;
`reports.annex` lays them out; neither decides what the committee is asked to do
about a recommendation, which is `proposed_action`'s alone.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import Enum

from config.workflow_table import WorkflowTable

SIGN_OFF_EVENT = "sign_off"  # the event whose sources are ready for the committee's sign-off


class Action(Enum):
    """What the committee is asked to do about a recommendation, in the annex's words."""

    SIGN_OFF = "Sign off"  # the owner reports it implemented
    CONTINUE = "Continue monitoring"  # open: work goes on
    RESPONSE_OVERDUE = "Response overdue"  # the executive's response is late
    AWAIT_RESPONSE = "Await response"  # the executive still has time
    CONCLUDE = "Conclude"  # noted: the executive made no commitment
    NONE = "None (closed)"


@dataclass(frozen=True)
class ActionRules:
    """The states each proposed action depends on, read from the workflow table."""

    initial: str
    open: frozenset[str]
    final: frozenset[str]
    sign_off: frozenset[str]

    @classmethod
    def of(cls, table: WorkflowTable) -> ActionRules:
        spec = table.event(SIGN_OFF_EVENT)
        return cls(
            table.initial,
            frozenset(table.open),
            frozenset(table.final),
            frozenset(spec.sources if spec else ()),
        )


def proposed_action(
    rules: ActionRules, state: str, responded: bool, response_due_on: date, on: date
) -> Action:
    """What the committee is asked to do on day `on` about a recommendation in `state`.

    `responded`: a response is in force (a note counts); `response_due_on`: its report's.
    """
    if state in rules.final:
        return Action.NONE
    if state in rules.sign_off:
        return Action.SIGN_OFF
    if state == rules.initial and responded:
        return Action.CONCLUDE
    if state == rules.initial:
        return Action.RESPONSE_OVERDUE if on > response_due_on else Action.AWAIT_RESPONSE
    return Action.CONTINUE


def due_at_meeting(
    open_states: Collection[str], state: str, monitoring: date | None, day: date
) -> bool:
    """Whether a meeting on `day` reviews it: open, and monitored on or before that day.

    The one statement of the rule: the chair's agenda, `annex --meeting` and the
    meeting's page all go by it."""
    return state in open_states and monitoring is not None and monitoring <= day


@dataclass(frozen=True)
class ReportRecord:
    reference: str
    title: str
    from_body: str
    to_body: str
    submitted_on: date
    response_due_on: date


@dataclass(frozen=True)
class ResponseRecord:
    decision: str  # the event that recorded it: agree, agree_in_part, disagree, note
    on: date  # the day it was decided
    timescale: date | None
    comment: str | None
    by: str | None  # a name


@dataclass(frozen=True)
class Rebasing:
    """A target date moved by an amendment: endorsed by a body on a day."""

    endorsed_by: str
    endorsed_on: date
    old: date | None
    new: date | None


@dataclass(frozen=True)
class UpdateRecord:
    on: date
    note: str
    rag: str | None
    by: str | None


@dataclass(frozen=True)
class MilestoneRecord:
    title: str
    due_on: date | None
    done_on: date | None


@dataclass(frozen=True)
class IndicatorRecord:
    kind: str  # cost, saving or outcome
    name: str
    unit: str | None
    baseline: float | None
    target: float | None
    actual: float | None  # the latest reading
    actual_on: date | None  # the day it was measured


@dataclass(frozen=True)
class RecRecord:
    """One recommendation as the annex shows it; people by name."""

    code: str
    report: str  # its report's reference
    group: str | None
    text: str
    state: str
    outcome: str | None
    rag: str | None
    owner: str | None
    lead_member: str | None
    original_target: date | None
    target: date | None
    monitoring_date: date | None
    response: ResponseRecord | None
    rebasings: tuple[Rebasing, ...]
    latest_update: UpdateRecord | None
    milestones: tuple[MilestoneRecord, ...]
    indicators: tuple[IndicatorRecord, ...]
    action: Action | None  # None only where a public paper hides it
    exempt: bool = False
    exempt_reason: str | None = None
    redacted: bool = False  # a public paper's view of an exempt one: all else is left out


@dataclass(frozen=True)
class AnnexRecords:
    """Everything one annex shows: its reports, their recommendations, and its day."""

    reports: tuple[ReportRecord, ...]
    recommendations: tuple[RecRecord, ...]  # in report order, then as made
    on: date  # the day it is the view of: the meeting's, or today
    meeting: date | None = None  # set when it is what is due at a meeting
    body: str | None = None
