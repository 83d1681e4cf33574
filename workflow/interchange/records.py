"""Validated records: compact frozen tuples, references still by email, name or reference.

Validation turns a document into these; loading resolves the references to ids with
maps built once and writes them. Tuples keep 100,000 recommendations small and fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from workflow.records import RELATED


class PersonRecord(NamedTuple):
    name: str
    email: str  # lower-cased
    roles: tuple[str, ...]


class BodyRecord(NamedTuple):
    name: str
    kind: str
    chair: str | None


class MeetingRecord(NamedTuple):
    body: str
    starts_at: datetime
    title: str
    cancelled_at: datetime | None = None


class AuditRecord(NamedTuple):
    """One change to a person, body, meeting or report, as the audit keeps it."""

    record: str
    key: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    by: str | None
    at: datetime


class ReportRecord(NamedTuple):
    reference: str
    title: str
    from_body: str
    to_body: str
    submitted_on: date
    response_due_on: date


class ResponseRecord(NamedTuple):
    decision: str
    timescale: date | None
    comment: str | None
    by: str | None
    at: datetime
    effective_on: date
    undone: bool = False  # its event was undone


class UpdateRecord(NamedTuple):
    note: str
    rag: str | None
    by: str | None
    at: datetime
    effective_on: date
    undone: bool = False


class AmendmentRecord(NamedTuple):
    reason: str
    endorsed_by: str
    endorsed_on: date
    changes: dict[str, Any]
    by: str | None
    at: datetime
    undone: bool = False


class MilestoneRecord(NamedTuple):
    title: str
    due_on: date | None
    done_on: date | None


class IndicatorRecord(NamedTuple):
    kind: str
    name: str
    unit: str | None
    baseline: float | None
    target: float | None
    actual: float | None
    readings: tuple[ReadingRecord, ...] = ()  # the dated series; `actual` is its latest


class ReadingRecord(NamedTuple):
    value: float
    on: date
    by: str | None
    at: datetime


class HistoryRecord(NamedTuple):
    event: str
    from_state: str | None
    to_state: str
    actor: str | None
    at: datetime
    effective_on: date
    note: str | None
    data: dict[str, Any]


class Related(NamedTuple):
    """What a recommendation carries beside its own fields; absent on most imports."""

    responses: tuple[ResponseRecord, ...]
    updates: tuple[UpdateRecord, ...]
    amendments: tuple[AmendmentRecord, ...]
    milestones: tuple[MilestoneRecord, ...]
    indicators: tuple[IndicatorRecord, ...]
    history: tuple[HistoryRecord, ...]


assert Related._fields == RELATED  # one order of the related kinds, everywhere


class RecommendationRecord(NamedTuple):
    report: str
    reference: str
    code: str
    text: str
    priority: str | None
    owner: str | None
    lead_member: str | None
    state: str
    target_date: date | None
    original_target_date: date | None
    monitoring_date: date | None
    rag: str | None
    closure_outcome: str | None
    group: str | None
    parent: str | None  # the code of the (key) recommendation it comes under
    exempt: bool
    exempt_reason: str | None
    related: Related | None


@dataclass(frozen=True)
class Known:
    """What the database already holds, for references and for duplicates."""

    emails: frozenset[str] = frozenset()
    bodies: frozenset[str] = frozenset()
    reports: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()
    references: frozenset[tuple[str, str]] = frozenset()  # (report reference, reference)


@dataclass(frozen=True)
class Validated:
    """A whole document that passed every check, ready to write."""

    people: tuple[PersonRecord, ...]
    bodies: tuple[BodyRecord, ...]
    meetings: tuple[MeetingRecord, ...]
    reports: tuple[ReportRecord, ...]
    recommendations: tuple[RecommendationRecord, ...]
    audit: tuple[AuditRecord, ...] = ()


@dataclass(frozen=True)
class ImportSummary:
    """How many records of each kind an import wrote (or, dry, would write)."""

    people: int = 0
    bodies: int = 0
    meetings: int = 0
    reports: int = 0
    recommendations: int = 0
    responses: int = 0
    updates: int = 0
    amendments: int = 0
    milestones: int = 0
    indicators: int = 0
    history: int = 0  # lines given in the document, not the one added to each without any
    audit: int = 0  # rows of the directory's audit
    notices: int = 0  # what the notification service had sent (its part of the document)

    @classmethod
    def of(cls, validated: Validated) -> ImportSummary:
        related = [rec.related for rec in validated.recommendations if rec.related]
        carried = {key: sum(len(getattr(r, key)) for r in related) for key in Related._fields}
        return cls(
            people=len(validated.people),
            bodies=len(validated.bodies),
            meetings=len(validated.meetings),
            reports=len(validated.reports),
            recommendations=len(validated.recommendations),
            audit=len(validated.audit),
            **carried,
        )

    def counts(self) -> dict[str, int]:
        return dict(vars(self))
