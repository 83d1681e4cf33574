"""`import --update`: add what is new and correct what exists, in one transaction.

The document is validated as an import validates it, then compared with what the
database holds (`workflow.interchange.diff`); what is new is written as an import
writes it, and each change is recorded as the commands record theirs: an audit row
for a person, body, meeting or report, an `edit` line in a recommendation's history
(which `undo` reverses). All or nothing; with `dry_run`, nothing is written and the
changes are returned to be listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby, islice
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from config.periods import Period
from config.workflow_table import WorkflowTable
from workflow import store
from workflow.clock import local_day
from workflow.errors import InterchangeError
from workflow.interchange.bulk import Progress
from workflow.interchange.diff import Edit, Stored, Update, diff, meeting_key
from workflow.interchange.export import recommendations as exported_recommendations
from workflow.interchange.load import Then, importer, read_known, write
from workflow.interchange.recommendations import related
from workflow.interchange.records import (
    BodyRecord,
    ImportSummary,
    Known,
    MeetingRecord,
    PersonRecord,
    RecommendationRecord,
    ReportRecord,
    Validated,
)
from workflow.interchange.replay import EDIT
from workflow.interchange.scope import Scope
from workflow.interchange.validate import validate_document
from workflow.models import Audit, Body, Event, Meeting, Person, Recommendation, Report
from workflow.records import RELATED

_CHUNK = 1_000  # codes per IN (...) list: within every database's limit on parameters
# The columns a recommendation's correctable fields are kept in.
_COLUMNS = {
    "priority": "priority",
    "owner": "owner_id",
    "lead_member": "lead_member_id",
    "group": "group_name",
    "parent": "parent_id",
    "exempt": "exempt",
    "exempt_reason": "exempt_reason",
}
_PEOPLE_FIELDS = frozenset({"owner", "lead_member"})
_rec = Recommendation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class UpdateSummary:
    """What an update added (as an import counts it) and what it changed."""

    added: ImportSummary
    edits: tuple[Edit, ...]

    def updated(self) -> dict[str, int]:
        """How many records of each kind it changed, by the document's name for the kind."""
        counts: dict[str, int] = {}
        for edit in self.edits:
            part = _PARTS[edit.record]
            counts[part] = counts.get(part, 0) + 1
        return counts


_PARTS = {
    "person": "people",
    "body": "bodies",
    "meeting": "meetings",
    "report": "reports",
    "recommendation": "recommendations",
}


def update_document(
    session: Session,
    document: object,
    *,
    table: WorkflowTable,
    period: Period,
    by: str | None,
    now: datetime,
    tz: ZoneInfo,
    dry_run: bool = False,
    progress: Progress | None = None,
    then: Then | None = None,
) -> UpdateSummary:
    """Validate the document, compare it with the database, then write all of it or none.

    Raises InterchangeError naming the first record (and field) it refuses.
    """
    known = read_known(session)
    validated = validate_document(
        document, table=table, period=period, known=known, tz=tz, updating=True
    )
    by = importer(session, validated, table, known, by)
    assert isinstance(document, dict)  # validation refuses anything else
    stored = read_stored(session, validated, table, known, _with_related(document))
    return _apply(session, diff(document, validated, stored), stored, by, now, tz, dry_run, then)


def apply_update(
    session: Session,
    changes: Update,
    stored: Stored,
    *,
    by: str,
    now: datetime,
    tz: ZoneInfo,
    dry_run: bool = False,
) -> UpdateSummary:
    """Write an update worked out elsewhere (a CSV's): all or nothing."""
    return _apply(session, changes, stored, by, now, tz, dry_run, None)


def _apply(
    session: Session,
    changes: Update,
    stored: Stored,
    by: str,
    now: datetime,
    tz: ZoneInfo,
    dry_run: bool,
    then: Then | None,
) -> UpdateSummary:
    def edit(written: Session) -> None:
        _write_edits(written.connection(), changes.edits, stored, by, now, local_day(now, tz))
        if then is not None:
            then(written)

    today = local_day(now, tz)
    write(session, changes.new, by=by, now=now, today=today, dry_run=dry_run, then=edit)
    return UpdateSummary(ImportSummary.of(changes.new), changes.edits)


