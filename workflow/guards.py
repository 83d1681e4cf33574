"""Guards named in the workflow table. Each returns None when satisfied, else the rule."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from config.addresses import same_address
from config.workflow_table import CHAIR, OWNER, EventSpec
from workflow.records import Actor, Change, Refusal, Subject

Guard = Callable[[EventSpec, Subject, Change], str | None]


class Permission(Protocol):
    """An event or an act of the workflow table: its name and who may do it."""

    @property
    def name(self) -> str: ...

    @property
    def roles(self) -> Sequence[str]: ...

    @property
    def action(self) -> str: ...


def _filled(text: str | None) -> bool:
    return bool(text and text.strip())


def has_timescale(spec: EventSpec, subject: Subject, change: Change) -> str | None:
    """A commitment needs the date by which it will be done."""
    return None if change.timescale else "a timescale (the date it will be done by) is required"


def has_reason(spec: EventSpec, subject: Subject, change: Change) -> str | None:
    return None if _filled(change.note) else "a reason is required"


def has_comment(spec: EventSpec, subject: Subject, change: Change) -> str | None:
    return None if _filled(change.note) else "a comment is required"


def has_commentary(spec: EventSpec, subject: Subject, change: Change) -> str | None:
    return None if _filled(change.note) else "a commentary on what was done is required"


def has_endorsement(spec: EventSpec, subject: Subject, change: Change) -> str | None:
    """Amendments and withdrawals take effect only once a body that may has endorsed them.

    That is the body that made the recommendation, or one of the table's endorsers.
    """
    if not (_filled(change.endorsed_by) and change.endorsed_on):
        return "the endorsing body and the date it endorsed this are required"
    body = change.endorsed_by
    if subject.body is None or body == subject.body or body in subject.endorsers:
        return None
    others = "".join(f" or {name}" for name in sorted(subject.endorsers))
    return f"{body} cannot endorse it: only {subject.body}, which made it{others}"


def has_changes(spec: EventSpec, subject: Subject, change: Change) -> str | None:
    if change.changes:
        return None
    return "say what changes: the text, the target date or the monitoring date"


def has_known_outcome(spec: EventSpec, subject: Subject, change: Change) -> str | None:
    """An outcome, when given, is one the event offers; only closing events offer any."""
    if change.outcome is None or change.outcome in spec.outcomes:
        return None
    if not spec.outcomes:
        return f"{spec.name} does not close it, so it takes no outcome"
    if len(spec.outcomes) == 1:
        return f"the outcome must be {spec.outcomes[0]}, not {change.outcome!r}"
    return f"the outcome must be one of {', '.join(spec.outcomes)}, not {change.outcome!r}"


def was_noted(spec: EventSpec, subject: Subject, change: Change) -> str | None:
    """Only a recommendation the executive noted, without a commitment, is concluded so."""
    if subject.noted:
        return None
    return "only a recommendation the executive has noted may be concluded"


NEEDS: dict[str, Guard] = {  # the needs a workflow table may name
    "timescale": has_timescale,
    "reason": has_reason,
    "comment": has_comment,
    "commentary": has_commentary,
    "endorsement": has_endorsement,
    "changes": has_changes,
    "outcome": has_known_outcome,
    "noted": was_noted,
}


# The input each need reads, by the names the front ends give their fields.
NEED_FIELDS = {
    "timescale": "timescale",
    "reason": "note",
    "comment": "note",
    "commentary": "note",
    "endorsement": "endorsed_by",
    "changes": "changes",
    "outcome": "outcome",
    "noted": "code",
}


def may(rule: Permission, subject: Subject, actor: Actor) -> bool:
    """Say if `actor` holds one of the rule's roles, or is the owner where the owner may.

    A chair may act as chair only on what the body they chair made.
    """
    # "owner" names one person, never a role someone might hold.
    held = actor.roles & set(rule.roles) - {OWNER}
    if not rule.roles or held - {CHAIR}:
        return True
    if CHAIR in held and same_address(actor.email, subject.chair_email):
        return True
    return OWNER in rule.roles and same_address(actor.email, subject.owner_email)


def actor_may(rule: Permission, subject: Subject, actor: Actor) -> str | None:
    """None if `actor` may do what `rule` names, else the rule in words."""
    if may(rule, subject, actor):
        return None
    who = " or ".join(_role_words(role, subject) for role in rule.roles)
    held = ", ".join(sorted(actor.roles)) or "no role"
    return f"only {who} may {rule.action}, and {actor.email} is {held}"


def _role_words(role: str, subject: Subject) -> str:
    if role == OWNER:
        return f"the owner ({subject.owner_email or 'none set'})"
    if role == CHAIR:
        body = subject.body or "the body that made it"
        return f"the chair of {body} ({subject.chair_email or 'none set'})"
    return f"a {role}" if role != "executive" else "an executive"


def first_refusal(spec: EventSpec, subject: Subject, change: Change) -> Refusal | None:
    """Return the first rule the change breaks: roles first, then each need in order.

    The outcome is checked for every event, needed or not, so that no event closes a
    recommendation with an outcome it does not offer.
    """
    rule = actor_may(spec, subject, change.actor)
    if rule:
        return Refusal(rule, role=True)
    for need in (*spec.needs, "outcome"):
        rule = NEEDS[need](spec, subject, change)
        if rule:
            return Refusal(rule, NEED_FIELDS[need])
    return None
