"""The annual report's figures, counted by the database in one aggregate query.

Only the two medians need the days themselves, and they read just the rows they
are about. The rules of each figure are stated once, as SQL conditions, here and
in `workflow.tracker` (re-based, overdue).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, not_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from config.workflow_table import WorkflowTable
from workflow import store, tracker
from workflow.errors import BadInput
from workflow.models import Event, Recommendation, Report, Response
from workflow.papers import IMPLEMENTED, PARTLY_IMPLEMENTED, ImpactFigures
from workflow.records import UNDO  # its lines undo a change; they are not one
from workflow.services.decisions import RESPONSE_EFFECT
from workflow.tracker import Selection

Query = Select[*tuple[Any, ...]]
_Latest = aliased(Response)  # the response in force: the latest not undone
_Closing = aliased(Event)  # the line that closed it
_Reported = aliased(Event)  # the latest line that brought it to the state signed off from


def impact_figures(
    session: Session,
    table: WorkflowTable,
    today: date,
    *,
    start: date | None = None,
    end: date | None = None,
    body: str | None = None,
) -> ImpactFigures:
    """The figures for the recommendations of the reports submitted from `start` to `end`
    (inclusive, either open), made by `body` if given; "open" and "overdue" as of `today`.
    """
    if start and end and start > end:
        raise BadInput("from", f"the period starts on {start}, after it ends on {end}")
    body_id = store.get_body(session=session, name=body).id if body else None
    cohort, connection = _cohort(start, end, body_id), session.connection()
    decisions = [spec.name for spec in table.events_with_effect(RESPONSE_EFFECT)]
    counts = connection.execute(_counts(table, today, decisions).where(*cohort)).one()._asdict()
    return ImpactFigures(
        start=start,
        end=end,
        body=body,
        today=today,
        decisions=tuple((name, counts.pop(f"decision_{i}")) for i, name in enumerate(decisions)),
        median_days_to_sign_off=_median(connection.execute(_sign_off_days(table).where(*cohort))),
        median_slippage_days=_median(connection.execute(_slippage().where(*cohort))),
        **counts,
    )


def _cohort(start: date | None, end: date | None, body_id: int | None) -> list[Any]:
    where = tracker.conditions(Selection(body_id=body_id))
    if start is not None:
        where.append(col(Report.submitted_on) >= start)
    if end is not None:
        where.append(col(Report.submitted_on) <= end)
    return where


def _counts(table: WorkflowTable, today: date, decisions: Sequence[str]) -> Query:
    rec = Recommendation
    implemented = col(rec.closure_outcome).in_(IMPLEMENTED)
    done_on = func.coalesce(col(_Reported.effective_on), col(_Closing.effective_on))
    original = col(rec.original_target_date)
    figures = {
        "made": func.count(),
        "responded": _count(col(_Latest.id).is_not(None)),
        "responded_in_time": _count(_responded_in_time()),
        **{
            f"decision_{i}": _count(col(_Latest.decision) == name)
            for i, name in enumerate(decisions)
        },
        "implemented": _count(implemented),
        "implemented_in_part": _count(col(rec.closure_outcome) == PARTLY_IMPLEMENTED),
        "by_original_target": _count(and_(implemented, done_on <= original)),
        "after_rebasing": _count(and_(implemented, done_on > original, tracker.rebased())),
        "rebased": _count(tracker.rebased()),
        "open": _count(col(rec.state).in_(table.open)),
        "overdue": _count(tracker.overdue(table.overdue, today)),
    }
    return _joined(select(*(value.label(name) for name, value in figures.items())), table)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


def _responded_in_time() -> ColumnElement[bool]:
    """A response in force dated on or before the report's response due date."""
    return exists().where(
        col(Response.recommendation_id) == col(Recommendation.id),
        not_(col(Response.undone)),
        col(Response.effective_on) <= col(Report.response_due_on),
    )


def _joined(query: Query, table: WorkflowTable) -> Query:
    """`query` over each recommendation with its report, response in force, and the
    history lines that closed it and brought it to be signed off.

    Each is found by a correlated max(id) on the recommendation's index, so a period
    reads only its own recommendations' rows.
    """
    reported = _reported_states(table)
    arrived = col(Event.to_state).in_(reported) & col(Event.from_state).not_in(reported)
    response = _latest(col(Response.id), col(Response.recommendation_id), ~col(Response.undone))
    closing = _latest_line(col(Event.to_state).in_(table.final))
    return (
        query.select_from(Recommendation)
        .join(Report, col(Report.id) == col(Recommendation.report_id))
        .outerjoin(_Latest, col(_Latest.id) == response)
        .outerjoin(_Closing, col(_Closing.id) == closing)
        .outerjoin(_Reported, col(_Reported.id) == _latest_line(arrived))
    )


def _latest(row_id: Any, rec_id: Any, *where: ColumnElement[bool]) -> Any:
    """The id of the latest row of the recommendation that meets `where`."""
    query = select(func.max(row_id)).where(rec_id == col(Recommendation.id), *where)
    return query.correlate(Recommendation).scalar_subquery()


def _latest_line(condition: ColumnElement[bool]) -> Any:
    """The latest history line of the recommendation that meets `condition`: a change
    (not its arrival, which has no state before, nor an undo line)."""
    change = col(Event.from_state).is_not(None) & (col(Event.event) != UNDO)
    return _latest(col(Event.id), col(Event.recommendation_id), change, condition)


def _reported_states(table: WorkflowTable) -> list[str]:
    """The states a recommendation is signed off as implemented from (`monitored`)."""
    return sorted(
        {
            state
            for spec in table.events
            if set(spec.outcomes) & set(IMPLEMENTED)
            for state in spec.sources
        }
    )


def _sign_off_days(table: WorkflowTable) -> Query:
    implemented = col(Recommendation.closure_outcome).in_(IMPLEMENTED)
    query = select(col(_Latest.effective_on), col(_Closing.effective_on))
    return _joined(query, table).where(implemented, col(_Closing.id).is_not(None))


def _slippage() -> Query:
    rec = Recommendation
    query = select(col(rec.original_target_date), col(rec.target_date))
    query = query.select_from(rec).join(Report, col(Report.id) == col(rec.report_id))
    return query.where(tracker.rebased(), col(rec.target_date).is_not(None))


def _median(pairs: Any) -> float | None:
    """The median of the days from the first to the second of each pair that has both."""
    days = [(later - earlier).days for earlier, later in pairs if earlier and later]
    return float(median(days)) if days else None
