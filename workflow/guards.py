"""Guards named in the workflow table. Each returns None when satisfied, else the rule."""

from __future__ import annotations

from collections.abc import Callable

from config.addresses import same_address
from config.workflow_table import OWNER, EventSpec
from workflow.records import Change, Subject

Guard = Callable[[EventSpec, Subject, Change], str | None]


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
    """Amendments and withdrawals take effect only once a body has endorsed them."""
    if _filled(change.endorsed_by) and change.endorsed_on:
        return None
    return "the endorsing body and the date it endorsed this are required"


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


NEEDS: dict[str, Guard] = {
    "timescale": has_timescale,
    "reason": has_reason,
    "comment": has_comment,
    "commentary": has_commentary,
    "endorsement": has_endorsement,
    "changes": has_changes,
    "outcome": has_known_outcome,
}


def actor_may(spec: EventSpec, subject: Subject, change: Change) -> str | None:
    """The actor holds one of the event's roles, or is the owner where the owner may."""
    actor = change.actor
    # "owner" names one person, never a role someone might hold.
    if not spec.roles or actor.roles & (set(spec.roles) - {OWNER}):
        return None
    if OWNER in spec.roles and same_address(actor.email, subject.owner_email):
        return None
    who = " or ".join(_role_words(role, subject) for role in spec.roles)
    held = ", ".join(sorted(actor.roles)) or "no role"
    return f"only {who} may {spec.name}, and {actor.email} is {held}"


def _role_words(role: str, subject: Subject) -> str:
    if role == OWNER:
        return f"the owner ({subject.owner_email or 'none set'})"
    return f"a {role}" if role != "executive" else "an executive"


def first_refusal(spec: EventSpec, subject: Subject, change: Change) -> str | None:
    """Return the first rule the change breaks: roles first, then each need in order.

    The outcome is checked for every event, needed or not, so that no event closes a
    recommendation with an outcome it does not offer.
    """
    for guard in (actor_may, *(NEEDS[need] for need in spec.needs), has_known_outcome):
        rule = guard(spec, subject, change)
        if rule:
            return rule
    return None
