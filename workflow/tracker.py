"""Finding recommendations: the tracker's filters as SQL, and counts by one field.

Every function takes a keyword-only session and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from workflow.models import Person, Recommendation, Report, Response

_Owner = aliased(Person)

# What `recs count --by` may count by, and the column it reads.
COUNTABLE: dict[str, Any] = {
    "state": col(Recommendation.state),
    "rag": col(Recommendation.rag),
    "outcome": col(Recommendation.closure_outcome),
    "group": col(Recommendation.group_name),
    "owner": col(_Owner.email),
    "report": col(Report.reference),
}


@dataclass(frozen=True)
class Selection:
    """Which recommendations, resolved to what the database holds; empty selects all."""

    states: tuple[str, ...] = ()
    rags: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    owner_id: int | None = None
    report_id: int | None = None
    body_id: int | None = None  # the body that made them
    # (the table's overdue states, today): in one of them with the target passed
    overdue: tuple[tuple[str, ...], date] | None = None
    rebased: bool = False  # target moved from its baseline
    awaiting: str | None = None  # the initial state: in it with no response yet


def conditions(selection: Selection) -> list[ColumnElement[bool]]:
    """The WHERE clauses of `selection`, on recommendation (joined to its report for a body)."""
    rec, where = Recommendation, list[ColumnElement[bool]]()
    pairs = [
        (selection.states, col(rec.state)),
        (selection.rags, col(rec.rag)),
        (selection.outcomes, col(rec.closure_outcome)),
        (selection.groups, col(rec.group_name)),
    ]
    where += [column.in_(values) for values, column in pairs if values]
    ids = [
        (selection.owner_id, col(rec.owner_id)),
        (selection.report_id, col(rec.report_id)),
        (selection.body_id, col(Report.from_body_id)),
    ]
    where += [column == value for value, column in ids if value is not None]
    return where + _derived(selection)


def _derived(selection: Selection) -> list[ColumnElement[bool]]:
    where = list[ColumnElement[bool]]()
    if selection.overdue is not None:
        where.append(overdue(*selection.overdue))
    if selection.rebased:
        where.append(rebased())
    if selection.awaiting is not None:
        where.append(awaiting_response(selection.awaiting))
    return where


def awaiting_response(initial: str) -> ColumnElement[bool]:
    """Whether a recommendation still awaits the executive's response, as SQL.

    It does while it is in the table's `initial` state with no response in force. A
    `note` is a response that leaves it there, so a noted one awaits nothing; an
    undone response is no longer in force. The tracker's `--awaiting-response` and
    the response-due and response-overdue notices both go by this.
    """
    rec = Recommendation
    in_force = exists().where(col(Response.recommendation_id) == col(rec.id), ~col(Response.undone))
    return and_(col(rec.state) == initial, ~in_force)


def overdue(open_states: tuple[str, ...], today: date) -> ColumnElement[bool]:
    """Open, with the target date passed."""
    rec = Recommendation
    return and_(col(rec.state).in_(open_states), col(rec.target_date) < today)


def rebased() -> ColumnElement[bool]:
    """The target moved from its baseline (to another day, or to none)."""
    target, baseline = col(Recommendation.target_date), col(Recommendation.original_target_date)
    return and_(baseline.is_not(None), or_(target.is_(None), target != baseline))


def select_rows(*, session: Session, selection: Selection) -> list[tuple[Recommendation, str]]:
    """Return the selected recommendations with their report reference, in report order."""
    query = select(Recommendation, Report.reference).join(Report)
    query = query.where(*conditions(selection))
    query = query.order_by(col(Report.reference), col(Recommendation.id))
    return [(rec, ref) for rec, ref in session.exec(query)]


def count_by(*, session: Session, selection: Selection, by: str) -> list[tuple[str | None, int]]:
    """Return how many of the selected recommendations have each value of `by`."""
    column = COUNTABLE[by]
    query = select(column, func.count()).select_from(Recommendation)
    # A join is a lookup for every recommendation counted: join only what the count reads.
    if by == "report" or selection.body_id is not None:
        query = query.join(Report, col(Report.id) == col(Recommendation.report_id))
    if by == "owner":
        query = query.outerjoin(_Owner, col(_Owner.id) == col(Recommendation.owner_id))
    query = query.where(*conditions(selection)).group_by(column)
    query = query.order_by(func.count().desc(), column)
    return [(value, count) for value, count in session.exec(query)]
