"""What a body decides, for one recommendation or many: responses and amendments.

Several codes, or every recommendation of a report the event applies to, change
together in one transaction: all of them, or (on any refusal, which names the
code) none. An amendment's fields are by name; a plan (`amend --from-file`) gives
each recommendation its own, as `respond_each` gives each its own response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from workflow import store
from workflow.errors import BadInput, InterchangeError, TransitionRefused
from workflow.interchange.plan import read_plan
from workflow.models import Recommendation
from workflow.records import Actor, Change, Outcome
from workflow.services.changes import check_inputs, fire, fire_all

if TYPE_CHECKING:
    from config.workflow_table import EventSpec
    from workflow.lifecycle import Lifecycle

RESPONSE_EFFECT, AMENDMENT_EFFECT = "record_response", "apply_amendment"  # effects by name
Plan = Sequence[tuple[str, Mapping[str, Any]]]  # (code, the fields that change) per row


def targets(
    session: Session, lifecycle: Lifecycle, event: str, codes: Sequence[str], report: str | None
) -> list[str]:
    """The codes named, or those of `report` in a state `event` may be fired from."""
    if bool(codes) == (report is not None):
        raise BadInput("codes", "name the recommendations by code, or give a report (not both)")
    if report is None:
        return list(dict.fromkeys(codes))
    spec = lifecycle.table.event(event)
    sources = spec.sources if spec else ()
    report_id = store.get_report(session=session, reference=report).id
    query = (
        select(Recommendation.code)
        .where(Recommendation.report_id == report_id, col(Recommendation.state).in_(sources))
        .order_by(col(Recommendation.id))
    )
    found = list(session.exec(query))
    if not found:
        raise BadInput("report", f"no recommendation of {report} is in a state to {event} from")
    return found


@dataclass(frozen=True)
class Answer:
    """The executive's response to one recommendation, by the command line's names.

    `decision` is the name of an event of the table that records a response, with
    hyphens or underscores (`agree-in-part`). A reason (for disagreeing) or a comment
    becomes the response's text.
    """

    code: str
    decision: str
    timescale: date | None = None
    comment: str | None = None
    reason: str | None = None


def respond(
    session: Session,
    lifecycle: Lifecycle,
    codes: Sequence[str],
    actor: Actor,
    decision: str,
    now: datetime,
    *,
    timescale: date | None = None,
    comment: str | None = None,
    reason: str | None = None,
    on: date | None = None,
) -> list[Outcome]:
    """Record the same response to each of `codes`, decided `on` (see `respond_each`)."""
    answers = [Answer(code, decision, timescale, comment, reason) for code in codes]
    return respond_each(session, lifecycle, answers, actor, now, on=on)


def respond_each(
    session: Session,
    lifecycle: Lifecycle,
    answers: Sequence[Answer],
    actor: Actor,
    now: datetime,
    *,
    on: date | None = None,
) -> list[Outcome]:
    """Record each answer, all decided `on` (today if not given), in one transaction:
    all of them, or (on any refusal, which names the code it stopped at) none.

    A board answers a whole report at one meeting, each recommendation its own way.
    """
    if not answers:
        raise BadInput("decision", "choose a decision for at least one recommendation")
    changes = [(answer.code, _response_change(lifecycle, answer, actor, on)) for answer in answers]
    try:
        return fire_all(session, lifecycle, changes, now)
    except TransitionRefused as refused:
        if refused.field == "note":  # a response names its text a reason or a comment
            spec = lifecycle.table.event(refused.event)
            refused.field = "reason" if spec and "reason" in spec.needs else "comment"
        raise


def _response_change(lifecycle: Lifecycle, answer: Answer, actor: Actor, on: date | None) -> Change:
    """The change an answer asks for; raise BadInput naming its code if it cannot be one."""
    try:
        event = response_event(lifecycle, answer.decision)
        note = answer.reason if answer.reason is not None else answer.comment
        change = Change(event, actor, note=note, timescale=answer.timescale, on=on)
        check_inputs(change)
    except BadInput as error:
        field = str(error.field)
        if field == "note":  # a response's text is its reason or its comment
            field = "reason" if answer.reason is not None else "comment"
        reason = error.reason.replace("the note", f"the {field}", 1)
        raise BadInput(field, reason, answer.code) from None
    return change


def response_decisions(lifecycle: Lifecycle) -> list[EventSpec]:
    """The events of the table that record a response, in its order: what the executive
    may decide of a recommendation."""
    return list(lifecycle.table.events_with_effect(RESPONSE_EFFECT))


def response_event(lifecycle: Lifecycle, decision: str) -> str:
    """The event a decision names; raise BadInput if it is not one that records a response."""
    events = [spec.name for spec in response_decisions(lifecycle)]
    event = decision.replace("-", "_")
    if event not in events:
        choices = ", ".join(name.replace("_", "-") for name in events)
        raise BadInput("decision", f"{decision!r} is not a response; choose from {choices}")
    return event


def amendment_event(lifecycle: Lifecycle) -> str:
    """The event of the table that applies amendments."""
    events = lifecycle.table.events_with_effect(AMENDMENT_EFFECT)
    if not events:
        raise BadInput("event", "this workflow has no event that applies amendments")
    return events[0].name


def amend(
    session: Session,
    lifecycle: Lifecycle,
    plan: Plan,
    actor: Actor,
    now: datetime,
    *,
    reason: str | None,
    endorsed_by: str | None,
    endorsed_on: date | None,
) -> list[Outcome]:
    """Record one endorsed amendment to each recommendation of `plan`, all or none.

    Each row maps fields of AMENDABLE to their new values; None values are left out.
    An amendment takes effect the day it was endorsed.
    """
    event = amendment_event(lifecycle)

    def change(fields: Mapping[str, Any]) -> Change:
        wanted = {field: value for field, value in fields.items() if value is not None}
        return Change(
            event,
            actor,
            note=reason,
            endorsed_by=endorsed_by,
            endorsed_on=endorsed_on,
            changes=wanted,
            on=endorsed_on,
        )

    try:
        return fire_all(session, lifecycle, [(code, change(row)) for code, row in plan], now)
    except TransitionRefused as refused:
        if refused.field == "note":  # an amendment's text is its reason
            refused.field = "reason"
        raise


def amendment_plan(
    session: Session,
    lifecycle: Lifecycle,
    codes: Sequence[str],
    report: str | None,
    plan_file: Path | None,
    fields: Mapping[str, Any],
) -> list[tuple[str, Mapping[str, Any]]]:
    """The amendments asked for: a plan file's rows, or the same `fields` for each target.

    A plan file stands alone: codes, a report or fields beside it are refused.
    """
    given = {name: value for name, value in fields.items() if value is not None}
    if plan_file is None:
        event = amendment_event(lifecycle)
        return [(code, given) for code in targets(session, lifecycle, event, codes, report)]
    if codes or report or given:
        raise BadInput("from_file", "a plan file says what changes: give no codes, report or dates")
    with plan_file.open(newline="", encoding="utf-8-sig") as stream:
        try:
            return list(read_plan(stream))
        except InterchangeError as error:
            raise InterchangeError(f"{plan_file.name} {error.path}", error.reason) from None


@dataclass(frozen=True)
class Asked:
    """What a form or an API call asks of one recommendation, by the command line's names."""

    event: str
    note: str | None = None  # the commentary (report_implemented), or a reason or comment
    timescale: date | None = None
    comment: str | None = None
    reason: str | None = None
    endorsed_by: str | None = None
    outcome: str | None = None
    on: date | None = None  # the day it happened; for an amendment, the day it was endorsed
    changes: Mapping[str, Any] = field(default_factory=dict)  # an amendment's new values
    version: int | None = None  # the version the person saw


