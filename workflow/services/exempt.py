"""Exempt information: mark a recommendation exempt, with its reason, or clear it.

A recommendation whose papers hold exempt information (Schedule 12A to the Local
Government Act 1972: the financial affairs of a person, legal advice, ...) is shown in
public papers by its code, state and that reason alone. Only a clerk may say so (the
table's `exempt` act). Either change is an `exempt` line in the recommendation's
history, with what it found, so `undo` puts the exemption back as it was.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from workflow import store
from workflow.db import transaction
from workflow.guards import actor_may
from workflow.interchange.replay import EXEMPT
from workflow.records import Actor, Change, Outcome, Refusal
from workflow.services.changes import (
    check_inputs,
    effective_day,
    load_rec,
    record_line,
    save_rec,
    subject_of,
)
from workflow.store import RecState

if TYPE_CHECKING:
    from workflow.lifecycle import Lifecycle

_COLUMNS = ("exempt", "exempt_reason")


def exempt(
    session: Session,
    lifecycle: Lifecycle,
    code: str,
    actor: Actor,
    reason: str | None,
    now: datetime,
    on: date | None = None,
) -> Outcome:
    """Mark `code` exempt for `reason` (its paragraph of Schedule 12A)."""
    check_inputs(Change(EXEMPT, actor, note=reason, on=on))
    with transaction(session):
        rec, found = _load(session, lifecycle, code, actor)
        subject = subject_of(rec, lifecycle)
        refusal = _exempt_refusal(reason, found)
        if refusal:
            lifecycle.refuse(EXEMPT, subject, actor, refusal)
        assert reason is not None
        _write(session, lifecycle, rec, actor, now, on, found, (True, reason.strip()))
    return Outcome(EXEMPT, rec.state, rec.state)


def clear_exempt(
    session: Session,
    lifecycle: Lifecycle,
    code: str,
    actor: Actor,
    now: datetime,
    on: date | None = None,
) -> Outcome:
    """Say `code` is no longer exempt: public papers show it in full again."""
    check_inputs(Change(EXEMPT, actor, on=on))
    with transaction(session):
        rec, found = _load(session, lifecycle, code, actor)
        if not found["exempt"]:
            subject = subject_of(rec, lifecycle)
            lifecycle.refuse(EXEMPT, subject, actor, Refusal("it is not exempt"))
        _write(session, lifecycle, rec, actor, now, on, found, (False, None))
    return Outcome(EXEMPT, rec.state, rec.state)


def _load(
    session: Session, lifecycle: Lifecycle, code: str, actor: Actor
) -> tuple[RecState, dict[str, Any]]:
    """The recommendation and its exemption, if the actor may change that; refuse if not."""
    rec = load_rec(session, code, None)
    subject = subject_of(rec, lifecycle)
    rule = actor_may(lifecycle.table.act(EXEMPT), subject, actor)
    if rule:
        lifecycle.refuse(EXEMPT, subject, actor, Refusal(rule, role=True))
    return rec, store.column_values(session=session, rec_id=rec.id, columns=_COLUMNS)


def _exempt_refusal(reason: str | None, found: dict[str, Any]) -> Refusal | None:
    if not (reason and reason.strip()):
        return Refusal("a reason is required: the paragraph of Schedule 12A", "reason")
    if found["exempt"] and found["exempt_reason"] == reason.strip():
        return Refusal("it is already exempt for that reason")
    return None


def _write(
    session: Session,
    lifecycle: Lifecycle,
    rec: RecState,
    actor: Actor,
    now: datetime,
    on: date | None,
    found: dict[str, Any],
    wanted: tuple[bool, str | None],
) -> None:
    day = effective_day(lifecycle, rec, on, now)
    values = dict(zip(_COLUMNS, wanted, strict=True))
    save_rec(session, rec, values)
    note = wanted[1] or "no longer exempt"
    change = Change(EXEMPT, actor, note=note, on=day)
    data = values | {"before": dict(found)}  # what an undo puts back
    record_line(session, rec, EXEMPT, rec.state, rec.state, change, now, data)