def _with_related(document: dict[str, Any]) -> frozenset[str]:
    """The codes of the recommendations that give a related list (to be compared)."""
    recs = document.get("recommendations") or []
    return frozenset(
        str(rec.get("code") or f"{rec['report']}/{rec['reference']}")
        for rec in recs
        if not frozenset(RELATED).isdisjoint(rec)
    )


# Reading what the document names


def read_stored(
    session: Session,
    validated: Validated,
    table: WorkflowTable,
    known: Known,
    with_related: frozenset[str] = frozenset(),
) -> Stored:
    """The records the document names that the database holds, as validation makes them."""
    connection = session.connection()
    codes = [rec.code for rec in validated.recommendations if rec.code in known.codes]
    recs = _stored_recommendations(connection, codes)
    if with_related & recs.keys():
        recs |= _with_stored_related(session, recs, with_related, table, known)
    meetings = {meeting_key(m): (ident, m) for ident, m in _stored_meetings(connection).items()}
    return Stored(
        people=_stored_people(connection),
        bodies=_stored_bodies(connection),
        meetings={key: meeting for key, (_, meeting) in meetings.items()},
        meeting_ids={key: ident for key, (ident, _) in meetings.items()},
        reports=_stored_reports(connection),
        recommendations=recs,
        audit=frozenset(
            (record, key, action, at)
            for record, key, action, at in connection.execute(
                select(col(Audit.record), col(Audit.key), col(Audit.action), col(Audit.at))
            )
        ),
    )


def _stored_people(connection: Connection) -> dict[str, PersonRecord]:
    rows = connection.execute(select(col(Person.name), col(Person.email), col(Person.roles)))
    return {email: PersonRecord(name, email, tuple(roles)) for name, email, roles in rows}


_Chair = aliased(Person)


def _stored_bodies(connection: Connection) -> dict[str, BodyRecord]:
    query = select(col(Body.name), col(Body.kind), col(_Chair.email)).outerjoin(
        _Chair, col(_Chair.id) == col(Body.chair_id)
    )
    return {name: BodyRecord(name, kind, chair) for name, kind, chair in connection.execute(query)}


def _stored_meetings(connection: Connection) -> dict[Any, MeetingRecord]:
    query = select(
        col(Meeting.id),
        col(Body.name),
        col(Meeting.starts_at),
        col(Meeting.title),
        col(Meeting.cancelled_at),
    ).join(Body, col(Body.id) == col(Meeting.body_id))
    return {
        ident: MeetingRecord(body, starts_at, title, cancelled_at)
        for ident, body, starts_at, title, cancelled_at in connection.execute(query)
    }


def _stored_reports(connection: Connection) -> dict[str, ReportRecord]:
    From, To = aliased(Body), aliased(Body)
    query = (
        select(
            col(Report.reference),
            col(Report.title),
            col(From.name),
            col(To.name),
            col(Report.submitted_on),
            col(Report.response_due_on),
        )
        .join(From, col(From.id) == col(Report.from_body_id))
        .join(To, col(To.id) == col(Report.to_body_id))
    )
    return {row[0]: ReportRecord(*row) for row in connection.execute(query)}


_Owner, _Lead, _Parent = aliased(Person), aliased(Person), aliased(Recommendation)
_STORED_RECS = (
    select(
        # In the order of RecommendationRecord's fields.
        col(Report.reference),
        col(Recommendation.reference),
        col(Recommendation.code),
        col(Recommendation.text),
        col(Recommendation.priority),
        col(_Owner.email),
        col(_Lead.email),
        col(Recommendation.state),
        col(Recommendation.target_date),
        col(Recommendation.original_target_date),
        col(Recommendation.monitoring_date),
        col(Recommendation.rag),
        col(Recommendation.closure_outcome),
        col(Recommendation.group_name),
        col(_Parent.code),
        col(Recommendation.exempt),
        col(Recommendation.exempt_reason),
    )
    .join(Report, col(Report.id) == col(Recommendation.report_id))
    .outerjoin(_Owner, col(_Owner.id) == col(Recommendation.owner_id))
    .outerjoin(_Lead, col(_Lead.id) == col(Recommendation.lead_member_id))
    .outerjoin(_Parent, col(_Parent.id) == col(Recommendation.parent_id))
    .where(col(Recommendation.code).in_(bindparam("codes", expanding=True)))
)


