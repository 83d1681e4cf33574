"""What a recommendation looks like to its readers: plain JSON-ready dicts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypedDict

from workflow.models import (
    Amendment,
    Event,
    Indicator,
    IndicatorReading,
    Milestone,
    ProgressUpdate,
    Recommendation,
    Response,
)
from workflow.records import RELATED


class ResponseView(TypedDict, total=False):
    decision: str
    timescale: str | None
    comment: str | None
    by: str | None
    at: str
    effective_on: str


Related = Mapping[str, Sequence[Any]]  # the rows of each kind of workflow.records.RELATED
View = Callable[[Any], dict[str, Any]]


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def slippage_days(rec: Recommendation) -> int | None:
    """Days the target has moved from its baseline; None until both are known."""
    if rec.target_date is None or rec.original_target_date is None:
        return None
    return (rec.target_date - rec.original_target_date).days


def undone(row: Any) -> dict[str, bool]:
    """`{"undone": True}` for a row whose event was undone; nothing for the rest."""
    return {"undone": True} if row.undone else {}


def response_view(row: Response, emails: Mapping[int, str]) -> ResponseView:
    return {
        "decision": row.decision,
        "timescale": iso(row.timescale),
        "comment": row.comment,
        "by": _email(emails, row.by_id),
        "at": row.at.isoformat(),
        "effective_on": row.effective_on.isoformat(),
        **undone(row),  # type: ignore[typeddict-item]
    }


def _email(emails: Mapping[int, str], person_id: int | None) -> str | None:
    return emails.get(person_id) if person_id is not None else None


def own_fields(
    rec: Recommendation, report: str, emails: Mapping[int, str], codes: Mapping[int, str]
) -> dict[str, Any]:
    """A recommendation's own fields, people by email, its parent by code: as the
    interchange document has them.
    """
    return {
        "report": report,
        "reference": rec.reference,
        "code": rec.code,
        "text": rec.text,
        "priority": rec.priority,
        "group": rec.group_name,
        "parent": codes.get(rec.parent_id) if rec.parent_id is not None else None,
        "owner": _email(emails, rec.owner_id),
        "lead_member": _email(emails, rec.lead_member_id),
        "state": rec.state,
        "target_date": iso(rec.target_date),
        "original_target_date": iso(rec.original_target_date),
        "monitoring_date": iso(rec.monitoring_date),
        "rag": rec.rag,
        "closure_outcome": rec.closure_outcome,
        "exempt": rec.exempt,
        "exempt_reason": rec.exempt_reason,
    }


def summary(
    rec: Recommendation,
    report: str,
    emails: Mapping[int, str],
    response: Response | None,
    codes: Mapping[int, str],
) -> dict[str, Any]:
    """The tracker line of a recommendation: what `recs list --json` prints.

    `codes` holds the code of its parent, if it has one.
    """
    return {
        **own_fields(rec, report, emails, codes),
        "slippage_days": slippage_days(rec),
        "response": response_view(response, emails) if response else None,
    }


def detail(
    rec: Recommendation,
    report: str,
    emails: Mapping[int, str],
    bodies: Mapping[int, str],
    related: Related,
    codes: Mapping[int, str],
    readings: Mapping[int, Sequence[IndicatorReading]],
) -> dict[str, Any]:
    """Everything about one recommendation: what `recs show --json` prints."""
    in_force = [row for row in related["responses"] if not row.undone]
    view = summary(rec, report, emails, in_force[-1] if in_force else None, codes)
    view["rebasings"] = sum(1 for a in related["amendments"] if rebased(a))
    for kind, show in related_views(emails, bodies, readings).items():
        view[kind] = [show(row) for row in related[kind]]
    return view


def related_views(
    emails: Mapping[int, str],
    bodies: Mapping[int, str],
    readings: Mapping[int, Sequence[IndicatorReading]],
) -> dict[str, View]:
    """How each related kind is shown, people by email and bodies by name, in RELATED order.

    `readings` are each indicator's, by its id.
    """
    views: dict[str, View] = {
        "responses": lambda row: dict(response_view(row, emails)),
        "updates": lambda row: update_view(row, emails),
        "amendments": lambda row: amendment_view(row, emails, bodies),
        "milestones": milestone_view,
        "indicators": lambda row: indicator_view(row, readings.get(row.id, ()), emails),
        "history": lambda row: history_line(row, emails),
    }
    assert tuple(views) == RELATED
    return views


def rebased(amendment: Amendment) -> bool:
    """Whether the amendment moved a target that had been set (a re-basing)."""
    old_new: Sequence[Any] | None = amendment.changes.get("target_date")
    return bool(old_new and old_new[0] is not None)


def update_view(row: ProgressUpdate, emails: Mapping[int, str]) -> dict[str, Any]:
    return {
        "note": row.note,
        "rag": row.rag,
        "by": _email(emails, row.by_id),
        "at": row.at.isoformat(),
        "effective_on": row.effective_on.isoformat(),
        **undone(row),
    }


def amendment_view(
    row: Amendment, emails: Mapping[int, str], bodies: Mapping[int, str]
) -> dict[str, Any]:
    return {
        "reason": row.reason,
        "endorsed_by": bodies.get(row.endorsed_by_id),
        "endorsed_on": row.endorsed_on.isoformat(),
        "changes": row.changes,
        "by": _email(emails, row.by_id),
        "at": row.at.isoformat(),
        **undone(row),
    }


def milestone_view(row: Milestone) -> dict[str, Any]:
    return {"title": row.title, "due_on": iso(row.due_on), "done_on": iso(row.done_on)}


def indicator_view(
    row: Indicator, readings: Sequence[IndicatorReading], emails: Mapping[int, str]
) -> dict[str, Any]:
    """An indicator; its series of actuals (only if it has one), oldest first."""
    view: dict[str, Any] = {
        "kind": row.kind,
        "name": row.name,
        "unit": row.unit,
        "baseline": row.baseline,
        "target": row.target,
        "actual": row.actual,
    }
    if readings:
        view["readings"] = [reading_view(reading, emails) for reading in readings]
    return view


def reading_view(row: IndicatorReading, emails: Mapping[int, str]) -> dict[str, Any]:
    by = _email(emails, row.by_id)
    return {"value": row.value, "on": row.on.isoformat(), "by": by, "at": row.at.isoformat()}


def history_line(row: Event, emails: Mapping[int, str]) -> dict[str, Any]:
    return {
        "event": row.event,
        "from_state": row.from_state,
        "to_state": row.to_state,
        "actor": _email(emails, row.actor_id),
        "at": row.at.isoformat(),
        "effective_on": row.effective_on.isoformat(),
        "note": row.note,
        "data": row.data,
    }
