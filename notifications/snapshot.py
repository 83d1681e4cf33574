"""Loading a planning `Snapshot`: only the rows a sweep's `Window` says can be due.

Each part is one query over an indexed range (open states by monitoring date, the
table's `overdue` states by target date, meetings by start, reports by response due
date, milestones not yet done by due date), so what a sweep reads grows with what is
due, not with the table. The owner, the body, the report and the latest
progress update of each recommendation come in the same row; bodies and their chairs,
a short table, are read once.

The chairs' agendas (`AgendaRecords`) are read only for the bodies meeting in the
window: their previous meetings, their recommendations still proposed, and what
was amended, turned red or closed since, each by the day it happened.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    desc,
    false,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from notifications.items import (
    ONE_DAY,
    AgendaRecords,
    Contact,
    DayRange,
    Happened,
    Happening,
    MeetingItem,
    MilestoneItem,
    NotedItem,
    RecItem,
    ReportItem,
    Snapshot,
    Window,
)
from notifications.planning import Rules
from workflow.clock import local_day
from workflow.models import (
    Amendment,
    Body,
    Event,
    Meeting,
    Milestone,
    Person,
    ProgressUpdate,
    Recommendation,
    Report,
    Response,
)
from workflow.records import RED, UNDO
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
        agenda=_agenda_records(connection, meetings, rules, bodies),
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


# The chairs' agendas: what a digest lists beside what is due, for the bodies meeting
# in the window only. Each part is one query bounded by those bodies' reports, or by
# the days since their previous meetings through an index on the day.


def _agenda_records(
    connection: Connection, meetings: Sequence[MeetingItem], rules: Rules, bodies: dict[int, _Body]
) -> AgendaRecords:
    if not meetings:
        return AgendaRecords()
    previous = _previous_meetings(connection, meetings, rules)
    first_reports = _first_reports(connection, {meeting.body_id for meeting in meetings})
    periods = _periods(meetings, rules, previous, first_reports)
    noted, overdue = _proposed_of(connection, periods, rules, bodies)
    happenings = _in_periods(
        chain(
            _rebased(connection, periods, bodies),
            _turned_red(connection, periods, bodies),
            _closed(connection, periods, rules, bodies),
        ),
        periods,
    )
    return AgendaRecords(previous, first_reports, noted, overdue, tuple(happenings))


def _previous_meetings(
    connection: Connection, meetings: Sequence[MeetingItem], rules: Rules
) -> dict[int, date]:
    """The local day of each meeting's previous one of its body, not cancelled, by meeting id."""
    earlier = aliased(Meeting)
    latest_before = (
        select(func.max(col(earlier.starts_at)))
        .where(
            col(earlier.body_id) == col(Meeting.body_id),
            col(earlier.starts_at) < col(Meeting.starts_at),
            col(earlier.cancelled_at).is_(None),
        )
        .correlate(Meeting)
        .scalar_subquery()
    )
    query = select(col(Meeting.id), latest_before.label("previous")).where(
        col(Meeting.id).in_([meeting.id for meeting in meetings])
    )
    return {
        row.id: _as_utc(row.previous).astimezone(rules.tz).date()
        for row in _rows(connection, query)
        if row.previous is not None
    }


def _as_utc(at: datetime) -> datetime:
    """An instant read back through an aggregate, which SQLite returns without its zone."""
    # The column's type is lost in max(): SQLite gives the stored UTC text back naive.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _first_reports(connection: Connection, body_ids: Iterable[int]) -> dict[int, date]:
    query = (
        select(col(Report.from_body_id), func.min(col(Report.submitted_on)).label("first"))
        .where(col(Report.from_body_id).in_(sorted(body_ids)))
        .group_by(col(Report.from_body_id))
    )
    return {row.from_body_id: _as_date(row.first) for row in _rows(connection, query)}


def _as_date(day: date | str) -> date:
    return day if isinstance(day, date) else date.fromisoformat(day)


@dataclass(frozen=True)
class _Period:
    """The days of one body's agendas: since its earliest (first, included) to its last meeting."""

    body_id: int
    first: date | None  # None: the body has no report, so nothing happened to count
    last: date


