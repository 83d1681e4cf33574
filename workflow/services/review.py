"""What a committee reviews at one of its meetings, and what may be recorded there.

Due for review: the open recommendations of the reports the meeting's body made,
monitored on or before the meeting's day, by `due_at_meeting`: the rule the chair's
agenda and `annex --meeting` go by. Beside them, what else waits on the committee
that day: noted recommendations to conclude, and responses overdue.

The meeting's page is the chair's (of its body) and the clerk's. What each may
record there is the committee's decisions (the events of the table a chair may
fire) that the workflow allows them from where each recommendation stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from config.workflow_table import WorkflowTable
from workflow.annex_records import Action, RecRecord, due_at_meeting
from workflow.clock import aware, local_day
from workflow.errors import NotAllowed, NotFound
from workflow.models import Body, Meeting, Recommendation, Report
from workflow.records import Actor
from workflow.services.annex import AnnexChoice, annex_records
from workflow.services.changes import choices

if TYPE_CHECKING:
    from workflow.lifecycle import Lifecycle

CHAIR, CLERK = "chair", "clerk"  # the table's roles: a chair of the body, the clerk


@dataclass(frozen=True)
class MeetingRecord:
    id: int
    body: str
    title: str
    starts_at: datetime  # in the council's timezone
    day: date  # the council's day it meets on: what is decided there is dated so
    cancelled: bool


@dataclass(frozen=True)
class ReviewItem:
    """A recommendation at the meeting, and what this person may record of it there."""

    rec: RecRecord
    events: tuple[str, ...]  # in the table's order
    version: int  # as seen: a decision sent with it is refused if it moved on since


@dataclass(frozen=True)
class Review:
    meeting: MeetingRecord
    due: tuple[ReviewItem, ...]  # due for review, in report order, then as made
    noted: tuple[ReviewItem, ...]  # noted by the executive, awaiting the committee
    awaiting: tuple[RecRecord, ...]  # the executive's response overdue by the meeting's day


def reviewed_meeting(
    session: Session, lifecycle: Lifecycle, meeting_id: int, actor: Actor
) -> MeetingRecord:
    """The meeting, if `actor` chairs its body or is a clerk; raise NotAllowed if not."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("meeting", "id", str(meeting_id))
    body = session.get_one(Body, meeting.body_id)
    if CLERK not in actor.roles and (body.chair_id is None or body.chair_id != actor.person_id):
        may = f"the chair of the {body.name} or the clerk"
        raise NotAllowed(actor.email, "review its meetings", may, sorted(actor.roles))
    starts_at = aware(meeting.starts_at).astimezone(lifecycle.tz)
    return MeetingRecord(
        meeting_id,
        body.name,
        meeting.title,
        starts_at,
        local_day(starts_at, lifecycle.tz),
        meeting.cancelled_at is not None,
    )


def meeting_review(session: Session, lifecycle: Lifecycle, meeting_id: int, actor: Actor) -> Review:
    """What the meeting reviews, as of its day; raise NotAllowed as `reviewed_meeting`."""
    meeting = reviewed_meeting(session, lifecycle, meeting_id, actor)
    table, day = lifecycle.table, meeting.day
    recs = annex_records(session, table, day, AnnexChoice(body=meeting.body)).recommendations
    due = [rec for rec in recs if due_at_meeting(table.open, rec.state, rec.monitoring_date, day)]
    noted = [rec for rec in recs if rec.action is Action.CONCLUDE]
    return Review(
        meeting,
        tuple(_item(session, lifecycle, rec, actor) for rec in due),
        tuple(_item(session, lifecycle, rec, actor) for rec in noted),
        tuple(rec for rec in recs if rec.action is Action.RESPONSE_OVERDUE),
    )


def due_count(session: Session, table: WorkflowTable, body_id: int, day: date) -> int:
    """How many recommendations a meeting of the body on `day` has due for review."""
    query = (
        select(col(Recommendation.state), col(Recommendation.monitoring_date))
        .join(Report)
        .where(Report.from_body_id == body_id)
    )
    rows = session.exec(query)
    return sum(
        1 for state, monitoring in rows if due_at_meeting(table.open, state, monitoring, day)
    )


def committee_events(lifecycle: Lifecycle) -> frozenset[str]:
    """The events the committee decides: those the table lets a chair fire."""
    return frozenset(spec.name for spec in lifecycle.table.events if CHAIR in spec.roles)


def _item(session: Session, lifecycle: Lifecycle, rec: RecRecord, actor: Actor) -> ReviewItem:
    may = choices(session, lifecycle, rec.code, actor)
    ours = committee_events(lifecycle)
    return ReviewItem(rec, tuple(event for event in may.events if event in ours), may.version)
