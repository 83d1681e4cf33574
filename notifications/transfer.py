"""Moving a database: the interchange document, with what the service has sent.

Export adds a `notices` part: each notice that went out (or lapsed and was recorded
missed), by what it was about, to whom and for which day. Import records them as
settled, so a database moved by export and import does not send them again. Items
are named as the rest of the document names them (a recommendation by code, a
report by reference, a meeting by its body and start, a milestone by its
recommendation's code and its number there), since ids differ between databases:

    "notices": [{"kind": "monitoring-reminder", "about": {"recommendation": "CCS/09/b"},
                 "recipient": "officer@council.example", "due_day": "2027-04-06",
                 "status": "sent"}]

A notice queued but not yet sent, or whose message failed, is not carried: the
database it moves to plans it afresh.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from config.periods import Period
from config.workflow_table import WorkflowTable
from notifications.ledger import NoticeStatus
from notifications.models import NoticeRow, OutboxRow
from notifications.notices import Kind, notice_key
from notifications.outbox import MessageStatus
from workflow import services
from workflow.interchange import checks
from workflow.interchange.bulk import Progress
from workflow.interchange.jsonfile import read_json, write_json
from workflow.interchange.load import Then
from workflow.interchange.records import ImportSummary
from workflow.interchange.update import UpdateSummary
from workflow.models import Body, Meeting, Milestone, Recommendation, Report

_NOTICE_KEYS = frozenset({"kind", "about", "recipient", "due_day", "status"})
_CARRIED = (NoticeStatus.SENT, NoticeStatus.MISSED)
_ROWS_PER_INSERT = 500
# ("recommendation", code), ("report", reference), ("meeting", (body, at)),
# ("milestone", (code, number))
About = tuple[str, Any]


class NoticeRecord(NamedTuple):
    kind: Kind
    about: About
    recipient: str
    due_day: date
    status: NoticeStatus
    path: str


def export(session: Session, stream: TextIO, fmt: str = "json") -> None:
    """Write the whole database as the interchange document, notices included; or a CSV."""
    if fmt == "csv":
        services.export_recommendations_csv(session, stream)
        return
    document = services.document(session)
    document["notices"] = settled_notices(session.connection())
    write_json(document, stream)


def import_file(
    session: Session,
    path: Path,
    *,
    table: WorkflowTable,
    period: Period,
    tz: ZoneInfo,
    by: str | None,
    now: datetime,
    fmt: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Load a JSON document, with the notices it carries, or a CSV: all or nothing."""
    if services.format_of(path, fmt) == "csv":
        return services.import_recommendations_csv(
            session, path, table=table, period=period, tz=tz, by=by, now=now, dry_run=dry_run
        )
    document, notices, then = _with_notices(path, tz, now)
    summary = services.load_document(
        session,
        document,
        table=table,
        period=period,
        tz=tz,
        by=by,
        now=now,
        dry_run=dry_run,
        progress=progress,
        then=then,
    )
    return replace(summary, notices=len(notices))


def update_file(
    session: Session,
    path: Path,
    *,
    table: WorkflowTable,
    period: Period,
    tz: ZoneInfo,
    by: str | None,
    now: datetime,
    fmt: str | None = None,
    dry_run: bool = False,
) -> UpdateSummary:
    """Add what a JSON document (or CSV) holds that is new and correct what it names.

    The notices it carries are recorded as settled, those already known left alone.
    """
    if services.format_of(path, fmt) == "csv":
        return services.update_recommendations_csv(
            session, path, table=table, tz=tz, by=by, now=now, dry_run=dry_run
        )
    document, _, then = _with_notices(path, tz, now)
    return services.update_from_document(
        session,
        document,
        table=table,
        period=period,
        tz=tz,
        by=by,
        now=now,
        dry_run=dry_run,
        then=then,  # the notices it carries were sent: not what an update adds
    )


def _with_notices(
    path: Path, tz: ZoneInfo, now: datetime
) -> tuple[dict[str, Any], list[NoticeRecord], Then]:
    """A JSON document, its notices checked, and the step that records them as settled."""
    document = read_json(path)
    notices = check_notices(document.get("notices", []), tz)
    return document, notices, lambda written: write_notices(written.connection(), notices, now)


