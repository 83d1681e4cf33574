"""What will not be sent for want of someone to send it to: a read-only check.

A body with no chair gets no digest before its meetings and no response notices
for the reports sent to it; an open recommendation with no owner gets no
reminders and no overdue notices. The sweep says so of each notice as it falls
due (`planning.unsendable`); this says it of the whole database at once, as an
import ends, so a clerk can name the missing people before anything is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from notifications.planning import Rules
from workflow.models import Body, Meeting, Recommendation, Report


@dataclass(frozen=True)
class Missing:
    """Something that will not be sent, and why."""

    about: str  # a body's name or a recommendation's code
    why: str

    @property
    def line(self) -> str:
        return f"{self.about}: {self.why}"


def missing_recipients(*, session: Session, rules: Rules, now: datetime) -> list[Missing]:
    """Return the bodies and recommendations whose notices have nobody to go to.

    Bodies with no chair that made reports and meet from `now` on (no agenda), or to which a report
    went that still awaits a response (no response notices); then the open
    recommendations with no owner, by code.
    """
    query = select(Body.id, Body.name).where(col(Body.chair_id).is_(None))
    chairless = dict(session.exec(query).all())
    found = [
        *_chairless_meeting(session, chairless, now),
        *_chairless_responding(session, chairless, rules),
    ]
    return sorted(found, key=lambda missing: missing.about) + _ownerless(session, rules)


def _chairless_meeting(
    session: Session, chairless: dict[int | None, str], now: datetime
) -> list[Missing]:
    if not chairless:
        return []
    query = (
        select(Meeting.body_id, func.count())
        .where(col(Meeting.body_id).in_(chairless), col(Meeting.starts_at) >= now)
        .where(col(Meeting.cancelled_at).is_(None))
        # an agenda lists what the body's reports recommended: one that made none has none
        .where(col(Meeting.body_id).in_(select(Report.from_body_id)))
        .group_by(col(Meeting.body_id))
    )
    return [
        Missing(chairless[body], f"no chair, so no agenda goes before its {_meetings(count)}")
        for body, count in session.exec(query)
    ]


def _meetings(count: int) -> str:
    return "next meeting" if count == 1 else f"next {count} meetings"


def _chairless_responding(
    session: Session, chairless: dict[int | None, str], rules: Rules
) -> list[Missing]:
    if not chairless:
        return []
    query = (
        select(Report.to_body_id, func.count(func.distinct(col(Report.id))))
        .join(Recommendation, col(Recommendation.report_id) == col(Report.id))
        .where(col(Report.to_body_id).in_(chairless))
        .where(col(Recommendation.state) == rules.awaiting_response)
        .group_by(col(Report.to_body_id))
    )
    return [
        Missing(chairless[body], f"no chair, so no response notices for {_reports(count)}")
        for body, count in session.exec(query)
    ]


def _reports(count: int) -> str:
    return (
        "the report awaiting its response" if count == 1 else f"{count} reports awaiting a response"
    )


def _ownerless(session: Session, rules: Rules) -> list[Missing]:
    query = (
        select(Recommendation.code)
        .where(col(Recommendation.owner_id).is_(None))
        .where(col(Recommendation.state).in_(rules.open_states))
        .order_by(col(Recommendation.code))
    )
    why = "no owner, so no monitoring reminders or overdue notices"
    return [Missing(code, why) for code in session.exec(query)]
