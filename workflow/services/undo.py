"""Undo: reverse the latest change of a recommendation, and say so in its history.

Nothing is deleted. The state and values go back to what the change found, the
response, amendment or update it wrote is kept and marked undone, and an `undo`
line naming the undone line joins the history. Undo again, and the change before
goes back too. Only the clerk may (the table's `undo` act), and it needs a reason.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from workflow import store
from workflow.db import transaction
from workflow.guards import actor_may
from workflow.models import Amendment, Event, ProgressUpdate, Response
from workflow.records import UNDO, Actor, Change, Outcome, Refusal
from workflow.services.changes import (
    PROGRESS_UPDATE,
    check_inputs,
    effective_day,
    load_rec,
    record_line,
    save_rec,
    subject_of,
)

if TYPE_CHECKING:
    from workflow.lifecycle import Lifecycle

# The row each effect (or act) wrote, which its undo marks undone.
_WRITTEN = {
    "record_response": Response,
    "apply_amendment": Amendment,
    "record_progress": ProgressUpdate,
    PROGRESS_UPDATE: ProgressUpdate,
}


def undo(
    session: Session,
    lifecycle: Lifecycle,
    code: str,
    actor: Actor,
    reason: str | None,
    now: datetime,
    on: date | None = None,
) -> Outcome:
    """Reverse the latest change not yet undone; raise a refusal if there is none."""
    check_inputs(Change(UNDO, actor, note=reason, on=on))
    with transaction(session):
        rec = load_rec(session, code, None)
        subject = subject_of(rec, lifecycle)
        refusal = _refusal(lifecycle, subject, actor, reason)
        if refusal:
            lifecycle.refuse(UNDO, subject, actor, refusal)
        line = latest_change(session, rec.id)
        if line is None or "before" not in line.data:
            rule = "there is no change of it to undo" if line is None else _too_old(line)
            lifecycle.refuse(UNDO, subject, actor, Refusal(rule))
        restored = _restore(line.data["before"])
        current = store.column_values(session=session, rec_id=rec.id, columns=restored)
        _mark_written(session, lifecycle, line, rec.id)
        save_rec(session, rec, restored)
        day = effective_day(lifecycle, rec, on, now)
        change = Change(UNDO, actor, note=reason, on=day)
        data = {"undoes": line.id, "event": line.event, "before": current}
        after = restored.get("state", rec.state)
        record_line(session, rec, UNDO, rec.state, after, change, now, data)
    return Outcome(UNDO, rec.state, after)


def _refusal(
    lifecycle: Lifecycle, subject: Any, actor: Actor, reason: str | None
) -> Refusal | None:
    rule = actor_may(lifecycle.table.act(UNDO), subject, actor)
    if rule:
        return Refusal(rule, role=True)
    if not (reason and reason.strip()):
        return Refusal("a reason is required", "reason")
    return None


def _too_old(line: Event) -> str:
    return f"its latest change ({line.event}) was recorded before changes could be undone"


def latest_change(session: Session, rec_id: int) -> Event | None:
    """The latest line of the history that an undo would reverse, or None.

    Undo lines are skipped, and so is each line one of them undid; the first line
    (its arrival) is never a change.
    """
    lines = list(
        session.exec(
            select(Event).where(Event.recommendation_id == rec_id).order_by(col(Event.id).desc())
        )
    )
    undone = {line.data.get("undoes") for line in lines if line.event == UNDO}
    for line in lines:
        if line.event != UNDO and line.id not in undone and line.from_state is not None:
            return line
    return None


def _restore(before: dict[str, Any]) -> dict[str, Any]:
    """The values to put back, dates as dates."""
    days = {"target_date", "original_target_date", "monitoring_date"}
    return {
        name: date.fromisoformat(value) if name in days and value else value
        for name, value in before.items()
    }


def _mark_written(session: Session, lifecycle: Lifecycle, line: Event, rec_id: int) -> None:
    spec = lifecycle.table.event(line.event)
    names = spec.effects if spec else (line.event,)
    for model in {_WRITTEN[name] for name in names if name in _WRITTEN}:
        store.mark_undone(session=session, model=model, recommendation_id=rec_id)
