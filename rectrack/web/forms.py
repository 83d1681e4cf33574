"""Reading posted forms: the fields take the command line's names, and a value that
cannot be read is refused naming its field, as the services refuse theirs.
"""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData

from config.workflow_table import EventSpec
from reports.wording import words
from workflow.errors import BadInput
from workflow.records import Outcome
from workflow.services.decisions import Asked

# The fields each need of the workflow table asks for on a form, beside `on`.
NEED_FIELDS = {
    "timescale": ("timescale",),
    "comment": ("comment",),
    "reason": ("reason",),
    "commentary": ("note",),
    "endorsement": ("endorsed_by",),
    "changes": ("text", "target_date", "monitoring_date"),
    "outcome": ("outcome",),
}


def fields_of(spec: EventSpec) -> list[str]:
    """The fields of the form that fires `spec`: what its needs ask for, then its outcome
    (where it offers a choice) and the day it happened.
    """
    fields = [name for need in spec.needs for name in NEED_FIELDS.get(need, ())]
    if len(spec.outcomes) > 1 and "outcome" not in fields:
        fields.append("outcome")
    return [*dict.fromkeys(fields), "on"]


def text(form: FormData, field: str) -> str | None:
    """A text field, stripped; None if left empty."""
    value = form.get(field)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def day(form: FormData, field: str) -> date | None:
    """A date field (a browser's date input sends YYYY-MM-DD); None if left empty."""
    value = text(form, field)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        label = field.replace("_", " ")
        raise BadInput(field, f"the {label} {value!r} is not a date like 2027-03-31") from None


def whole(form: FormData, field: str) -> int | None:
    value = text(form, field)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise BadInput(field, f"{value!r} is not a whole number") from None


def asked(event: str, form: FormData) -> Asked:
    """What a form that fires `event` asks, by the command line's names."""
    changes = {name: day(form, name) for name in ("target_date", "monitoring_date")}
    changes["text"] = text(form, "text")  # type: ignore[assignment]
    return Asked(
        event=event,
        note=text(form, "note"),
        timescale=day(form, "timescale"),
        comment=text(form, "comment"),
        reason=text(form, "reason"),
        endorsed_by=text(form, "endorsed_by"),
        outcome=text(form, "outcome"),
        on=day(form, "on"),
        changes={name: value for name, value in changes.items() if value is not None},
        version=whole(form, "version"),
    )


def done(code: str, outcome: Outcome, what: Asked) -> str:
    """What a person is told once their change is recorded, in words, not the table's names."""
    closed_as = f" ({words(what.outcome).lower()})" if what.outcome else ""
    now = words(outcome.after).lower()
    return f"{code}: {words(outcome.event).lower()} recorded; it is now {now}{closed_as}."