def _stored_recommendations(
    connection: Connection, codes: Sequence[str]
) -> dict[str, RecommendationRecord]:
    found: dict[str, RecommendationRecord] = {}
    for chunk in _chunks(codes, _CHUNK):
        for row in connection.execute(_STORED_RECS, {"codes": chunk}):
            found[row[2]] = RecommendationRecord._make((*row, None))
    return found


def _chunks(values: Sequence[str], size: int) -> Iterator[list[str]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _with_stored_related(
    session: Session,
    recs: Mapping[str, RecommendationRecord],
    codes: frozenset[str],
    table: WorkflowTable,
    known: Known,
) -> dict[str, RecommendationRecord]:
    """Those of `recs` whose related lists the document gives, with the stored lists.

    The stored lists are read as export writes them and checked as import checks
    them, so the two sides compare as like with like.
    """
    scope = Scope(table, known)
    emails = store.emails_by_id(session=session)
    bodies = store.body_names_by_id(session=session)
    kept = {}
    for item in exported_recommendations(session, emails, bodies):
        code = item["code"]
        if code in codes and code in recs:
            kept[code] = recs[code]._replace(
                related=related(item, item["state"], f"stored {code}", scope)
            )
    return kept


# Writing the changes


def _write_edits(
    connection: Connection,
    edits: Sequence[Edit],
    stored: Stored,
    by: str,
    now: datetime,
    today: date,
) -> None:
    people = _ids(connection, select(col(Person.email), col(Person.id)))
    actor = people[by]
    for edit in edits:
        if edit.record != "recommendation":
            _write_directory_edit(connection, edit, stored, people, actor, now)
    rec_edits = [edit for edit in edits if edit.record == "recommendation"]
    if rec_edits:
        _write_recommendation_edits(connection, rec_edits, people, actor, now, today)


def _ids(connection: Connection, query: Any) -> dict[Any, int]:
    return {key: ident for key, ident in connection.execute(query)}


def _write_directory_edit(
    connection: Connection,
    edit: Edit,
    stored: Stored,
    people: Mapping[str, int],
    actor: int,
    now: datetime,
) -> None:
    """A person, body, meeting or report changed, and its audit row."""
    after = {name: new for name, (_, new) in edit.changes.items()}
    bodies = _ids(connection, select(col(Body.name), col(Body.id)))
    ident = edit.ident
    if edit.record == "person":
        before: Any = stored.people[ident]
        target = update(Person).where(col(Person.email) == ident)
        values = dict(after)
    elif edit.record == "body":
        before = stored.bodies[ident]
        target = update(Body).where(col(Body.name) == ident)
        values = _renamed(after, {"chair": ("chair_id", people)})
    elif edit.record == "report":
        before = stored.reports[ident]
        target = update(Report).where(col(Report.reference) == ident)
        values = _renamed(after, {"to_body": ("to_body_id", bodies)})
        if "response_due_on" in values:
            values["response_due_on"] = date.fromisoformat(values["response_due_on"])
    else:
        before = stored.meetings[ident]
        target = update(Meeting).where(col(Meeting.id) == stored.meeting_ids[ident])
        values = dict(after)
        if values.get("cancelled_at"):
            values["cancelled_at"] = datetime.fromisoformat(values["cancelled_at"])
    connection.execute(target.values(values))
    old = _view(before)
    action = "cancel" if "cancelled_at" in edit.changes else "edit"
    row: dict[str, Any] = {"record": edit.record, "key": edit.key, "action": action}
    row |= {"before": old, "after": old | after, "actor_id": actor, "at": now}
    connection.execute(insert(Audit), row)


def _renamed(
    values: Mapping[str, Any], references: Mapping[str, tuple[str, Mapping[str, int]]]
) -> dict[str, Any]:
    """Fields named as the document names them, as the table's columns hold them."""
    columns: dict[str, Any] = {}
    for name, value in values.items():
        if name in references:
            column, ids = references[name]
            columns[column] = ids[value] if value is not None else None
        else:
            columns[name] = value
    return columns


def _view(record: Any) -> dict[str, Any]:
    """A record as its audit row shows it: as the document writes it."""
    return {name: _plain(value) for name, value in record._asdict().items()}


def _plain(value: object) -> object:
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value


def _write_recommendation_edits(
    connection: Connection,
    edits: Sequence[Edit],
    people: Mapping[str, int],
    actor: int,
    now: datetime,
    today: date,
) -> None:
    """Each recommendation's fields, its version moved on, and an `edit` history line.

    One statement per set of fields changed together (a whole import usually changes
    the same ones), run for all its recommendations at once.
    """
    current = _current(connection, [edit.ident for edit in edits])
    parents = _parent_ids(connection, edits)
    lines = []
    by_columns = sorted(edits, key=lambda edit: sorted(edit.changes))
    for columns, group in groupby(by_columns, key=lambda edit: sorted(edit.changes)):
        rows = []
        for edit in group:
            ident, version, state = current[edit.ident]
            new = {_COLUMNS[name]: _column_value(name, after, people, parents)
                   for name, (_, after) in edit.changes.items()}  # fmt: skip
            old = {_COLUMNS[name]: _column_value(name, before, people, parents)
                   for name, (before, _) in edit.changes.items()}  # fmt: skip
            rows.append({"rec_id": ident, "seen": version} | _params(new))
            data = {"before": old, "changes": {k: list(v) for k, v in edit.changes.items()}}
            lines.append(_line(ident, state, actor, now, today, edit.described(), data))
        _save(connection, [_COLUMNS[name] for name in columns], rows)
    connection.execute(insert(Event), lines)


def _params(values: Mapping[str, Any]) -> dict[str, Any]:
    return {f"new_{column}": value for column, value in values.items()}


def _save(connection: Connection, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    statement = (
        update(_rec)
        .where(_rec.c.id == bindparam("rec_id"), _rec.c.version == bindparam("seen"))
        .values({column: bindparam(f"new_{column}") for column in columns})
        .values(version=_rec.c.version + 1)
    )
    result = connection.execute(statement, rows)
    if connection.dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
        raise InterchangeError("recommendations", "someone changed them meanwhile: run it again")


def _line(
    ident: int,
    state: str,
    actor: int,
    now: datetime,
    today: date,
    note: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    return {
        "recommendation_id": ident,
        "event": EDIT,
        "from_state": state,
        "to_state": state,
        "actor_id": actor,
        "at": now,
        "effective_on": today,
        "note": note,
        "data": data,
    }


def _current(connection: Connection, codes: Sequence[str]) -> dict[str, tuple[int, int, str]]:
    """Each code's id, version and state, read in the transaction that writes them."""
    query = select(_rec.c.code, _rec.c.id, _rec.c.version, _rec.c.state).where(
        _rec.c.code.in_(bindparam("codes", expanding=True))
    )
    found: dict[str, tuple[int, int, str]] = {}
    for chunk in _chunks(codes, _CHUNK):
        found |= {code: (ident, version, state) for code, ident, version, state in
                  connection.execute(query, {"codes": chunk})}  # fmt: skip
    return found


def _parent_ids(connection: Connection, edits: Iterable[Edit]) -> dict[str, int]:
    codes = sorted(
        {code for edit in edits for code in edit.changes.get("parent", ()) if code is not None}
    )
    query = select(_rec.c.code, _rec.c.id).where(
        _rec.c.code.in_(bindparam("codes", expanding=True))
    )
    found: dict[str, int] = {}
    for chunk in _chunks(codes, _CHUNK):
        found |= {code: ident for code, ident in connection.execute(query, {"codes": chunk})}
    return found


def _column_value(
    name: str, value: Any, people: Mapping[str, int], parents: Mapping[str, int]
) -> Any:
    if value is None:
        return None
    if name in _PEOPLE_FIELDS:
        return people[value]
    return parents[value] if name == "parent" else value
