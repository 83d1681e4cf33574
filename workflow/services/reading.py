"""What the tracker shows: the table of recommendations and each one in full."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from config.workflow_table import OUTCOMES, WorkflowTable
from workflow import store, tracker
from workflow.errors import BadInput
from workflow.models import RELATED_MODELS, Report
from workflow.records import RAGS
from workflow.tracker import Selection
from workflow.views import detail, summary


@dataclass(frozen=True)
class RecFilters:
    """Which recommendations to list or count; an empty filter takes them all."""

    states: tuple[str, ...] = ()
    rags: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()  # key, individual
    owner: str | None = None  # an email
    report: str | None = None  # a reference
    body: str | None = None  # the name of the body that made them
    overdue: bool = False  # target date passed in an `overdue` state: not reported implemented
    rebased: bool = False  # the target moved from its baseline
    awaiting_response: bool = False  # still waiting for the executive's response

    def check(self, table: WorkflowTable) -> None:
        """Raise BadInput, naming the field, for a value the tracker cannot hold."""
        _all_known(self.states, table.states, "state")
        _all_known(self.rags, RAGS, "rag")
        _all_known(self.outcomes, sorted(OUTCOMES), "outcome")

    def select(self, session: Session, table: WorkflowTable, today: date) -> Selection:
        """The filter with its people, reports and bodies found; raise NotFound if not."""
        self.check(table)
        owner = store.get_person(session=session, email=self.owner).id if self.owner else None
        report = self.report
        report_id = store.get_report(session=session, reference=report).id if report else None
        body_id = store.get_body(session=session, name=self.body).id if self.body else None
        return Selection(
            states=self.states,
            rags=self.rags,
            outcomes=self.outcomes,
            groups=self.groups,
            owner_id=owner,
            report_id=report_id,
            body_id=body_id,
            overdue=(table.overdue, today) if self.overdue else None,
            rebased=self.rebased,
            awaiting=table.initial if self.awaiting_response else None,
        )


def _all_known(values: Sequence[str], known: Sequence[str], field: str) -> None:
    for value in values:
        if value not in known:
            raise BadInput(field, f"{value!r} is not a {field}; {field}s: {', '.join(known)}")


def list_recommendations(
    session: Session, table: WorkflowTable, today: date, filters: RecFilters = RecFilters()
) -> list[dict[str, Any]]:
    """The tracker table, as `recs list` shows it; `today` is the council's day."""
    selection = filters.select(session, table, today)
    rows = tracker.select_rows(session=session, selection=selection)
    emails = store.emails_by_id(session=session)
    responses = store.latest_responses(session=session)
    codes = store.codes_by_id(session=session, ids=[rec.parent_id for rec, _ in rows])
    return [summary(rec, ref, emails, responses.get(rec.id or 0), codes) for rec, ref in rows]


def count_recommendations(
    session: Session,
    table: WorkflowTable,
    today: date,
    by: str,
    filters: RecFilters = RecFilters(),
) -> list[tuple[str | None, int]]:
    """How many of the filtered recommendations have each value of `by`, most first."""
    if by not in tracker.COUNTABLE:
        raise BadInput("by", f"{by!r} is not one of {', '.join(tracker.COUNTABLE)}")
    selection = filters.select(session, table, today)
    return tracker.count_by(session=session, selection=selection, by=by)


def show_recommendation(session: Session, code: str) -> dict[str, Any]:
    """Everything about one recommendation, history included, as `recs show` shows it."""
    rec = store.get_recommendation(session=session, code=code)
    assert rec.id is not None
    report = session.get_one(Report, rec.report_id)
    related = {
        kind: store.related(session=session, model=model, recommendation_id=rec.id)
        for kind, model in RELATED_MODELS.items()
    }
    emails = store.emails_by_id(session=session)
    bodies = store.body_names_by_id(session=session)
    codes = store.codes_by_id(session=session, ids=[rec.parent_id])
    indicators = [row.id for row in related["indicators"]]
    readings = store.readings(session=session, indicator_ids=indicators)
    return detail(rec, report.reference, emails, bodies, related, codes, readings)
