"""Validate a whole document into records before anything is written.

Pure: the database's contents come in as `Known`, the workflow table and the response
period as arguments. Every refusal is an InterchangeError naming the record's path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from config.periods import Period
from config.workflow_table import BODY_KINDS, WorkflowTable
from workflow.interchange import checks
from workflow.interchange.recommendations import check_parents, recommendation
from workflow.interchange.records import (
    AuditRecord,
    BodyRecord,
    Known,
    MeetingRecord,
    PersonRecord,
    ReportRecord,
    Validated,
)
from workflow.interchange.scope import (
    ROLE_NAMES,
    Scope,
    body_ref,
    new_key,
    person_ref,
)
from workflow.interchange.shapes import KEYS, REQUIRED
from workflow.records import AUDIT_ACTIONS, AUDITED

T = TypeVar("T")


def validate_document(
    document: object,
    *,
    table: WorkflowTable,
    period: Period,
    known: Known,
    tz: ZoneInfo | None = None,
    updating: bool = False,
) -> Validated:
    """Return the document as records, or raise InterchangeError at its first fault.

    A meeting time without a UTC offset is read in `tz`, the council's zone. With
    `updating`, a record may name one the database holds (see `workflow.interchange.update`).
    """
    doc = checks.fields(document, KEYS["document"], (), "")
    scope = Scope(table, known, tz, updating=updating)
    validated = Validated(
        _each(doc, "people", lambda raw, path: person(raw, path, scope)),
        _each(doc, "bodies", lambda raw, path: body(raw, path, scope)),
        _each(doc, "meetings", lambda raw, path: meeting(raw, path, scope)),
        _each(doc, "reports", lambda raw, path: report(raw, path, scope, period)),
        _each(doc, "recommendations", lambda raw, path: recommendation(raw, path, scope)),
        _each(doc, "audit", lambda raw, path: audit(raw, path, scope)),
    )
    check_parents(validated.recommendations, scope.codes, "recommendations")
    return validated


def _each(doc: dict[str, Any], key: str, check: Callable[[object, str], T]) -> tuple[T, ...]:
    records = checks.items(doc.get(key), key)
    return tuple(check(raw, f"{key}[{i}]") for i, raw in enumerate(records))


def person(raw: object, path: str, scope: Scope) -> PersonRecord:
    record = checks.fields(raw, KEYS["person"], REQUIRED["person"], path)
    email = checks.email(record["email"], f"{path}.email")
    new_key(email, scope.emails, scope.known.emails, f"{path}.email", "a person with email", scope)
    roles = checks.items(record.get("roles"), f"{path}.roles")
    return PersonRecord(
        checks.line(record["name"], f"{path}.name"),
        email,
        tuple(
            checks.choice(role, ROLE_NAMES, f"{path}.roles[{i}]", "role")
            for i, role in enumerate(roles)
        ),
    )


def body(raw: object, path: str, scope: Scope) -> BodyRecord:
    record = checks.fields(raw, KEYS["body"], REQUIRED["body"], path)
    name = checks.line(record["name"], f"{path}.name")
    new_key(name, scope.bodies, scope.known.bodies, f"{path}.name", "a body named", scope)
    return BodyRecord(
        name,
        checks.choice(record["kind"], BODY_KINDS, f"{path}.kind", "kind of body"),
        person_ref(record.get("chair"), f"{path}.chair", scope),
    )


def meeting(raw: object, path: str, scope: Scope) -> MeetingRecord:
    record = checks.fields(raw, KEYS["meeting"], REQUIRED["meeting"], path)
    return MeetingRecord(
        body_ref(record["body"], f"{path}.body", scope),
        checks.instant(record["starts_at"], f"{path}.starts_at", scope.tz),
        checks.title(record.get("title", ""), f"{path}.title"),
        _maybe_instant(record.get("cancelled_at"), f"{path}.cancelled_at", scope),
    )


def _maybe_instant(value: object, path: str, scope: Scope) -> datetime | None:
    return None if value is None else checks.instant(value, path, scope.tz)


def report(raw: object, path: str, scope: Scope, period: Period) -> ReportRecord:
    record = checks.fields(raw, KEYS["report"], REQUIRED["report"], path)
    reference = checks.line(record["reference"], f"{path}.reference")
    new_key(reference, scope.reports, scope.known.reports, f"{path}.reference", "a report", scope)
    submitted_on = checks.day(record["submitted_on"], f"{path}.submitted_on")
    due_on = checks.maybe_day(record.get("response_due_on"), f"{path}.response_due_on")
    return ReportRecord(
        reference,
        checks.line(record["title"], f"{path}.title"),
        body_ref(record["from_body"], f"{path}.from_body", scope),
        body_ref(record["to_body"], f"{path}.to_body", scope),
        submitted_on,
        due_on or period.last_day(submitted_on),
    )


def audit(raw: object, path: str, scope: Scope) -> AuditRecord:
    record = checks.fields(raw, KEYS["audit"], REQUIRED["audit"], path)
    return AuditRecord(
        checks.choice(record["record"], AUDITED, f"{path}.record", "audited record"),
        checks.line(record["key"], f"{path}.key"),
        checks.choice(record["action"], AUDIT_ACTIONS, f"{path}.action", "audited action"),
        _maybe_mapping(record.get("before"), f"{path}.before"),
        _maybe_mapping(record.get("after"), f"{path}.after"),
        person_ref(record.get("by"), f"{path}.by", scope),
        checks.instant(record["at"], f"{path}.at"),
    )


def _maybe_mapping(value: object, path: str) -> dict[str, Any] | None:
    return None if value is None else checks.mapping(value, path)
