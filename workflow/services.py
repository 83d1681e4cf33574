"""The use cases. Each runs in one transaction: load, ask the lifecycle, write, record.

The command line calls these and nothing else; so will the web app. The actor and
the time are always passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from config.workflow_table import EventSpec
from workflow import store
from workflow.db import transaction
from workflow.errors import EditConflict, InputError, TransitionRefused
from workflow.guards import actor_may
from workflow.models import Amendment, ProgressUpdate, Report, Response
from workflow.records import Actor, Change, Outcome, Subject
from workflow.store import RecState
from workflow.views import Related, detail, iso, summary

if TYPE_CHECKING:
    from workflow.lifecycle import Lifecycle

AMENDABLE = ("text", "target_date", "monitoring_date")
RAGS = ("green", "amber", "red")
PROGRESS_UPDATE = "progress_update"
_UPDATE_RULE = EventSpec("write a progress update", (), "", roles=("owner", "clerk"))


def find_actor(session: Session, email: str) -> Actor:
    """Return the person named by `--by`, with their roles."""
    person = store.get_person(session=session, email=email)
    return Actor(person.email, frozenset(person.roles), person.id)


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
    with transaction(session):
        rec = _load(session, code, expected_version)
        if change.changes:
            change = replace(change, changes=_differences(rec, change.changes))
        outcome = lifecycle.fire(Subject(rec.code, rec.state, rec.owner_email), change)
        spec = lifecycle.table.event(change.event)
        assert spec is not None  # fire() refuses unknown events
        values, data = _apply_effects(session, rec, spec, change, now)
        values["state"] = outcome.after
        if lifecycle.is_final(outcome.after):
            values["closure_outcome"] = data["outcome"] = change.outcome or spec.outcomes[0]
        _save(session, rec, values)
        store.append_event(
            session=session,
            rec_id=rec.id,
            event=spec.name,
            from_state=outcome.before,
            to_state=outcome.after,
            actor_id=change.actor.person_id,
            at=now,
            note=change.note,
            data=data,
        )
    return outcome


def add_update(
    session: Session,
    lifecycle: Lifecycle,
    code: str,
    actor: Actor,
    note: str,
    rag: str | None,
    now: datetime,
) -> None:
    """Record a progress update: the state stays, the history gains a line."""
    with transaction(session):
        rec = _load(session, code, None)
        subject = Subject(rec.code, rec.state, rec.owner_email)
        rule = _update_refusal(lifecycle, subject, actor, note, rag)
        if rule:
            allowed = lifecycle.allowed(rec.state)
            raise TransitionRefused(PROGRESS_UPDATE, rec.state, rule, allowed, code)
        row = {
            "recommendation_id": rec.id,
            "note": note,
            "rag": rag,
            "by_id": actor.person_id,
            "at": now,
        }
        store.add_row(session=session, model=ProgressUpdate, values=row)
        _save(session, rec, {"rag": rag} if rag else {})
        store.append_event(
            session=session,
            rec_id=rec.id,
            event=PROGRESS_UPDATE,
            from_state=rec.state,
            to_state=rec.state,
            actor_id=actor.person_id,
            at=now,
            note=note,
            data={"rag": rag} if rag else {},
        )


def _update_refusal(
    lifecycle: Lifecycle, subject: Subject, actor: Actor, note: str, rag: str | None
) -> str | None:
    if lifecycle.is_final(subject.state):
        return f"it is {subject.state}, and {subject.state} is final"
    if not note.strip():
        return "a note is required"
    if rag is not None and rag not in RAGS:
        return f"the RAG status must be one of {', '.join(RAGS)}, not {rag!r}"
    return actor_may(_UPDATE_RULE, subject, Change(PROGRESS_UPDATE, actor))


def _load(session: Session, code: str, expected_version: int | None) -> RecState:
    rec = store.load_state(session=session, code=code)
    if expected_version is not None and rec.version != expected_version:
        raise EditConflict(code)
    return rec


def _save(session: Session, rec: RecState, values: dict[str, Any]) -> None:
    if not store.save_state(session=session, rec=rec, values=values):
        raise EditConflict(rec.code)


def _differences(rec: RecState, wanted: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(wanted) - set(AMENDABLE)
    if unknown:
        raise InputError(f"cannot amend {', '.join(sorted(unknown))}; only {', '.join(AMENDABLE)}")
    return {field: value for field, value in wanted.items() if getattr(rec, field) != value}


Written = tuple[dict[str, Any], dict[str, Any]]  # column values for the row, data for the history
Effect = Callable[[Session, RecState, EventSpec, Change, datetime], Written]


def _apply_effects(
    session: Session, rec: RecState, spec: EventSpec, change: Change, now: datetime
) -> Written:
    values: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for name in spec.effects:
        more_values, more_data = EFFECTS[name](session, rec, spec, change, now)
        values.update(more_values)
        data.update(more_data)
    if change.endorsed_by and "endorsed_by" not in data:
        body = store.get_body(session=session, name=change.endorsed_by)
        data.update(endorsed_by=body.name, endorsed_on=iso(change.endorsed_on))
    return values, data


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
    body = store.get_body(session=session, name=change.endorsed_by or "")
    changes = {
        field: [_plain(getattr(rec, field)), _plain(new)] for field, new in change.changes.items()
    }
    values = dict(change.changes)
    if "target_date" in values and rec.original_target_date is None:
        values["original_target_date"] = values["target_date"]
    row = {
        "recommendation_id": rec.id,
        "reason": change.note or "",
        "endorsed_by_id": body.id,
        "endorsed_on": change.endorsed_on,
        "changes": changes,
        "by_id": change.actor.person_id,
        "at": now,
    }
    store.add_row(session=session, model=Amendment, values=row)
    data = {"changes": changes, "endorsed_by": body.name, "endorsed_on": iso(change.endorsed_on)}
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
    }
    store.add_row(session=session, model=ProgressUpdate, values=row)
    return {}, {}


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


EFFECTS: dict[str, Effect] = {
    "record_response": record_response,
    "set_target": set_target,
    "apply_amendment": apply_amendment,
    "record_progress": record_progress,
}


def list_recommendations(
    session: Session,
    states: tuple[str, ...] = (),
    owner: str | None = None,
    report: str | None = None,
) -> list[dict[str, Any]]:
    """The tracker table, as `recs list` shows it."""
    owner_id = store.get_person(session=session, email=owner).id if owner else None
    report_id = store.get_report(session=session, reference=report).id if report else None
    rows = store.list_recommendations(
        session=session, states=states, owner_id=owner_id, report_id=report_id
    )
    emails = store.emails_by_id(session=session)
    responses = store.latest_responses(session=session)
    return [summary(rec, ref, emails, responses.get(rec.id or 0)) for rec, ref in rows]


def show_recommendation(session: Session, code: str) -> dict[str, Any]:
    """Everything about one recommendation, history included, as `recs show` shows it."""
    rec = store.get_recommendation(session=session, code=code)
    assert rec.id is not None
    report = session.get_one(Report, rec.report_id)
    loaded = {
        key: store.related(session=session, model=model, recommendation_id=rec.id)
        for key, model in RELATED_KEYS.items()
    }
    emails = store.emails_by_id(session=session)
    bodies = store.body_names_by_id(session=session)
    return detail(rec, report.reference, emails, bodies, Related(**loaded))  # type: ignore[typeddict-item]


RELATED_KEYS: dict[str, type[Any]] = dict(
    zip(
        ("responses", "updates", "amendments", "milestones", "indicators", "history"),
        store.RELATED_MODELS,
        strict=True,
    )
)
