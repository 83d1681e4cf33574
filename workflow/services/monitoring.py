"""Milestones and indicators of success, kept as the panel monitors against them.

A recommendation's milestones and indicators are numbered from 1, in the order they
were added. Marking a milestone done and recording an indicator's actual are dated
(`on`, today if not given; never in the future). The owner or a clerk may keep them
(the table's `monitor` act); every change is an audit row.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import Session, select

from workflow import store
from workflow.db import transaction
from workflow.errors import BadInput
from workflow.guards import actor_may
from workflow.interchange import checks
from workflow.interchange.scope import INDICATOR_KINDS
from workflow.limits import out_of_range
from workflow.models import Indicator, IndicatorReading, Milestone
from workflow.records import Actor, Refusal
from workflow.services.changes import effective_day, load_rec, subject_of
from workflow.services.directory import audit, checked
from workflow.store import RecState
from workflow.views import iso

if TYPE_CHECKING:
    from workflow.lifecycle import Lifecycle

MONITOR = "monitor"  # the act of the workflow table


def _open(session: Session, lifecycle: Lifecycle, code: str, actor: Actor) -> RecState:
    """The recommendation, if the actor may keep its milestones and indicators."""
    rec = load_rec(session, code, None)
    subject = subject_of(rec, lifecycle)
    rule = actor_may(lifecycle.table.act(MONITOR), subject, actor)
    if rule:
        lifecycle.refuse(MONITOR, subject, actor, Refusal(rule, role=True))
    return rec


def _nth(session: Session, model: Any, rec_id: int, number: int, what: str, code: str) -> Any:
    rows = list(
        session.exec(select(model).where(model.recommendation_id == rec_id).order_by(model.id))
    )
    if not 1 <= number <= len(rows):
        raise BadInput("number", f"{code} has no {what} {number} (it has {len(rows)})")
    return rows[number - 1]


def _day(value: date | None, field: str) -> date | None:
    reason = out_of_range(value) if value else None
    if reason:
        raise BadInput(field, f"the {field.replace('_', ' ')} {reason}")
    return value


def add_milestone(
    session: Session, lifecycle: Lifecycle, code: str, actor: Actor, now: datetime,
    *, title: str, due_on: date | None,
) -> dict[str, Any]:  # fmt: skip
    """Add a milestone to a recommendation; return it with its number."""
    with transaction(session):
        rec = _open(session, lifecycle, code, actor)
        number = _count(session, Milestone, rec.id) + 1
        row = Milestone(
            recommendation_id=rec.id,
            title=checked(checks.line, title, "title"),
            due_on=_day(due_on, "due_on"),
        )
        session.add(row)
        view = {"number": number, "title": row.title, "due_on": iso(row.due_on)}
        audit(session, actor, now, "milestone", f"{code} #{number}", "add", None, view)
    return view


def milestone_done(
    session: Session, lifecycle: Lifecycle, code: str, actor: Actor, now: datetime,
    *, number: int, on: date | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Mark milestone `number` done on `on` (today if not given)."""
    with transaction(session):
        rec = _open(session, lifecycle, code, actor)
        row = _nth(session, Milestone, rec.id, number, "milestone", code)
        before = {"done_on": iso(row.done_on)}
        row.done_on = effective_day(lifecycle, rec, on, now)
        session.add(row)
        view = {"number": number, "title": row.title, "done_on": row.done_on.isoformat()}
        audit(session, actor, now, "milestone", f"{code} #{number}", "done", before, view)
    return view


def add_indicator(
    session: Session, lifecycle: Lifecycle, code: str, actor: Actor, now: datetime,
    *, kind: str, name: str, unit: str | None = None, baseline: float | None = None,
    target: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Add an indicator of success (a cost, a saving or an outcome) to a recommendation."""
    with transaction(session):
        rec = _open(session, lifecycle, code, actor)
        number = _count(session, Indicator, rec.id) + 1
        row = Indicator(
            recommendation_id=rec.id,
            kind=checked(lambda v, f: checks.choice(v, INDICATOR_KINDS, f, "kind"), kind, "kind"),
            name=checked(checks.line, name, "name"),
            unit=checked(checks.maybe_line, unit, "unit"),
            baseline=baseline,
            target=target,
        )
        session.add(row)
        view = {"number": number, "kind": row.kind, "name": row.name, "unit": row.unit}
        view |= {"baseline": baseline, "target": target}
        audit(session, actor, now, "indicator", f"{code} #{number}", "add", None, view)
    return view


def record_indicator(
    session: Session, lifecycle: Lifecycle, code: str, actor: Actor, now: datetime,
    *, number: int, value: float, on: date | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Record an actual of indicator `number`, measured `on`; the latest is its `actual`."""
    with transaction(session):
        rec = _open(session, lifecycle, code, actor)
        row = _nth(session, Indicator, rec.id, number, "indicator", code)
        day = effective_day(lifecycle, rec, on, now)
        reading = IndicatorReading(
            indicator_id=row.id, value=value, on=day, by_id=actor.person_id, at=now
        )
        session.add(reading)
        session.flush()
        before = {"actual": row.actual}
        row.actual = store.readings(session=session, indicator_ids=[row.id])[row.id][-1].value
        session.add(row)
        view = {"number": number, "name": row.name, "value": value, "on": day.isoformat()}
        audit(session, actor, now, "indicator", f"{code} #{number}", "record", before, view)
    return view


def _count(session: Session, model: Any, rec_id: int) -> int:
    """How many the recommendation has: the next one added is numbered after them."""
    query = select(func.count()).select_from(model).where(model.recommendation_id == rec_id)
    return int(session.exec(query).one())