# Export


def settled_notices(connection: Connection) -> list[dict[str, Any]]:
    """The notices that went out or lapsed, oldest first, as the document carries them."""
    sent = (col(NoticeRow.status) == NoticeStatus.QUEUED) & (
        col(OutboxRow.status) == MessageStatus.SENT
    )
    query = (
        select(
            col(NoticeRow.kind),
            col(NoticeRow.item),
            col(NoticeRow.recipient),
            col(NoticeRow.due_day),
            col(NoticeRow.status),
        )
        .outerjoin(OutboxRow, col(OutboxRow.id) == col(NoticeRow.outbox_id))
        .where(or_(sent, col(NoticeRow.status).in_(_CARRIED)))
        .order_by(col(NoticeRow.id))
    )
    names = _Names.read(connection)
    return [
        {
            "kind": kind,
            "about": names.about(item),
            "recipient": recipient,
            "due_day": due_day.isoformat(),
            "status": NoticeStatus.MISSED.value if status == NoticeStatus.MISSED else "sent",
        }
        for kind, item, recipient, due_day, status in connection.execute(query)
    ]


class _Names(NamedTuple):
    """What each item's id is called in a document."""

    recommendations: dict[int, str]
    reports: dict[int, str]
    meetings: dict[int, dict[str, str]]
    milestones: dict[int, dict[str, Any]]

    @classmethod
    def read(cls, connection: Connection) -> _Names:
        meetings = select(col(Meeting.id), col(Body.name), col(Meeting.starts_at)).join(
            Body, col(Body.id) == col(Meeting.body_id)
        )
        return cls(
            dict(_pairs(connection, Recommendation.id, Recommendation.code)),
            dict(_pairs(connection, Report.id, Report.reference)),
            {
                ident: {"body": body, "starts_at": _utc(at).isoformat()}
                for ident, body, at in _rows(connection, meetings)
            },
            {
                ident: {"recommendation": code, "number": number}
                for ident, (code, number) in _numbered_milestones(connection)
            },
        )

    def about(self, item: str) -> dict[str, Any]:
        kind, _, ident = item.partition(":")
        if kind == "rec":
            return {"recommendation": self.recommendations[int(ident)]}
        if kind == "report":
            return {"report": self.reports[int(ident)]}
        if kind == "milestone":
            return {"milestone": self.milestones[int(ident)]}
        return {"meeting": self.meetings[int(ident)]}


def _numbered_milestones(connection: Connection) -> Iterator[tuple[int, tuple[str, int]]]:
    """Each milestone's id, with its recommendation's code and its number there, from 1."""
    query = (
        select(col(Milestone.id), col(Recommendation.code))
        .join(Recommendation, col(Recommendation.id) == col(Milestone.recommendation_id))
        .order_by(col(Milestone.recommendation_id), col(Milestone.id))
    )
    numbers: dict[str, int] = {}
    for ident, code in _rows(connection, query):
        numbers[code] = numbers.get(code, 0) + 1
        yield ident, (code, numbers[code])


def _utc(moment: datetime) -> datetime:
    """An instant in UTC; a stored one without its offset is UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# Import


def check_notices(raw: object, tz: ZoneInfo) -> list[NoticeRecord]:
    """Validate the document's notices; raise InterchangeError naming the first bad one."""
    return [
        _notice(item, f"notices[{i}]", tz) for i, item in enumerate(checks.items(raw, "notices"))
    ]


def _notice(raw: object, path: str, tz: ZoneInfo) -> NoticeRecord:
    record = checks.fields(raw, _NOTICE_KEYS, _NOTICE_KEYS, path)
    kinds = [kind.value for kind in Kind]
    statuses = [status.value for status in _CARRIED]
    return NoticeRecord(
        Kind(checks.choice(record["kind"], kinds, f"{path}.kind", "kind of notice")),
        _about(record["about"], f"{path}.about", tz),
        checks.email(record["recipient"], f"{path}.recipient"),
        checks.day(record["due_day"], f"{path}.due_day"),
        NoticeStatus(checks.choice(record["status"], statuses, f"{path}.status", "status")),
        path,
    )