def _periods(
    meetings: Sequence[MeetingItem],
    rules: Rules,
    previous: dict[int, date],
    first_reports: dict[int, date],
) -> list[_Period]:
    spans: dict[int, tuple[date | None, date]] = {}
    for meeting in meetings:
        day, before = local_day(meeting.starts_at, rules.tz), previous.get(meeting.id)
        first = before + ONE_DAY if before else first_reports.get(meeting.body_id)
        known = spans.get(meeting.body_id)
        if known is not None:
            first = min((d for d in (first, known[0]) if d is not None), default=None)
            day = max(day, known[1])
        spans[meeting.body_id] = (first, day)
    return [_Period(body, first, last) for body, (first, last) in sorted(spans.items())]


def _of_bodies(periods: Sequence[_Period]) -> Select[*tuple[Any, ...]]:
    """The reports the bodies made: a body makes few, while the proposed anywhere are many."""
    return select(col(Report.id)).where(
        col(Report.from_body_id).in_([period.body_id for period in periods])
    )


def _within(day: Any, periods: Sequence[_Period]) -> ColumnElement[bool]:
    """`day` from the earliest period's first day to the latest's last: one range on its index.

    Which body's period a row is in is told after (`_in_period`): given the bodies
    here, a database may rather read every row of the bodies' reports than the days.
    """
    counted = [period for period in periods if period.first is not None]
    if not counted:
        return false()
    earliest = min(period.first for period in counted if period.first is not None)
    within: ColumnElement[bool] = day.between(earliest, max(p.last for p in counted))
    return within


def _in_periods(happenings: Iterable[Happening], periods: Sequence[_Period]) -> list[Happening]:
    """Those of the bodies of `periods`, each within its body's period."""
    spans = {period.body_id: period for period in periods if period.first is not None}
    kept = []
    for happening in happenings:
        span = spans.get(happening.rec.body_id)
        if span is not None and span.first is not None and span.first <= happening.on <= span.last:
            kept.append(happening)
    return kept


_IN_FORCE = (  # the response in force: the latest not undone
    select(func.max(col(Response.id)))
    .where(col(Response.recommendation_id) == col(Recommendation.id), ~col(Response.undone))
    .correlate(Recommendation)
    .scalar_subquery()
)


def _proposed_of(
    connection: Connection, periods: Sequence[_Period], rules: Rules, bodies: dict[int, _Body]
) -> tuple[tuple[NotedItem, ...], tuple[ReportItem, ...]]:
    """The bodies' recommendations still proposed: those noted, and the reports overdue.

    A report is overdue for an agenda if its response was due before the last of its
    body's meetings and a recommendation of it still has no response in force.
    """
    last_days = {period.body_id: period.last for period in periods}
    query = (
        _RECOMMENDATIONS.add_columns(
            col(Response.decision), col(Response.effective_on), col(Response.comment)
        )
        .outerjoin(Response, col(Response.id) == _IN_FORCE)
        .where(col(Recommendation.report_id).in_(_of_bodies(periods)))
        .where(col(Recommendation.state) == rules.awaiting_response)
        # Noted, or of a report due before a meeting: those awaiting a later response
        # are of no agenda yet.
        .where(
            col(Response.decision).in_(rules.notes)
            | (col(Report.response_due_on) < max(last_days.values()))
        )
    )
    noted: list[NotedItem] = []
    awaiting: dict[int, list[Row[*tuple[Any, ...]]]] = {}
    recs: dict[int, RecItem] = {}
    owners: dict[str, Contact] = {}
    # Put in order here: ordered by id, the query would be read by the state's index
    # alone, every recommendation awaiting a response anywhere, to save the sorting.
    for row in sorted(_rows(connection, query), key=lambda row: row[_ID]):
        rec = recs[row.id] = _rec_item(row, bodies, owners)
        if row.decision in rules.notes:
            noted.append(NotedItem(rec, _as_date(row.effective_on), row.comment))
        elif row.decision is None and row.response_due_on < last_days[rec.body_id]:
            awaiting.setdefault(row.report_id, []).append(row)
    overdue = tuple(_report_item(rows, recs, bodies) for rows in awaiting.values())
    return tuple(noted), overdue


