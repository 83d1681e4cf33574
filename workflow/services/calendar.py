"""What the committee's calendar shows: meetings, and the next monitoring dates."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from config.workflow_table import WorkflowTable
from workflow import store
from workflow.clock import aware
from workflow.models import Audit, Body, Meeting, Person, Recommendation, Report
from workflow.papers import CalendarDate, CalendarMeeting


def calendar_entries(
    session: Session, table: WorkflowTable, body: str | None = None
) -> tuple[list[CalendarMeeting], list[CalendarDate]]:
    """Every meeting, cancelled ones too, and the monitoring date of each open
    recommendation that has one; of one body (its meetings, the ones it made) if given.
    """
    body_id = store.get_body(session=session, name=body).id if body else None
    return _meetings(session, body_id), _monitoring_dates(session, table, body_id)


def _meetings(session: Session, body_id: int | None) -> list[CalendarMeeting]:
    query = select(Meeting, Body.name).join(Body).order_by(col(Meeting.starts_at))
    if body_id is not None:
        query = query.where(Meeting.body_id == body_id)
    moves = _moves(session)
    return [
        CalendarMeeting(
            meeting.id or 0,
            name,
            meeting.title,
            aware(meeting.starts_at),
            meeting.cancelled_at is not None,
            moves[meeting.id],
        )
        for meeting, name in session.exec(query)
    ]


def _moves(session: Session) -> Counter[int | None]:
    """How often each meeting was moved, read off the audit."""
    query = select(Audit.after).where(Audit.record == "meeting", Audit.action == "move")
    return Counter((after or {}).get("id") for after in session.exec(query))


def _monitoring_dates(
    session: Session, table: WorkflowTable, body_id: int | None
) -> list[CalendarDate]:
    rec = Recommendation
    query = (
        select_columns(
            col(rec.code),
            col(rec.text),
            col(rec.monitoring_date),
            col(Person.name),
            col(rec.version),
        )
        .join(Report, col(Report.id) == col(rec.report_id))
        .outerjoin(Person, col(Person.id) == col(rec.owner_id))
        .where(col(rec.state).in_(table.open), col(rec.monitoring_date).is_not(None))
        .order_by(col(rec.monitoring_date), col(rec.code))
    )
    if body_id is not None:
        query = query.where(col(Report.from_body_id) == body_id)
    return [
        CalendarDate(code, text, on, owner, version - 1)
        for code, text, on, owner, version in session.connection().execute(query)
        if on is not None
    ]