def _about(raw: object, path: str, tz: ZoneInfo) -> About:
    about = checks.fields(raw, {"recommendation", "report", "meeting", "milestone"}, (), path)
    if len(about) != 1:
        checks.fail(path, "must name one recommendation, report, meeting or milestone")
    [(what, value)] = about.items()
    if what == "milestone":
        return what, _milestone(value, f"{path}.milestone")
    if what != "meeting":
        return what, checks.line(value, f"{path}.{what}")
    meeting = checks.fields(value, {"body", "starts_at"}, {"body", "starts_at"}, f"{path}.meeting")
    body = checks.line(meeting["body"], f"{path}.meeting.body")
    return what, (body, _utc(checks.instant(meeting["starts_at"], f"{path}.meeting.starts_at", tz)))


def _milestone(raw: object, path: str) -> tuple[str, int]:
    milestone = checks.fields(raw, {"recommendation", "number"}, {"recommendation", "number"}, path)
    number = milestone["number"]
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        checks.fail(f"{path}.number", f"{number!r} is not a milestone's number, from 1")
    return checks.line(milestone["recommendation"], f"{path}.recommendation"), number


def write_notices(connection: Connection, notices: Sequence[NoticeRecord], now: datetime) -> None:
    """Record each notice as settled, keyed as a sweep here would key it.

    A notice this database holds already is left as it is. Raises InterchangeError
    for a notice about something the database does not hold.
    """
    if not notices:
        return
    items = _Items.read(connection)
    rows = [_row(notice, items.item(notice), now) for notice in notices]
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        connection.execute(_insert_new(connection).values(rows[start : start + _ROWS_PER_INSERT]))


def _row(notice: NoticeRecord, item: str, now: datetime) -> dict[str, Any]:
    return {
        "key": notice_key(notice.kind, item, notice.recipient, notice.due_day),
        "kind": notice.kind.value,
        "item": item,
        "recipient": notice.recipient,
        "due_day": notice.due_day,
        "status": notice.status.value,
        "recommendation_ids": [],
        "created_at": now,
    }


def _insert_new(connection: Connection) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(NoticeRow).on_conflict_do_nothing(index_elements=["key"])


class _Items(NamedTuple):
    """The ids of what notices can be about, by the names a document gives them."""

    by_kind: Mapping[str, Mapping[Any, int]]

    @classmethod
    def read(cls, connection: Connection) -> _Items:
        meetings = select(col(Body.name), col(Meeting.starts_at), col(Meeting.id)).join(
            Body, col(Body.id) == col(Meeting.body_id)
        )
        return cls(
            {
                "recommendation": dict(_pairs(connection, Recommendation.code, Recommendation.id)),
                "report": dict(_pairs(connection, Report.reference, Report.id)),
                "meeting": {
                    (body, _utc(at)): ident for body, at, ident in _rows(connection, meetings)
                },
                "milestone": {named: ident for ident, named in _numbered_milestones(connection)},
            }
        )

    def item(self, notice: NoticeRecord) -> str:
        what, name = notice.about
        ident = self.by_kind[what].get(name)
        if ident is None:
            checks.fail(
                f"{notice.path}.about", f"no {what} {_shown(what, name)} is in the database"
            )
        prefixes = {"recommendation": "rec", "report": "report", "meeting": "meeting"}
        prefix = prefixes.get(what, what)
        return f"{prefix}:{ident}"


def _shown(what: str, name: Any) -> str:
    if what == "meeting":
        return repr(f"of {name[0]} at {name[1].isoformat()}")
    if what == "milestone":
        return f"{name[1]} of {name[0]!r}"
    return repr(name)


def _pairs(connection: Connection, key: Any, value: Any) -> Iterator[tuple[Any, Any]]:
    yield from ((row[0], row[1]) for row in connection.execute(select(col(key), col(value))))


def _rows(connection: Connection, query: Any) -> list[Any]:
    return list(connection.execute(query))