_RAG_BEFORE = aliased(ProgressUpdate)


def _rebased(
    connection: Connection, periods: Sequence[_Period], bodies: dict[int, _Body]
) -> list[Happening]:
    """Endorsed amendments in force that moved a target date, by the day endorsed."""
    query = (
        _RECOMMENDATIONS.add_columns(
            col(Amendment.endorsed_on), col(Amendment.changes), col(Body.name).label("by")
        )
        .join(Amendment, col(Amendment.recommendation_id) == col(Recommendation.id))
        .join(Body, col(Body.id) == col(Amendment.endorsed_by_id))
        .where(~col(Amendment.undone), _within(col(Amendment.endorsed_on), periods))
        .order_by(col(Amendment.id))
    )
    owners: dict[str, Contact] = {}
    rebased = []
    for row in _rows(connection, query):
        moved = row.changes.get("target_date")
        if moved is not None:
            before, after = (_as_date(day) if day else None for day in moved)
            rec, on = _rec_item(row, bodies, owners), _as_date(row.endorsed_on)
            rebased.append(Happening(Happened.REBASED, rec, on, before, after, by=row.by))
    return rebased


def _turned_red(
    connection: Connection, periods: Sequence[_Period], bodies: dict[int, _Body]
) -> list[Happening]:
    """Progress updates in force that gave RAG red to what was not red before them."""
    rag_before = (
        select(col(_RAG_BEFORE.rag))
        .where(
            col(_RAG_BEFORE.recommendation_id) == col(ProgressUpdate.recommendation_id),
            col(_RAG_BEFORE.rag).is_not(None),
            ~col(_RAG_BEFORE.undone),
            tuple_(col(_RAG_BEFORE.effective_on), col(_RAG_BEFORE.id))
            < tuple_(col(ProgressUpdate.effective_on), col(ProgressUpdate.id)),
        )
        .order_by(desc(col(_RAG_BEFORE.effective_on)), desc(col(_RAG_BEFORE.id)))
        .limit(1)
        .correlate(ProgressUpdate)
        .scalar_subquery()
    )
    query = (
        _RECOMMENDATIONS.add_columns(col(ProgressUpdate.effective_on), rag_before.label("before"))
        .join(ProgressUpdate, col(ProgressUpdate.recommendation_id) == col(Recommendation.id))
        .where(col(ProgressUpdate.rag) == RED, ~col(ProgressUpdate.undone))
        .where(_within(col(ProgressUpdate.effective_on), periods))
        .order_by(col(ProgressUpdate.id))
    )
    owners: dict[str, Contact] = {}
    return [
        Happening(Happened.TURNED_RED, _rec_item(row, bodies, owners), _as_date(row.effective_on))
        for row in _rows(connection, query)
        if row.before != RED
    ]


def _closed(
    connection: Connection, periods: Sequence[_Period], rules: Rules, bodies: dict[int, _Body]
) -> list[Happening]:
    """Recommendations closed still, by the day of the history line that closed them."""
    # An undone closure leaves the recommendation open again, so the state in force
    # is what tells; an undo line is never a closure itself.
    query = (
        _RECOMMENDATIONS.add_columns(
            col(Event.effective_on), col(Recommendation.closure_outcome).label("outcome")
        )
        .join(Event, col(Event.recommendation_id) == col(Recommendation.id))
        .where(col(Event.to_state).in_(rules.final_states), col(Event.event) != UNDO)
        .where(_within(col(Event.effective_on), periods))
        .order_by(col(Event.id))
    )
    owners: dict[str, Contact] = {}
    # The state is tested here, not in the query: most recommendations are closed, and
    # a database would be tempted to read them all by their state rather than the days.
    return [
        Happening(
            Happened.CLOSED,
            _rec_item(row, bodies, owners),
            _as_date(row.effective_on),
            outcome=row.outcome,
        )
        for row in _rows(connection, query)
        if row.state in rules.final_states
    ]