def act(
    session: Session, lifecycle: Lifecycle, code: str, actor: Actor, asked: Asked, now: datetime
) -> Outcome:
    """Fire `asked.event` on `code` as its command would: a response as `respond`, an
    amendment as `amend`, any other event as `fire`.
    """
    spec = lifecycle.table.event(asked.event)
    if spec is None:
        raise BadInput("event", f"{asked.event!r} is not an event of this workflow")
    if RESPONSE_EFFECT in spec.effects:
        return respond(
            session, lifecycle, [code], actor, spec.name, now,
            timescale=asked.timescale, comment=asked.comment, reason=asked.reason, on=asked.on,
        )[0]  # fmt: skip
    if AMENDMENT_EFFECT in spec.effects:
        plan = [(code, asked.changes)]
        return amend(
            session, lifecycle, plan, actor, now,
            reason=asked.reason, endorsed_by=asked.endorsed_by, endorsed_on=asked.on,
        )[0]  # fmt: skip
    note = asked.note or asked.reason or asked.comment
    change = Change(
        spec.name, actor, note=note, endorsed_by=asked.endorsed_by, endorsed_on=asked.on,
        outcome=asked.outcome, on=asked.on,
    )  # fmt: skip
    return fire(session, lifecycle, code, change, now, asked.version)
