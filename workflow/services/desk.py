"""What is each person's to do: the first page anyone sees once signed in.

The officer's own open recommendations, by the date each is next due; the reports
awaiting the executive's response, with their due dates; the next meetings of the
bodies a chair chairs, with how many recommendations each has due for review; the
updates sent from links for the clerk to decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from config.workflow_table import WorkflowTable
from workflow import tracker
from workflow.clock import aware, local_day
from workflow.models import Body, Meeting, Report, SubmittedUpdate
from workflow.records import Actor
from workflow.services.reading import RecFilters, list_recommendations
from workflow.services.responses import days_left
from workflow.services.review import due_count

UPCOMING_MEETINGS = 3  # the soonest, of all the bodies the person chairs


@dataclass(frozen=True)
class ReportDue:
    reference: str
    title: str
    due_on: date
    days_left: int  # below zero once overdue
    awaiting: int  # recommendations still without a response


@dataclass(frozen=True)
class MeetingDue:
    id: int
    body: str
    title: str
    starts_at: datetime
    day: date  # in the council's time zone
    due: int  # recommendations due for review there


@dataclass(frozen=True)
class Desk:
    owned: list[dict[str, Any]] = field(default_factory=list)
    reports: list[ReportDue] = field(default_factory=list)
    meetings: list[MeetingDue] = field(default_factory=list)
    pending_updates: int = 0


def desk(
    session: Session,
    table: WorkflowTable,
    actor: Actor,
    today: date,
    now: datetime,
    *,
    tz: ZoneInfo,
) -> Desk:
    """What `actor` has to do, by the roles they hold; `tz` is the council's timezone."""
    roles = actor.roles
    return Desk(
        owned=_owned(session, table, actor, today),
        reports=_awaiting(session, table, today) if roles & {"executive", "clerk"} else [],
        meetings=_meetings(session, table, actor, now, tz) if roles & {"chair", "clerk"} else [],
        pending_updates=_pending(session) if "clerk" in roles else 0,
    )


def _owned(session: Session, table: WorkflowTable, actor: Actor, today: date) -> list[Any]:
    filters = RecFilters(states=table.open, owner=actor.email)
    rows = list_recommendations(session, table, today, filters)
    return sorted(rows, key=lambda row: row["monitoring_date"] or row["target_date"] or "9999")


def _awaiting(session: Session, table: WorkflowTable, today: date) -> list[ReportDue]:
    from workflow.models import Recommendation

    query = (
        select(Report, func.count())
        .join(Recommendation, col(Recommendation.report_id) == Report.id)
        .where(tracker.awaiting_response(table.initial))
        .group_by(col(Report.id))
        .order_by(col(Report.response_due_on), col(Report.reference))
    )
    return [
        ReportDue(
            report.reference,
            report.title,
            report.response_due_on,
            days_left(report.response_due_on, today),
            count,
        )
        for report, count in session.exec(query)
    ]


def _meetings(
    session: Session, table: WorkflowTable, actor: Actor, now: datetime, tz: ZoneInfo
) -> list[MeetingDue]:
    # From the start of the council's today: a meeting under way is the chair's to review.
    today = datetime.combine(local_day(now, tz), time.min, tzinfo=tz)
    query = (
        select(Meeting, Body.name)
        .join(Body)
        .where(col(Meeting.starts_at) >= today, col(Meeting.cancelled_at).is_(None))
        .order_by(col(Meeting.starts_at))
    )
    if "clerk" not in actor.roles:
        query = query.where(Body.chair_id == actor.person_id)
    rows = session.exec(query.limit(UPCOMING_MEETINGS)).all()
    return [_meeting_due(session, table, meeting, body, tz) for meeting, body in rows]


def _meeting_due(
    session: Session, table: WorkflowTable, meeting: Meeting, body: str, tz: ZoneInfo
) -> MeetingDue:
    day = local_day(aware(meeting.starts_at), tz)
    due = due_count(session, table, meeting.body_id, day)
    return MeetingDue(meeting.id or 0, body, meeting.title, meeting.starts_at, day, due)


def _pending(session: Session) -> int:
    query = select(func.count()).where(col(SubmittedUpdate.decision).is_(None))
    return int(session.exec(query).one())
