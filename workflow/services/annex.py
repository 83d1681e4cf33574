"""The tracker annex's records: the recommendations it shows, with all around them.

One query per kind of record, over the recommendations chosen, so an annex of a
thousand costs a handful of queries. Only what is in force is shown: a response,
amendment or update whose event was undone is left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from sqlmodel import Session, col, select

from config.workflow_table import WorkflowTable
from workflow import store
from workflow.annex_records import (
    ActionRules,
    AnnexRecords,
    IndicatorRecord,
    MilestoneRecord,
    Rebasing,
    RecRecord,
    ReportRecord,
    ResponseRecord,
    UpdateRecord,
    due_at_meeting,
    proposed_action,
)
from workflow.models import (
    Amendment,
    Indicator,
    Milestone,
    Person,
    ProgressUpdate,
    Recommendation,
    Report,
    Response,
)
from workflow.views import rebased

_CHUNK = 1_000  # ids per IN (...) list: within every database's limit on parameters


@dataclass(frozen=True)
class AnnexChoice:
    """Which recommendations an annex shows; empty shows every one."""

    body: str | None = None  # the body that made them
    reports: tuple[str, ...] = ()  # references
    meeting: date | None = None  # only what is due at a meeting on this day
    codes: frozenset[str] | None = None  # only these (the tracker's filters chose them)


def annex_records(
    session: Session, table: WorkflowTable, today: date, choice: AnnexChoice = AnnexChoice()
) -> AnnexRecords:
    """The annex's records as of `today` (the council's day), or of the meeting's day."""
    rules = ActionRules.of(table)
    on = choice.meeting or today
    rows = _chosen(session, choice)
    if choice.meeting is not None:
        rows = [
            (r, p) for r, p in rows if due_at_meeting(rules.open, r.state, r.monitoring_date, on)
        ]
    found = _Related.read(session, [rec.id for rec, _ in rows if rec.id is not None])
    recs = tuple(found.record(rec, report, rules, on) for rec, report in rows)
    reports = {report.reference: report_record(report, found.bodies) for _, report in rows}
    return AnnexRecords(tuple(reports.values()), recs, on, choice.meeting, choice.body)


def _chosen(session: Session, choice: AnnexChoice) -> list[tuple[Recommendation, Report]]:
    """The chosen recommendations with their reports, in report order, then as made."""
    query = select(Recommendation, Report).join(Report)
    if choice.body is not None:
        body = store.get_body(session=session, name=choice.body)
        query = query.where(col(Report.from_body_id) == body.id)
    if choice.reports:
        ids = [store.get_report(session=session, reference=ref).id for ref in choice.reports]
        query = query.where(col(Report.id).in_(ids))
    query = query.order_by(col(Report.reference), col(Recommendation.id))
    rows = session.exec(query)
    return [(rec, rep) for rec, rep in rows if choice.codes is None or rec.code in choice.codes]


def report_record(row: Report, bodies: dict[int, str]) -> ReportRecord:
    """A report as the papers and the response form show it: its bodies by name."""
    return ReportRecord(
        row.reference,
        row.title,
        bodies[row.from_body_id],
        bodies[row.to_body_id],
        row.submitted_on,
        row.response_due_on,
    )


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk


def _rows_of(session: Session, model: Any, ids: Sequence[int]) -> dict[int, list[Any]]:
    """Each recommendation's rows of `model` in force, oldest first, by its id."""
    found: defaultdict[int, list[Any]] = defaultdict(list)
    for chunk in _chunks(ids):
        query = select(model).where(col(model.recommendation_id).in_(chunk))
        if hasattr(model, "undone"):
            query = query.where(~col(model.undone))
        for row in session.exec(query.order_by(col(model.id))):
            found[row.recommendation_id].append(row)
    return found


@dataclass(frozen=True)
class _Related:
    """What the chosen recommendations carry, read once for all of them."""

    names: dict[int, str]
    bodies: dict[int, str]
    responses: dict[int, list[Response]]
    amendments: dict[int, list[Amendment]]
    updates: dict[int, list[ProgressUpdate]]
    milestones: dict[int, list[Milestone]]
    indicators: dict[int, list[Indicator]]
    measured: dict[int, date]  # each indicator's latest reading's day, by indicator id

    @classmethod
    def read(cls, session: Session, ids: Sequence[int]) -> _Related:
        indicators = _rows_of(session, Indicator, ids)
        wanted = [row.id for rows in indicators.values() for row in rows]
        readings = store.readings(session=session, indicator_ids=wanted)
        return cls(
            {pid: name for pid, name in session.exec(select(Person.id, Person.name)) if pid},
            store.body_names_by_id(session=session),
            _rows_of(session, Response, ids),
            _rows_of(session, Amendment, ids),
            _rows_of(session, ProgressUpdate, ids),
            _rows_of(session, Milestone, ids),
            indicators,
            {ident: series[-1].on for ident, series in readings.items() if series},
        )

    def name(self, person_id: int | None) -> str | None:
        return self.names.get(person_id) if person_id is not None else None

    def record(
        self, rec: Recommendation, report: Report, rules: ActionRules, on: date
    ) -> RecRecord:
        ident = rec.id or 0
        response = self._response(ident)
        return RecRecord(
            code=rec.code,
            report=report.reference,
            group=rec.group_name,
            text=rec.text,
            state=rec.state,
            outcome=rec.closure_outcome,
            rag=rec.rag,
            owner=self.name(rec.owner_id),
            lead_member=self.name(rec.lead_member_id),
            original_target=rec.original_target_date,
            target=rec.target_date,
            monitoring_date=rec.monitoring_date,
            response=response,
            rebasings=self._rebasings(ident),
            latest_update=self._latest_update(ident),
            milestones=tuple(
                MilestoneRecord(m.title, m.due_on, m.done_on) for m in self.milestones[ident]
            ),
            indicators=tuple(self._indicator(row) for row in self.indicators[ident]),
            action=proposed_action(
                rules, rec.state, response is not None, report.response_due_on, on
            ),
            exempt=rec.exempt,
            exempt_reason=rec.exempt_reason,
        )

    def _response(self, ident: int) -> ResponseRecord | None:
        rows = self.responses[ident]
        if not rows:
            return None
        row = rows[-1]
        return ResponseRecord(
            row.decision, row.effective_on, row.timescale, row.comment, self.name(row.by_id)
        )

    def _rebasings(self, ident: int) -> tuple[Rebasing, ...]:
        return tuple(
            Rebasing(
                self.bodies.get(row.endorsed_by_id, "?"),
                row.endorsed_on,
                *(_day(value) for value in row.changes["target_date"]),
            )
            for row in self.amendments[ident]
            if rebased(row)
        )

    def _latest_update(self, ident: int) -> UpdateRecord | None:
        rows = self.updates[ident]
        if not rows:
            return None
        row = max(rows, key=lambda u: (u.effective_on, u.id or 0))
        return UpdateRecord(row.effective_on, row.note, row.rag, self.name(row.by_id))

    def _indicator(self, row: Indicator) -> IndicatorRecord:
        measured = self.measured.get(row.id or 0)
        return IndicatorRecord(
            row.kind, row.name, row.unit, row.baseline, row.target, row.actual, measured
        )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
