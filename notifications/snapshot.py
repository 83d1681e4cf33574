"""Loading a planning `Snapshot`: only the rows a sweep's `Window` says can be due.

Each part is one query over an indexed range (open states by monitoring date, the
table's `overdue` states by target date, meetings by start, reports by response due
date, milestones not yet done by due date), so what a sweep reads grows with what is
due, not with the table. The owner, the body, the report and the latest progress
update of each recommendation come in the same row; bodies and their chairs, a short
table, are read once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Row, Select, desc, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from notifications.items import (
    Contact,
    DayRange,
    MeetingItem,
    MilestoneItem,
    RecItem,
    ReportItem,
    Snapshot,
    Window,
)
from notifications.planning import Rules
from workflow.models import (
    Body,
    Meeting,
    Milestone,
    Person,
    ProgressUpdate,
    Recommendation,
    Report,
)
from workflow.tracker import awaiting_response

Owner = aliased(Person)


@dataclass(frozen=True)
class _Body:
    name: str
    chair: Contact | None


def load_snapshot(session: Session, window: Window, rules: Rules) -> Snapshot:
    """Return the recommendations, meetings and reports that can be due in `window`."""
    connection = session.connection()
    bodies = _bodies(connection)
    meetings = _meetings(connection, window, rules, bodies)
    queries = _due_queries(window, rules, meetings)
    recs, awaiting = _recommendations(connection, queries, bodies)
    opened = tuple(rec for rec in recs.values() if rec.state in rules.open_states)
    return Snapshot(
        recommendations=opened,
        meetings=tuple(meetings),
        reports=_reports(awaiting, recs, bodies, window),
        milestones=_milestones(connection, window, {rec.id for rec in opened}),
    )


def _bodies(connection: Connection) -> dict[int, _Body]:
    query: Select[*tuple[Any, ...]] = select(
        col(Body.id), col(Body.name), col(Person.email), col(Person.name).label("chair")
    ).outerjoin(Person, col(Person.id) == col(Body.chair_id))
    return {
        row.id: _Body(row.name, Contact(row.email, row.chair) if row.email else None)
        for row in _rows(connection, query)
    }


def _rows(connection: Connection, query: Select[*tuple[Any, ...]]) -> list[Row[*tuple[Any, ...]]]:
    return list(connection.execute(query).all())


def _meetings(
    connection: Connection, window: Window, rules: Rules, bodies: dict[int, _Body]
) -> list[MeetingItem]:
    start, end = window.meeting_days.instants(rules.tz)
    query = (
        select(col(Meeting.id), col(Meeting.body_id), col(Meeting.starts_at), col(Meeting.title))
        .where(col(Meeting.starts_at) >= start, col(Meeting.starts_at) < end)
        .where(col(Meeting.cancelled_at).is_(None))  # a cancelled meeting has no digest
        .order_by(col(Meeting.starts_at), col(Meeting.id))
    )
    meetings = []
    for row in _rows(connection, query):
        body = bodies[row.body_id]
        meetings.append(
            MeetingItem(row.id, row.body_id, body.name, row.starts_at, row.title, body.chair)
        )
    return meetings


class Query(NamedTuple):
    """An indexed range of recommendations, and the states kept of what it finds."""

    where: ColumnElement[bool]
    states: frozenset[str]
    # The report's recommendations: keep those that await a response, not by state.
    awaiting: str | None = None  # the table's initial state


def _due_queries(window: Window, rules: Rules, meetings: Sequence[MeetingItem]) -> list[Query]:
    """The queries of what can be due; a row may match several."""
    opened = rules.open_states
    is_open = col(Recommendation.state).in_(opened)
    monitoring = col(Recommendation.monitoring_date)
    overdue = rules.overdue_states
    is_overdue = col(Recommendation.state).in_(overdue)
    queries: list[Query] = [
        Query(is_open & monitoring.between(*_ends(window.monitoring_dates)), opened),
        Query(is_overdue & (col(Recommendation.target_date) <= window.targets_until), overdue),
        # By report, not by state: a due report has a few recommendations, while
        # those awaiting a response anywhere can be many.
        Query(
            col(Recommendation.report_id).in_(_reports_due(window)),
            frozenset({rules.awaiting_response}),
            awaiting=rules.awaiting_response,
        ),
    ]
    if meetings:
        queries.append(Query(is_open & _listed_in_digests(meetings, rules), opened))
    # By milestone, not by state, as by report above.
    of_milestones = select(col(Milestone.recommendation_id)).where(_milestones_due(window))
    queries.append(Query(col(Recommendation.id).in_(of_milestones), opened))
    return queries


def _ends(days: DayRange) -> tuple[date, date]:
    return days.first, days.last


def _listed_in_digests(meetings: Sequence[MeetingItem], rules: Rules) -> ColumnElement[bool]:
    """A digest lists each open one of the meeting's body monitored by the meeting's day."""
    last_days: dict[int, date] = {}
    for meeting in meetings:
        day = meeting.starts_at.astimezone(rules.tz).date()
        last_days[meeting.body_id] = max(day, last_days.get(meeting.body_id, day))
    monitoring = col(Recommendation.monitoring_date)
    of_body = [
        (col(Report.from_body_id) == body_id) & (monitoring <= day)
        for body_id, day in last_days.items()
    ]
    return (monitoring <= max(last_days.values())) & or_(*of_body)


def _milestones_due(window: Window) -> ColumnElement[bool]:
    due_on = col(Milestone.due_on)
    return due_on.between(*_ends(window.milestone_dates)) & col(Milestone.done_on).is_(None)


_Earlier = aliased(Milestone)
# A milestone's number is its place among its recommendation's, as `milestone done` counts.
_NUMBER = (
    select(func.count())
    .where(
        col(_Earlier.recommendation_id) == col(Milestone.recommendation_id),
        col(_Earlier.id) <= col(Milestone.id),
    )
    .correlate(Milestone)
    .scalar_subquery()
)


def _milestones(
    connection: Connection, window: Window, open_ids: set[int]
) -> tuple[MilestoneItem, ...]:
    """The milestones not yet done due in the window, of the open recommendations loaded."""
    query = (
        select(
            col(Milestone.id),
            col(Milestone.recommendation_id),
            _NUMBER.label("number"),
            col(Milestone.title),
            col(Milestone.due_on),
        )
        .where(_milestones_due(window))
        .order_by(col(Milestone.due_on), col(Milestone.id))
    )
    rows = _rows(connection, query)
    return tuple(MilestoneItem(*row) for row in rows if row.recommendation_id in open_ids)


def _reports_due(window: Window) -> Select[*tuple[Any, ...]]:
    return select(col(Report.id)).where(
        col(Report.response_due_on).between(*_ends(window.response_due_dates))
    )


_Found = tuple[dict[int, RecItem], list[Row[*tuple[Any, ...]]]]


def _recommendations(
    connection: Connection, queries: Iterable[Query], bodies: dict[int, _Body]
) -> _Found:
    """Return each recommendation the queries find, once, in order of id, and the rows
    of those awaiting a response (in the same order), which `_reports` reads further.
    """
    found: dict[int, RecItem] = {}
    rows: list[Row[*tuple[Any, ...]]] = []
    owners: dict[str, Contact] = {}
    for query in queries:
        result = connection.execute(_statement(query))
        for row in chain.from_iterable(result.partitions(_BATCH)):
            ident, state = row[_ID], row[_STATE]
            if state not in query.states or (query.awaiting and not row.awaiting):
                continue
            if ident not in found:
                found[ident] = _rec_item(row, bodies, owners)
            if query.awaiting:
                rows.append(row)
    by_id = {ident: found[ident] for ident in sorted(found)}
    return by_id, sorted(rows, key=lambda row: row[_ID])


def _statement(query: Query) -> Select[*tuple[Any, ...]]:
    if query.awaiting is None:
        return _RECOMMENDATIONS.where(query.where)
    # Whether each awaits a response is a column, not a condition: in the WHERE
    # clause it would lead SQLite to read every recommendation in that state.
    awaiting = awaiting_response(query.awaiting).label("awaiting")
    return _RECOMMENDATIONS.add_columns(awaiting).where(query.where)


_ID, _STATE = 0, 3  # positions in each row of _RECOMMENDATIONS

# Rows are read in batches, each let go (but for the few awaiting) once its RecItems
# are built: row by row costs a call per row, and holding a sweep's thousands of
# rows beside their RecItems costs memory and garbage collections.
_BATCH = 100

_LATEST_UPDATE = (
    select(col(ProgressUpdate.note))
    .where(col(ProgressUpdate.recommendation_id) == col(Recommendation.id))
    .order_by(desc(col(ProgressUpdate.id)))
    .limit(1)
    .correlate(Recommendation)
    .scalar_subquery()
)

_RECOMMENDATIONS: Select[*tuple[Any, ...]] = (
    select(
        # What _rec_item takes by position: a sweep builds thousands of RecItems.
        col(Recommendation.id),
        col(Recommendation.code),
        col(Recommendation.text),
        col(Recommendation.state),
        col(Report.reference),
        col(Report.from_body_id),
        col(Owner.email).label("owner_email"),
        col(Owner.name).label("owner_name"),
        col(Recommendation.target_date),
        col(Recommendation.monitoring_date),
        col(Recommendation.original_target_date),
        col(Recommendation.rag),
        _LATEST_UPDATE.label("latest_update"),
        # What _report_item takes by name, for the few awaiting a response.
        col(Report.id).label("report_id"),
        col(Report.title),
        col(Report.to_body_id),
        col(Report.response_due_on),
    )
    .join(Report, col(Report.id) == col(Recommendation.report_id))
    .outerjoin(Owner, col(Owner.id) == col(Recommendation.owner_id))
)


def _rec_item(
    row: Row[*tuple[Any, ...]], bodies: dict[int, _Body], owners: dict[str, Contact]
) -> RecItem:
    ident, code, text, state, reference, body_id, email, name = row[:8]
    owner = None
    if email is not None:
        owner = owners.get(email) or owners.setdefault(email, Contact(email, name))
    # The target, monitoring and original target dates, the RAG and the latest update.
    return RecItem(
        ident, code, text, state, reference, body_id, bodies[body_id].name, owner, *row[8:13]
    )


def _reports(
    proposed: Sequence[Row[*tuple[Any, ...]]],
    recs: dict[int, RecItem],
    bodies: dict[int, _Body],
    window: Window,
) -> tuple[ReportItem, ...]:
    """The reports awaiting a response in the window, each with what still awaits one."""
    awaiting: dict[int, list[Row[*tuple[Any, ...]]]] = {}
    for row in proposed:
        if row.response_due_on in window.response_due_dates:
            awaiting.setdefault(row.report_id, []).append(row)
    return tuple(_report_item(rows, recs, bodies) for rows in awaiting.values())


def _report_item(
    rows: Sequence[Row[*tuple[Any, ...]]], recs: dict[int, RecItem], bodies: dict[int, _Body]
) -> ReportItem:
    first: Row[*tuple[Any, ...]] = rows[0]
    to_body = bodies[first.to_body_id]
    due_on: date = first.response_due_on
    proposed = tuple(recs[row.id] for row in rows)
    return ReportItem(
        first.report_id, first.reference, first.title, due_on, to_body.name, to_body.chair, proposed
    )
