"""The notification service's tables: the outbox, the notices and the sweeps."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Index, String
from sqlmodel import Field, SQLModel

import workflow.models  # noqa: F401 - the naming convention and the tables notices refer to


class OutboxRow(SQLModel, table=True):
    """One email, stored before it is sent, and where it stands for each of its recipients."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(32))
    recipient: str
    recipient_name: str
    cc: list[str] = Field(default_factory=list, sa_type=JSON)
    # Where it stands for each recipient, To first (notifications.deliveries.Delivery).
    deliveries: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    subject: str
    text_body: str
    html_body: str
    message_id: str = Field(unique=True)  # made once at enqueue, reused by every attempt
    content: bytes  # the email as sent, built once at enqueue; every attempt sends these bytes
    status: str = Field(default="queued", sa_type=String(16))
    attempts: int = 0
    first_attempt_at: datetime | None = None  # a day after it, a failing message gives up
    next_attempt_at: datetime
    lease_until: datetime | None = None
    last_error: str | None = None
    created_at: datetime
    sent_at: datetime | None = None


class NoticeRow(SQLModel, table=True):
    """One notice, recorded once per key: what makes each (kind, item, recipient, day) sent once."""

    __tablename__ = "notice"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    kind: str = Field(sa_type=String(32))
    item: str
    recipient: str
    due_day: date
    status: str = Field(default="planned", sa_type=String(16), index=True)
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id", index=True)
    recommendation_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime


class SweepRow(SQLModel, table=True):
    """One pass of the sweep: when it ran, whether it holds the turn, and what it did.

    A running sweep holds the turn until `lease_until`; the latest `at` of a done one
    is the `since` of the next sweep, so a notice that lapsed while the service was
    down is recorded as missed once. The counts are those of its committed batches.
    """

    __tablename__ = "sweep"
    __table_args__ = (Index("ix_sweep_status_at", "status", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    status: str = Field(default="running", sa_type=String(16))  # running, done or stopped
    lease_until: datetime | None = None  # while running: a later sweep may take over after it
    planned: int = 0
    missed: int = 0
    cancelled: int = 0
    queued: int = 0
