"""Export: the whole database as the interchange document.

Records come out in the order they were written (by id) and every reference is by
email, name or reference, so importing an export into an empty database and
exporting again gives the same document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from workflow import store
from workflow.models import RELATED_MODELS, Audit, Body, Meeting, Person, Recommendation, Report
from workflow.records import RELATED
from workflow.views import View, own_fields, related_views


def export_document(session: Session) -> dict[str, Any]:
    """Return every person, body, meeting, report and recommendation, with their history."""
    emails = store.emails_by_id(session=session)
    bodies = store.body_names_by_id(session=session)
    return {
        "people": [_person(row) for row in _all(session, Person)],
        "bodies": [_body(row, emails) for row in _all(session, Body)],
        "meetings": [_meeting(row, bodies) for row in _all(session, Meeting)],
        "reports": [_report(row, bodies) for row in _all(session, Report)],
        "recommendations": recommendations(session, emails, bodies),
        "audit": [_audit(row, emails) for row in _all(session, Audit)],
    }


def _all(session: Session, model: type[Any]) -> Any:
    """Every row of a table in the order written, as plain rows (no unit-of-work objects).

    The rows carry the models' attribute names, so the views of `workflow.views` read them.
    """
    table = model.__table__
    return session.connection().execute(select(table).order_by(table.c.id))


def _person(row: Person) -> dict[str, Any]:
    return {"name": row.name, "email": row.email, "roles": list(row.roles)}


def _body(row: Body, emails: Mapping[int, str]) -> dict[str, Any]:
    chair = emails.get(row.chair_id) if row.chair_id is not None else None
    return {"name": row.name, "kind": row.kind, "chair": chair}


def _meeting(row: Meeting, bodies: Mapping[int, str]) -> dict[str, Any]:
    item = {"body": bodies[row.body_id], "starts_at": row.starts_at.isoformat(), "title": row.title}
    if row.cancelled_at is not None:
        item["cancelled_at"] = row.cancelled_at.isoformat()
    return item


def _audit(row: Audit, emails: Mapping[int, str]) -> dict[str, Any]:
    return {
        "record": row.record,
        "key": row.key,
        "action": row.action,
        "before": row.before,
        "after": row.after,
        "by": emails.get(row.actor_id) if row.actor_id is not None else None,
        "at": row.at.isoformat(),
    }


def _report(row: Report, bodies: Mapping[int, str]) -> dict[str, Any]:
    return {
        "reference": row.reference,
        "title": row.title,
        "from_body": bodies[row.from_body_id],
        "to_body": bodies[row.to_body_id],
        "submitted_on": row.submitted_on.isoformat(),
        "response_due_on": row.response_due_on.isoformat(),
    }


def recommendations(
    session: Session, emails: Mapping[int, str], bodies: Mapping[int, str]
) -> list[dict[str, Any]]:
    """Every recommendation with all it carries, each related list oldest first."""
    views = related_views(emails, bodies, store.readings(session=session))
    related = {kind: _grouped(session, RELATED_MODELS[kind], view) for kind, view in views.items()}
    reports = {row.id: row.reference for row in _all(session, Report)}
    codes = store.codes_by_id(session=session)
    result = []
    for rec in _all(session, Recommendation):
        item = own_fields(rec, reports[rec.report_id], emails, codes)
        for key in RELATED:
            item[key] = related[key].pop(rec.id, [])
        result.append(item)
    return result


def _grouped(session: Session, model: type[Any], view: View) -> dict[int, list[dict[str, Any]]]:
    groups: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in _all(session, model):
        groups[row.recommendation_id].append(view(row))
    return groups
