"""The tables. Instants are timezone-aware (stored as UTC); calendar days are dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from workflow.records import RELATED

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    email: str = Field(unique=True)  # stored lower-cased: unique regardless of case
    roles: list[str] = Field(default_factory=list, sa_type=JSON)


class Body(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    kind: str = Field(sa_type=String(32))
    chair_id: int | None = Field(default=None, foreign_key="person.id")


class Meeting(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    starts_at: datetime
    title: str = ""
    cancelled_at: datetime | None = None  # kept, with its history, when cancelled


class Report(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True)
    title: str
    from_body_id: int = Field(foreign_key="body.id")
    to_body_id: int = Field(foreign_key="body.id")
    submitted_on: date
    response_due_on: date


class Recommendation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("report_id", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    reference: str
    code: str = Field(unique=True)
    text: str
    priority: str | None = None
    group_name: str | None = Field(default=None, sa_type=String(64))  # "key", "individual"
    parent_id: int | None = Field(default=None, foreign_key="recommendation.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    lead_member_id: int | None = Field(default=None, foreign_key="person.id")
    state: str = Field(sa_type=String(32), index=True)
    target_date: date | None = None
    original_target_date: date | None = None  # the baseline, kept beside every revision
    monitoring_date: date | None = None
    rag: str | None = Field(default=None, sa_type=String(8))
    closure_outcome: str | None = Field(default=None, sa_type=String(32))
    exempt: bool = False  # Schedule 12A information: a public paper shows only its code and state
    exempt_reason: str | None = None  # the paragraph of Schedule 12A, shown in its place
    version: int = Field(default=1)  # moved on by every change: see store.save_state


class Response(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    decision: str = Field(sa_type=String(32))
    timescale: date | None = None
    comment: str | None = None
    by_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime
    effective_on: date  # the day it was decided; `at` is when it was recorded
    undone: bool = False  # its event was undone: kept, no longer in force


class Amendment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    reason: str
    endorsed_by_id: int = Field(foreign_key="body.id")
    endorsed_on: date
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # field: [old, new]
    by_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime
    undone: bool = False


class ProgressUpdate(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    note: str
    rag: str | None = Field(default=None, sa_type=String(8))
    by_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime
    effective_on: date
    undone: bool = False


class Milestone(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    title: str
    due_on: date | None = None
    done_on: date | None = None


class Indicator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    kind: str = Field(sa_type=String(16))  # cost, saving or outcome
    name: str
    unit: str | None = None
    baseline: float | None = None
    target: float | None = None
    actual: float | None = None  # the latest of its readings


class IndicatorReading(SQLModel, table=True):
    """One actual of an indicator, on the day it was measured."""

    __tablename__ = "indicator_reading"

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    value: float
    on: date
    by_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime


class Event(SQLModel, table=True):
    """One line of a recommendation's history. Append-only: never updated or deleted."""

    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    event: str = Field(sa_type=String(32))
    from_state: str | None = Field(default=None, sa_type=String(32))
    to_state: str = Field(sa_type=String(32))
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime  # when it was recorded
    effective_on: date  # the day it happened: a meeting, a board's decision
    note: str | None = None
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class Audit(SQLModel, table=True):
    """One change to a person, body, meeting, report, milestone or indicator: who, when,
    what before and after."""

    id: int | None = Field(default=None, primary_key=True)
    record: str = Field(sa_type=String(16))  # one of workflow.records.AUDITED
    key: str  # the record as a document names it: an email, a name, a body and start
    action: str = Field(sa_type=String(16))  # one of workflow.records.AUDIT_ACTIONS
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime = Field(index=True)


class Credential(SQLModel, table=True):
    """A person's password, as an argon2 hash: a person without one cannot sign in."""

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    password_hash: str
    changed_at: datetime
    # Moved on by each new password: a session signed in before it no longer counts.
    generation: int = 1


class Token(SQLModel, table=True):
    """A secret handed to one person for one purpose (workflow.records.TOKEN_PURPOSES).

    Only the token's SHA-256 is kept: the token itself is in the link or the mail.
    """

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(sa_type=String(16))
    digest: str = Field(unique=True, sa_type=String(64))
    person_id: int = Field(foreign_key="person.id", index=True)
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id")
    label: str | None = None
    created_at: datetime
    expires_at: datetime | None = None
    used_at: datetime | None = None  # a single-use token (an invitation, an update link)
    revoked_at: datetime | None = None


class SubmittedUpdate(SQLModel, table=True):
    """A progress update sent from the link in a reminder, until the clerk decides on it.

    Accepted, it becomes a progress update (and the proposed date an amendment to put to
    the committee); rejected, the officer is told why.
    """

    __tablename__ = "submitted_update"

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="token.id", unique=True)  # one update per link
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    by_id: int = Field(foreign_key="person.id")
    note: str
    rag: str | None = Field(default=None, sa_type=String(8))
    proposed_target_date: date | None = None
    at: datetime
    decision: str | None = Field(default=None, sa_type=String(16))  # accepted, rejected
    reason: str | None = None  # why it was rejected, mailed to the officer
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = None


class SignInFailure(SQLModel, table=True):
    """A failed sign-in: the recent ones of an email hold it off for a while."""

    __tablename__ = "sign_in_failure"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True)
    at: datetime


# The table each related kind of records is kept in (the kinds: workflow.records.RELATED).
RELATED_MODELS: dict[str, type[SQLModel]] = dict(
    zip(RELATED, (Response, ProgressUpdate, Amendment, Milestone, Indicator, Event), strict=True)
)

# A sweep loads only the rows that can be due: ranges of dates within the open states.
Index(
    "ix_recommendation_state_monitoring_date",
    col(Recommendation.state),
    col(Recommendation.monitoring_date),
)
Index(
    "ix_recommendation_state_target_date",
    col(Recommendation.state),
    col(Recommendation.target_date),
)
Index("ix_meeting_starts_at", col(Meeting.starts_at))
Index("ix_report_response_due_on", col(Report.response_due_on))
Index("ix_milestone_due_on", col(Milestone.due_on))
# A chair's agenda reads the reports of the bodies meeting soon, and what happened to
# their recommendations since each body's last meeting, by the day it happened.
Index("ix_meeting_body_id_starts_at", col(Meeting.body_id), col(Meeting.starts_at))
Index(
    "ix_report_from_body_id_submitted_on",
    col(Report.from_body_id),
    col(Report.submitted_on),
)
Index(
    "ix_recommendation_state_report_id",
    col(Recommendation.state),
    col(Recommendation.report_id),
)
Index("ix_amendment_endorsed_on", col(Amendment.endorsed_on))
Index(
    "ix_progressupdate_rag_effective_on",
    col(ProgressUpdate.rag),
    col(ProgressUpdate.effective_on),
)
Index("ix_event_to_state_effective_on", col(Event.to_state), col(Event.effective_on))
