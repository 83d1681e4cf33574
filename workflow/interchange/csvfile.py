"""A CSV of recommendations, the columns a council's tracker has, in and out.

Rows are numbered as a spreadsheet numbers them: the header is row 1. Reports and
people must already be in the database; each row is checked as a recommendation of
the JSON document would be, and the import is all or nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from config.periods import Period
from config.workflow_table import WorkflowTable
from workflow import store
from workflow.clock import local_day
from workflow.errors import InterchangeError
from workflow.interchange.bulk import Progress
from workflow.interchange.checks import shown
from workflow.interchange.diff import recommendations_update
from workflow.interchange.load import importer, read_known, write
from workflow.interchange.recommendations import recommendation
from workflow.interchange.records import ImportSummary, Validated
from workflow.interchange.scope import Scope
from workflow.interchange.update import UpdateSummary, apply_update, read_stored
from workflow.models import Recommendation, Report

REQUIRED = ("report", "reference", "text", "owner", "target_date", "monitoring_date", "state")
OPTIONAL = ("code", "priority", "lead_member")
COLUMNS = (
    *("report", "reference", "code", "text", "priority", "owner", "lead_member", "state"),
    *("target_date", "monitoring_date"),
)
_BLANK_IS_NONE = frozenset(
    {"code", "priority", "owner", "lead_member", "target_date", "monitoring_date"}
)


def import_csv(
    session: Session,
    stream: TextIO,
    *,
    table: WorkflowTable,
    period: Period,
    by: str | None,
    now: datetime,
    tz: ZoneInfo,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate every row, then write all of them or (on any refusal) none.

    Raises InterchangeError naming the row (`row 4 (CCS/09/b).owner: ...`).
    """
    known = read_known(session)
    scope = Scope(table, known)
    recs = tuple(
        recommendation(record, f"row {number} ({_code(record)})", scope)
        for number, record in _records(stream)
    )
    validated = Validated((), (), (), (), recs)
    by = importer(session, validated, table, known, by)
    today = local_day(now, tz)
    write(session, validated, by=by, now=now, today=today, dry_run=dry_run, progress=progress)
    return ImportSummary.of(validated)


def update_csv(
    session: Session,
    stream: TextIO,
    *,
    table: WorkflowTable,
    by: str | None,
    now: datetime,
    tz: ZoneInfo,
    dry_run: bool = False,
) -> UpdateSummary:
    """Add the rows with new codes and correct those the database holds: all or nothing.

    A row is compared over the columns the file has (`workflow.interchange.diff`).
    """
    known = read_known(session)
    scope = Scope(table, known, updating=True)
    given, recs = [], []
    for number, record in _records(stream):
        path = f"row {number} ({_code(record)})"
        recs.append(recommendation(record, path, scope))
        given.append((path, record.keys()))
    validated = Validated((), (), (), (), tuple(recs))
    by = importer(session, validated, table, known, by)
    stored = read_stored(session, validated, table, known)
    changes = recommendations_update(given, recs, stored.recommendations)
    return apply_update(session, changes, stored, by=by, now=now, tz=tz, dry_run=dry_run)


def _records(stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (row number, record) for each row that is not blank."""
    rows = _rows(stream)
    header = _header(next(rows, (1, []))[1])
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            reason = f"has {len(cells)} cells, but the header names {len(header)} columns"
            raise InterchangeError(f"row {number}", reason)
        yield number, {key: _value(key, cell) for key, cell in zip(header, cells, strict=True)}


def _rows(stream: TextIO) -> Iterator[tuple[int, list[str]]]:
    number = 0
    try:
        for number, cells in enumerate(csv.reader(stream), start=1):
            yield number, cells
    except (csv.Error, UnicodeDecodeError) as error:
        raise InterchangeError(f"row {number + 1}", f"cannot be read: {error}") from None


def _header(cells: Sequence[str]) -> list[str]:
    header = [cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in cells]
    for i, name in enumerate(header):
        if name not in REQUIRED and name not in OPTIONAL:
            known = ", ".join(REQUIRED + OPTIONAL)
            raise InterchangeError("row 1", f"unknown column {cells[i]!r} (columns: {known})")
        if name in header[:i]:
            raise InterchangeError("row 1", f"column {name!r} appears twice")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InterchangeError("row 1", f"missing column {', '.join(map(repr, missing))}")
    return header


def _value(key: str, cell: str) -> str | None:
    return None if key in _BLANK_IS_NONE and not cell.strip() else cell


def _code(record: dict[str, Any]) -> str:
    """The row's code as its refusals name it: escaped if it would not print as one line."""
    code = str(record.get("code") or f"{record['report']}/{record['reference']}")
    return code if code.isprintable() else shown(code)


def export_csv(session: Session, stream: TextIO, codes: Collection[str] | None = None) -> None:
    """Write every recommendation (or those of `codes`) as a row of the columns
    `import_csv` reads.
    """
    emails = store.emails_by_id(session=session)
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    recs, reports = Recommendation.__table__, Report.__table__  # type: ignore[attr-defined]
    query = (
        select(recs, reports.c.reference.label("report_reference"))
        .join(reports, reports.c.id == recs.c.report_id)
        .order_by(recs.c.id)
    )
    for row in session.connection().execute(query):
        if codes is None or row.code in codes:
            writer.writerow(_cells(row, row.report_reference, emails))


def _cells(rec: Any, report: str, emails: dict[int, str]) -> list[str]:
    """One row's cells; `rec` is a plain row with the model's attribute names."""

    def email(person_id: int | None) -> str:
        return emails.get(person_id, "") if person_id is not None else ""

    return [
        report,
        rec.reference,
        rec.code,
        rec.text,
        rec.priority or "",
        email(rec.owner_id),
        email(rec.lead_member_id),
        rec.state,
        rec.target_date.isoformat() if rec.target_date else "",
        rec.monitoring_date.isoformat() if rec.monitoring_date else "",
    ]
