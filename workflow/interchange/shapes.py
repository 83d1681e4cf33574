"""The interchange document, record by record, as JSON shapes.

Each shape is split in two: the keys a record must have, and (total=False) the keys
it may have. `KEYS` and `REQUIRED` are read off these classes, so the shapes are the
one statement of what an import accepts and an export writes.
"""

from __future__ import annotations

from typing import Any, TypedDict


class _Person(TypedDict):
    name: str
    email: str


class PersonDoc(_Person, total=False):
    roles: list[str]


class _Body(TypedDict):
    name: str
    kind: str


class BodyDoc(_Body, total=False):
    chair: str | None


class _Meeting(TypedDict):
    body: str
    starts_at: str


class MeetingDoc(_Meeting, total=False):
    title: str
    cancelled_at: str  # only when it was cancelled


class _Report(TypedDict):
    reference: str
    title: str
    from_body: str
    to_body: str
    submitted_on: str


class ReportDoc(_Report, total=False):
    response_due_on: str | None


class _Response(TypedDict):
    decision: str
    at: str


class ResponseDoc(_Response, total=False):
    effective_on: str
    undone: bool  # only when true: its event was undone
    timescale: str | None
    comment: str | None
    by: str | None


class _Update(TypedDict):
    note: str
    at: str


class UpdateDoc(_Update, total=False):
    effective_on: str
    undone: bool
    rag: str | None
    by: str | None


class _Amendment(TypedDict):
    reason: str
    endorsed_by: str
    endorsed_on: str
    at: str


class AmendmentDoc(_Amendment, total=False):
    undone: bool
    changes: dict[str, list[Any]]
    by: str | None


class _Milestone(TypedDict):
    title: str


class MilestoneDoc(_Milestone, total=False):
    due_on: str | None
    done_on: str | None


class _Indicator(TypedDict):
    kind: str
    name: str


class IndicatorDoc(_Indicator, total=False):
    unit: str | None
    baseline: float | None
    target: float | None
    actual: float | None
    readings: list[ReadingDoc]  # only when there are any


class _Reading(TypedDict):
    value: float
    on: str
    at: str


class ReadingDoc(_Reading, total=False):
    by: str | None


class _HistoryLine(TypedDict):
    event: str
    to_state: str
    at: str


class HistoryLineDoc(_HistoryLine, total=False):
    effective_on: str
    from_state: str | None
    actor: str | None
    note: str | None
    data: dict[str, Any]


class _Recommendation(TypedDict):
    report: str
    reference: str
    text: str


class RecommendationDoc(_Recommendation, total=False):
    code: str | None
    priority: str | None
    group: str | None  # key, individual
    parent: str | None  # the code of the recommendation it comes under
    owner: str | None
    lead_member: str | None
    state: str
    target_date: str | None
    original_target_date: str | None
    monitoring_date: str | None
    rag: str | None
    closure_outcome: str | None
    exempt: bool  # Schedule 12A information, kept out of public papers
    exempt_reason: str | None  # the paragraph of Schedule 12A; given when, and only when, exempt
    responses: list[ResponseDoc]
    updates: list[UpdateDoc]
    amendments: list[AmendmentDoc]
    milestones: list[MilestoneDoc]
    indicators: list[IndicatorDoc]
    history: list[HistoryLineDoc]


class _Audit(TypedDict):
    record: str  # person, body, meeting or report
    key: str
    action: str
    at: str


class AuditDoc(_Audit, total=False):
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    by: str | None


class Document(TypedDict, total=False):
    people: list[PersonDoc]
    bodies: list[BodyDoc]
    meetings: list[MeetingDoc]
    reports: list[ReportDoc]
    recommendations: list[RecommendationDoc]
    audit: list[AuditDoc]  # every change to the directory, reports, milestones, indicators
    notices: list[dict[str, Any]]  # what was sent: the notification service reads this part


def _keys(shape: Any) -> frozenset[str]:
    return frozenset(shape.__required_keys__ | shape.__optional_keys__)


SHAPES: dict[str, Any] = {
    "document": Document,
    "person": PersonDoc,
    "body": BodyDoc,
    "meeting": MeetingDoc,
    "report": ReportDoc,
    "recommendation": RecommendationDoc,
    "response": ResponseDoc,
    "update": UpdateDoc,
    "amendment": AmendmentDoc,
    "milestone": MilestoneDoc,
    "indicator": IndicatorDoc,
    "reading": ReadingDoc,
    "history": HistoryLineDoc,
    "audit": AuditDoc,
}
KEYS: dict[str, frozenset[str]] = {name: _keys(shape) for name, shape in SHAPES.items()}
REQUIRED: dict[str, frozenset[str]] = {
    name: frozenset(shape.__required_keys__) for name, shape in SHAPES.items()
}

FORMATS = ("json", "csv")  # the files import reads and export writes
