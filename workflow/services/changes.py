"""The changes to a recommendation. Each runs in one transaction: load, ask, write, record.

Every refusal is raised before anything is written, naming the rule and, where it is
about one input, that input's field (`note`, `timescale`), so each front end can
point at it in its own way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from workflow import store
from workflow.db import transaction
from workflow.errors import BadInput, EditConflict, InterchangeError, NotFound
from workflow.guards import actor_may
from workflow.limits import TEXT_MAX, out_of_range, too_long
from workflow.models import ProgressUpdate
from workflow.records import RAGS, Actor, Change, Outcome, Refusal, Subject
from workflow.services.effects import apply_effects
from workflow.store import RecState

if TYPE_CHECKING:
    from workflow.lifecycle import Lifecycle

AMENDABLE = ("text", "target_date", "monitoring_date")
PROGRESS_UPDATE = "progress_update"  # the act of the workflow table, and its history lines


def fire(
    session: Session,
    lifecycle: Lifecycle,
    code: str,
    change: Change,
    now: datetime,
    expected_version: int | None = None,
) -> Outcome:
    """Fire one event of the workflow on a recommendation, with its effects and history.

    `expected_version` is the version the person saw; if the recommendation has moved
    on since, EditConflict is raised and nothing is written.
    """
    check_inputs(change)
    with transaction(session):
        endorsers = find_endorsers(session, lifecycle, [change])
        return fire_in(session, lifecycle, code, change, now, endorsers, expected_version)


def fire_all(
    session: Session, lifecycle: Lifecycle, changes: Sequence[tuple[str, Change]], now: datetime
) -> list[Outcome]:
    """Fire each (code, change) in one transaction: all of them, or (on any refusal) none.

    The refusal raised names the code it stopped at.
    """
    for _, change in changes:
        check_inputs(change)
    with transaction(session):
        # A plan of a thousand rows names one endorsing body: look it up once, not per row.
        endorsers = find_endorsers(session, lifecycle, [change for _, change in changes])
        return [
            fire_in(session, lifecycle, code, change, now, endorsers) for code, change in changes
        ]


@dataclass(frozen=True)
class Endorsers:
    """The bodies the changes of one transaction may be endorsed by, found once for all."""

    of_any: frozenset[str]  # of the kinds that may endorse anything
    ids: Mapping[str, int]  # each body the changes name, by name

    def id_of(self, name: str) -> int:
        """The id of the body named; raise NotFound if there is none of that name."""
        if name not in self.ids:
            raise NotFound("body", "name", name)
        return self.ids[name]


def find_endorsers(session: Session, lifecycle: Lifecycle, changes: Iterable[Change]) -> Endorsers:
    """Look up the bodies the changes name as endorsing, and those that may endorse anything."""
    names = {change.endorsed_by for change in changes if change.endorsed_by}
    if not names:
        return Endorsers(frozenset(), {})
    of_any = store.body_names_of_kinds(session=session, kinds=lifecycle.table.endorsers)
    return Endorsers(of_any, store.body_ids(session=session, names=names))


def fire_in(
    session: Session,
    lifecycle: Lifecycle,
    code: str,
    change: Change,
    now: datetime,
    endorsers: Endorsers,
    expected_version: int | None = None,
) -> Outcome:
    """Fire `change` on `code` in the transaction the caller holds."""
    rec = load_rec(session, code, expected_version)
    day = effective_day(lifecycle, rec, change.on or change.endorsed_on, now)
    change = replace(change, on=day)
    if change.changes:
        change = replace(change, changes=_differences(rec, change.changes))
    outcome = lifecycle.fire(subject_of(rec, lifecycle, endorsers.of_any), change)
    spec = lifecycle.table.event(change.event)
    assert spec is not None  # fire() refuses unknown events
    if change.endorsed_by:  # after the guards, which say so of a body that cannot endorse
        change = replace(change, endorsed_by_id=endorsers.id_of(change.endorsed_by))
    values, data = apply_effects(session, rec, spec, change, now)
    values["state"] = outcome.after
    if lifecycle.is_final(outcome.after):
        values["closure_outcome"] = data["outcome"] = change.outcome or spec.outcomes[0]
    data["before"] = rec.values(values)  # what an undo puts back
    save_rec(session, rec, values)
    record_line(session, rec, spec.name, outcome.before, outcome.after, change, now, data)
    return outcome


def add_update(
    session: Session,
    lifecycle: Lifecycle,
    code: str,
    actor: Actor,
    note: str,
    rag: str | None,
    now: datetime,
    on: date | None = None,
) -> None:
    """Record a progress update, as of `on` (today if not given): the state stays, the
    history gains a line.
    """
    add_updates(session, lifecycle, [(code, note, rag)], actor, now, on)


def add_updates(
    session: Session,
    lifecycle: Lifecycle,
    updates: Sequence[tuple[str, str, str | None]],
    actor: Actor,
    now: datetime,
    on: date | None = None,
) -> None:
    """Record each (code, note, RAG) as a progress update of `on`, in one transaction:
    all of them, or (on any refusal, which names the code it stopped at) none.
    """
    for _, note, _ in updates:
        check_inputs(Change(PROGRESS_UPDATE, actor, note=note, on=on))
    with transaction(session):
        for code, note, rag in updates:
            add_update_in(session, lifecycle, code, actor, note, rag, now, on)


def updates_from_file(path: Path) -> list[tuple[str, str, str | None]]:
    """The progress updates of a CSV (`code`, `note`, `rag`); refusals name file, row and column."""
    from workflow.interchange.plan import read_updates  # only for a file: most changes need none

    with path.open(newline="", encoding="utf-8-sig") as stream:
        try:
            return read_updates(stream)
        except InterchangeError as error:
            raise InterchangeError(f"{path.name} {error.path}", error.reason) from None


def add_update_in(
    session: Session,
    lifecycle: Lifecycle,
    code: str,
    actor: Actor,
    note: str,
    rag: str | None,
    now: datetime,
    on: date | None,
) -> None:
    """Record one progress update in the transaction the caller holds (see `add_updates`)."""
    rec = load_rec(session, code, None)
    subject = subject_of(rec, lifecycle)
    refusal = _update_refusal(lifecycle, subject, actor, note, rag)
    if refusal:
        lifecycle.refuse(PROGRESS_UPDATE, subject, actor, refusal)
    day = effective_day(lifecycle, rec, on, now)
    row = {"recommendation_id": rec.id, "note": note, "rag": rag, "by_id": actor.person_id}
    row |= {"at": now, "effective_on": day}
    store.add_row(session=session, model=ProgressUpdate, values=row)
    save_rec(session, rec, {"rag": rag} if rag else {})
    change = Change(PROGRESS_UPDATE, actor, note=note, on=day)
    data: dict[str, Any] = {"rag": rag, "before": rec.values(["rag"])} if rag else {}
    record_line(session, rec, PROGRESS_UPDATE, rec.state, rec.state, change, now, data)


def _update_refusal(
    lifecycle: Lifecycle, subject: Subject, actor: Actor, note: str, rag: str | None
) -> Refusal | None:
    if lifecycle.is_final(subject.state):
        return Refusal(f"it is {subject.state}, and {subject.state} is final")
    rule = actor_may(lifecycle.table.act(PROGRESS_UPDATE), subject, actor)
    if rule:
        return Refusal(rule, role=True)
    if not note.strip():
        return Refusal("a note is required", "note")
    if rag is not None and rag not in RAGS:
        return Refusal(f"the RAG status must be one of {', '.join(RAGS)}, not {rag!r}", "rag")
    return None


def effective_day(lifecycle: Lifecycle, rec: RecState, on: date | None, now: datetime) -> date:
    """The day a change happened: `on`, or the council's today; never later, nor before
    the report was submitted. Raise BadInput (field `on`) otherwise.
    """
    today = lifecycle.today(now)
    day = on or today
    if day > today:
        raise BadInput("on", f"{day} is in the future: a change is dated the day it happened")
    if day < rec.submitted_on:
        reason = f"{day} is before {rec.code}'s report was submitted, on {rec.submitted_on}"
        raise BadInput("on", reason)
    return day


def check_inputs(change: Change) -> None:
    """Raise BadInput, naming the field, for a text too long or a date out of range."""
    texts = {"note": change.note, "text": change.changes.get("text")}
    for field, value in texts.items():
        reason = too_long(value, TEXT_MAX) if isinstance(value, str) else None
        if reason:
            raise BadInput(field, f"the {field} {reason}")
    days = {"timescale": change.timescale, "endorsed_on": change.endorsed_on, "on": change.on}
    days |= {key: change.changes.get(key) for key in ("target_date", "monitoring_date")}
    for field, day in days.items():
        reason = out_of_range(day) if isinstance(day, date) else None
        if reason:
            raise BadInput(field, f"the {field.replace('_', ' ')} {reason}")


def subject_of(
    rec: RecState, lifecycle: Lifecycle, endorsers: frozenset[str] = frozenset()
) -> Subject:
    """What the guards read; `endorsers` are the bodies that may endorse anything, if asked."""
    return Subject(
        rec.code,
        rec.state,
        rec.owner_email,
        body=rec.body,
        chair_email=rec.chair_email,
        endorsers=endorsers,
        noted=rec.last_response in lifecycle.table.notes(),
    )


def load_rec(session: Session, code: str, expected_version: int | None) -> RecState:
    rec = store.load_state(session=session, code=code)
    if expected_version is not None and rec.version != expected_version:
        raise EditConflict(code)
    return rec


def save_rec(session: Session, rec: RecState, values: dict[str, Any]) -> None:
    if not store.save_state(session=session, rec=rec, values=values):
        raise EditConflict(rec.code)


def record_line(
    session: Session,
    rec: RecState,
    event: str,
    before: str,
    after: str,
    change: Change,
    now: datetime,
    data: dict[str, Any],
) -> None:
    store.append_event(
        session=session,
        rec_id=rec.id,
        event=event,
        from_state=before,
        to_state=after,
        actor_id=change.actor.person_id,
        at=now,
        effective_on=change.on or now.date(),
        note=change.note,
        data=data,
    )


def _differences(rec: RecState, wanted: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(wanted) - set(AMENDABLE)
    if unknown:
        raise BadInput(
            "changes", f"cannot amend {', '.join(sorted(unknown))}; only {', '.join(AMENDABLE)}"
        )
    return {field: value for field, value in wanted.items() if getattr(rec, field) != value}


@dataclass(frozen=True)
class Choices:
    """What a person may do to a recommendation from where it stands."""

    events: list[str]  # in the table's order
    may_update: bool  # write a progress update
    version: int  # the version they saw: a change sent with it is refused if it moved on


def choices(session: Session, lifecycle: Lifecycle, code: str, actor: Actor) -> Choices:
    """The events `actor` may fire on `code` now, and whether they may write an update."""
    rec = load_rec(session, code, None)
    subject = subject_of(rec, lifecycle)
    rule = lifecycle.table.act(PROGRESS_UPDATE)
    may_update = not lifecycle.is_final(rec.state) and actor_may(rule, subject, actor) is None
    return Choices(lifecycle.allowed_to(subject, actor), may_update, rec.version)
