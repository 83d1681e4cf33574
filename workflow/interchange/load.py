"""Import: read what the database holds, validate everything, then write it in one transaction.

Nothing is written until the whole document has passed. The writes are Core
inserts, one statement per table (recommendations in chunks, see `bulk`), with
references resolved by maps built once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, col

from config.addresses import normal
from config.periods import Period
from config.workflow_table import WorkflowTable
from workflow.clock import local_day
from workflow.db import transaction
from workflow.errors import BadInput, InterchangeError, NotAllowed, NotFound
from workflow.interchange.bulk import Ids, Progress, write_recommendations
from workflow.interchange.records import (
    AuditRecord,
    BodyRecord,
    ImportSummary,
    Known,
    MeetingRecord,
    ReportRecord,
    Validated,
)
from workflow.interchange.validate import validate_document
from workflow.models import Audit, Body, Meeting, Person, Recommendation, Report
from workflow.store import get_person

Then = Callable[[Session], None]


def import_document(
    session: Session,
    document: object,
    *,
    table: WorkflowTable,
    period: Period,
    by: str | None,
    now: datetime,
    dry_run: bool = False,
    progress: Progress | None = None,
    tz: ZoneInfo,
    then: Then | None = None,
) -> ImportSummary:
    """Validate the whole document, then write all of it or (on any refusal) none of it.

    `by` is the email of the clerk importing it, who may be one of the document's
    own people. Raises InterchangeError naming the first bad record's path. With
    `dry_run`, everything is checked (against the database too) and nothing is written.
    A meeting time without a UTC offset is read in `tz`, the council's zone. `then`,
    if given, writes more in the same transaction, after everything else (what the
    notification service sent, say); what it raises undoes the whole import.
    """
    known = read_known(session)
    validated = validate_document(document, table=table, period=period, known=known, tz=tz)
    by = importer(session, validated, table, known, by)
    today = local_day(now, tz)
    write(
        session,
        validated,
        by=by,
        now=now,
        today=today,
        dry_run=dry_run,
        progress=progress,
        then=then,
    )
    return ImportSummary.of(validated)


def importer(
    session: Session, validated: Validated, table: WorkflowTable, known: Known, by: str | None
) -> str:
    """Return the importer's email as stored: the table's import rule must allow them.

    An import is always someone's act. Into a database that holds people, the importer
    must be one of them; only into an empty one may the document name its own
    importer. Raises BadInput when nobody is named, NotFound for an unknown email and
    NotAllowed for someone the rule does not allow.
    """
    if not by:
        raise BadInput("by", "say who is importing: a clerk, named in the history")
    email = normal(by)
    if not known.emails:
        roles = _own_roles(validated, email)
    elif email in known.emails:
        roles = tuple(get_person(session=session, email=email).roles)
    elif any(person.email == email for person in validated.people):
        reason = f"{email} is not in the database: only an empty one may take its importer"
        raise BadInput("by", reason + " from the document")
    else:
        raise NotFound("person", "email", email)
    rule = table.act("import")
    if not set(roles) & set(rule.roles):
        who = " or ".join(f"a {role}" for role in rule.roles)
        raise NotAllowed(email, rule.action, who, roles)
    return email


def _own_roles(validated: Validated, email: str) -> tuple[str, ...]:
    """The roles the document gives the importer of an empty database."""
    roles = next((person.roles for person in validated.people if person.email == email), None)
    if roles is None:
        raise NotFound("person", "email", email)
    return roles


def write(
    session: Session,
    validated: Validated,
    *,
    by: str | None,
    now: datetime,
    today: date,
    dry_run: bool = False,
    progress: Progress | None = None,
    then: Then | None = None,
) -> None:
    """Write validated records in one transaction and commit; with `dry_run`, write nothing.

    `today`, the council's day at `now`, dates the line each recommendation gets that
    came without a history.
    """
    if dry_run:
        return
    try:
        with transaction(session):
            connection = session.connection()
            _write_directory(connection, validated)
            ids = Ids(
                _ids(connection, Person, "email"),
                _ids(connection, Body, "name"),
                _ids(connection, Report, "reference"),
            )
            line = {"actor_id": ids.people[by] if by else None, "at": now, "effective_on": today}
            write_recommendations(connection, validated.recommendations, ids, line, progress)
            _insert(connection, Audit, [_audit(row, ids.people) for row in validated.audit])
            if then is not None:
                then(session)
    except (IntegrityError, DataError) as error:
        # The checks came first, so only a concurrent writer or an odd table gets here.
        reason = str(error.orig).strip().splitlines()[0]
        raise InterchangeError("import", f"the database refused it: {reason}") from None


def read_known(session: Session) -> Known:
    """The keys already taken in the database, read in a few whole-table queries."""
    connection = session.connection()

    def column(query: Any) -> frozenset[Any]:
        return frozenset(connection.execute(query).scalars())

    references = select(col(Report.reference), col(Recommendation.reference)).join(Report)
    return Known(
        emails=column(select(col(Person.email))),
        bodies=column(select(col(Body.name))),
        reports=column(select(col(Report.reference))),
        codes=column(select(col(Recommendation.code))),
        references=frozenset((report, ref) for report, ref in connection.execute(references)),
    )


def _write_directory(connection: Connection, validated: Validated) -> None:
    """People, bodies, meetings and reports: few rows, each kind in one statement."""
    _insert(connection, Person, [p._asdict() | {"roles": list(p.roles)} for p in validated.people])
    people = _ids(connection, Person, "email")
    _insert(connection, Body, [_body(b, people) for b in validated.bodies])
    body_ids = _ids(connection, Body, "name")
    _insert(connection, Meeting, [_meeting(m, body_ids) for m in validated.meetings])
    _insert(connection, Report, [_report(r, body_ids) for r in validated.reports])


def _body(body: BodyRecord, people: dict[str, int]) -> dict[str, Any]:
    chair_id = people[body.chair] if body.chair else None
    return {"name": body.name, "kind": body.kind, "chair_id": chair_id}


def _meeting(meeting: MeetingRecord, body_ids: dict[str, int]) -> dict[str, Any]:
    body_id = body_ids[meeting.body]
    return {
        "body_id": body_id,
        "starts_at": meeting.starts_at,
        "title": meeting.title,
        "cancelled_at": meeting.cancelled_at,
    }


def _report(report: ReportRecord, body_ids: dict[str, int]) -> dict[str, Any]:
    values: dict[str, Any] = report._asdict()
    values["from_body_id"] = body_ids[values.pop("from_body")]
    values["to_body_id"] = body_ids[values.pop("to_body")]
    return values


def _audit(row: AuditRecord, people: dict[str, int]) -> dict[str, Any]:
    values: dict[str, Any] = row._asdict()
    by = values.pop("by")
    return values | {"actor_id": people[by] if by else None}


def _insert(connection: Connection, model: type[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(insert(model), rows)


def _ids(connection: Connection, model: type[Any], key: str) -> dict[str, int]:
    """Map a unique column's values to the rows' ids."""
    table = model.__table__
    query = select(table.c.id, table.c[key])
    return {value: row_id for row_id, value in connection.execute(query)}
