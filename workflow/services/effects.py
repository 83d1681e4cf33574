"""The effects a workflow table may name: what an event records beside its new state.

Each effect returns the column values for the recommendation's row and the data for
its history line. `check_table` refuses a table naming an effect or a need that
rectrack does not know, so a council's typo is caught at start-up, not at a meeting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from config.workflow_table import EventSpec, WorkflowTable, WorkflowTableError
from workflow import store
from workflow.errors import NotFound
from workflow.lifecycle import check_needs
from workflow.models import Amendment, ProgressUpdate, Response
from workflow.records import Change
from workflow.store import RecState
from workflow.views import iso

Written = tuple[dict[str, Any], dict[str, Any]]  # column values for the row, data for the history
Effect = Callable[[Session, RecState, EventSpec, Change, datetime], Written]


def record_response(
    session: Session, rec: RecState, spec: EventSpec, change: Change, now: datetime
) -> Written:
    row = {
        "recommendation_id": rec.id,
        "decision": spec.name,
        "timescale": change.timescale,
        "comment": change.note,
        "by_id": change.actor.person_id,
        "at": now,
        "effective_on": change.on,
    }
    store.add_row(session=session, model=Response, values=row)
    return {}, {"timescale": iso(change.timescale)} if change.timescale else {}


def set_target(
    session: Session, rec: RecState, spec: EventSpec, change: Change, now: datetime
) -> Written:
    """The agreed timescale becomes the target; the first one is kept as the baseline."""
    values: dict[str, Any] = {"target_date": change.timescale}
    if rec.original_target_date is None:
        values["original_target_date"] = change.timescale
    return values, {}


def apply_amendment(
    session: Session, rec: RecState, spec: EventSpec, change: Change, now: datetime
) -> Written:
    if change.endorsed_by_id is None:  # a table whose amending event needs no endorsement
        raise NotFound("body", "name", change.endorsed_by or "")
    changes = {
        field: [_plain(getattr(rec, field)), _plain(new)] for field, new in change.changes.items()
    }
    values = dict(change.changes)
    if "target_date" in values and rec.original_target_date is None:
        values["original_target_date"] = values["target_date"]
    row = {
        "recommendation_id": rec.id,
        "reason": change.note or "",
        "endorsed_by_id": change.endorsed_by_id,
        "endorsed_on": change.endorsed_on,
        "changes": changes,
        "by_id": change.actor.person_id,
        "at": now,
    }
    store.add_row(session=session, model=Amendment, values=row)
    endorsed = {"endorsed_by": change.endorsed_by, "endorsed_on": iso(change.endorsed_on)}
    data = {"changes": changes, **endorsed}
    return values, data


def record_progress(
    session: Session, rec: RecState, spec: EventSpec, change: Change, now: datetime
) -> Written:
    row = {
        "recommendation_id": rec.id,
        "note": change.note or "",
        "rag": None,
        "by_id": change.actor.person_id,
        "at": now,
        "effective_on": change.on,
    }
    store.add_row(session=session, model=ProgressUpdate, values=row)
    return {}, {}


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


EFFECTS: dict[str, Effect] = {  # the effects a workflow table may name
    "record_response": record_response,
    "set_target": set_target,
    "apply_amendment": apply_amendment,
    "record_progress": record_progress,
}


def apply_effects(
    session: Session, rec: RecState, spec: EventSpec, change: Change, now: datetime
) -> Written:
    """Run the event's effects in table order; record the endorsement of any event given one."""
    values: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for name in spec.effects:
        more_values, more_data = EFFECTS[name](session, rec, spec, change, now)
        values.update(more_values)
        data.update(more_data)
    if change.endorsed_by and "endorsed_by" not in data:  # a body the service has found
        data.update(endorsed_by=change.endorsed_by, endorsed_on=iso(change.endorsed_on))
    return values, data


def check_table(table: WorkflowTable) -> None:
    """Refuse a table that names a need or an effect rectrack does not know."""
    check_needs(table)
    for i, spec in enumerate(table.events):
        for effect in spec.effects:
            if effect not in EFFECTS:
                known = ", ".join(EFFECTS)
                raise WorkflowTableError(
                    f"events[{i}].effects", f"unknown effect {effect!r} (effects: {known})"
                )
