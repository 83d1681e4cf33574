"""What the tracker shows: the table of recommendations and each one in full."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from config.workflow_table import WorkflowTable
from workflow import store
from workflow.errors import BadInput
from workflow.models import RELATED_MODELS, Report
from workflow.views import detail, summary


@dataclass(frozen=True)
class RecFilters:
    """Which recommendations to list; an empty filter lists all."""

    states: tuple[str, ...] = ()
    owner: str | None = None  # an email
    report: str | None = None  # a reference

    def check(self, table: WorkflowTable) -> None:
        """Raise BadInput for a state the workflow table does not have."""
        for state in self.states:
            if state not in table.states:
                states = ", ".join(table.states)
                raise BadInput("state", f"{state!r} is not a state; states: {states}")


def list_recommendations(
    session: Session, table: WorkflowTable, filters: RecFilters = RecFilters()
) -> list[dict[str, Any]]:
    """The tracker table, as `recs list` shows it."""
    filters.check(table)
    owner_id = store.get_person(session=session, email=filters.owner).id if filters.owner else None
    report = filters.report
    report_id = store.get_report(session=session, reference=report).id if report else None
    rows = store.list_recommendations(
        session=session, states=filters.states, owner_id=owner_id, report_id=report_id
    )
    emails = store.emails_by_id(session=session)
    responses = store.latest_responses(session=session)
    return [summary(rec, ref, emails, responses.get(rec.id or 0)) for rec, ref in rows]


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
    return detail(rec, report.reference, emails, bodies, related)
