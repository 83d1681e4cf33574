"""Moving data in and out: the interchange document (JSON), a CSV of recommendations,
and a council's own tracker spreadsheet (XLSX, in only).

The document's `notices` part belongs to the notification service, which imports
and exports the whole document through these (`notifications.transfer`).

The interchange modules are imported by the functions that use them, so that the
commands that neither import nor export (most of them) do not load them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session

from config.periods import Period
from config.workflow_table import WorkflowTable

if TYPE_CHECKING:
    from workflow.interchange.bulk import Progress
    from workflow.interchange.load import Then
    from workflow.interchange.records import ImportSummary
    from workflow.interchange.update import UpdateSummary

SPREADSHEET = "xlsx"  # read by import with a map; never written by export


def format_of(path: Path, fmt: str | None = None) -> str:
    """The format asked for, or the one the file's extension names (JSON unless .csv or
    .xlsx)."""
    suffix = path.suffix.lower()
    return fmt or {".csv": "csv", ".xlsx": SPREADSHEET}.get(suffix, "json")


def import_tracker_xlsx(
    session: Session,
    path: Path,
    *,
    table: WorkflowTable,
    tz: ZoneInfo,
    by: str | None,
    now: datetime,
    sheet: str | None = None,
    map_path: Path | None = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Load a council's tracker spreadsheet, read through its map: all or nothing."""
    from workflow.interchange.xlsxfile import import_xlsx

    return import_xlsx(
        session, path, table=table, by=by, now=now, tz=tz, sheet=sheet, map_path=map_path,
        dry_run=dry_run,
    )  # fmt: skip


def import_recommendations_csv(
    session: Session,
    path: Path,
    *,
    table: WorkflowTable,
    period: Period,
    tz: ZoneInfo,
    by: str | None,
    now: datetime,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Load a CSV of recommendations for reports already loaded: all or nothing."""
    from workflow.interchange.csvfile import import_csv

    with path.open(newline="", encoding="utf-8-sig") as stream:
        return import_csv(
            session,
            stream,
            table=table,
            period=period,
            by=by,
            now=now,
            tz=tz,
            dry_run=dry_run,
            progress=progress,
        )


def load_document(
    session: Session,
    document: dict[str, Any],
    *,
    table: WorkflowTable,
    period: Period,
    tz: ZoneInfo,
    by: str | None,
    now: datetime,
    dry_run: bool = False,
    progress: Progress | None = None,
    then: Then | None = None,
) -> ImportSummary:
    """Load the interchange document: all or nothing, `then` writing in the same transaction."""
    from workflow.interchange.load import import_document

    return import_document(
        session,
        document,
        table=table,
        period=period,
        by=by,
        now=now,
        dry_run=dry_run,
        progress=progress,
        tz=tz,
        then=then,
    )


def update_recommendations_csv(
    session: Session,
    path: Path,
    *,
    table: WorkflowTable,
    tz: ZoneInfo,
    by: str | None,
    now: datetime,
    dry_run: bool = False,
) -> UpdateSummary:
    """Add the CSV's new recommendations and correct those it names: all or nothing."""
    from workflow.interchange.csvfile import update_csv

    with path.open(newline="", encoding="utf-8-sig") as stream:
        return update_csv(session, stream, table=table, by=by, now=now, tz=tz, dry_run=dry_run)


def update_from_document(
    session: Session,
    document: dict[str, Any],
    *,
    table: WorkflowTable,
    period: Period,
    tz: ZoneInfo,
    by: str | None,
    now: datetime,
    dry_run: bool = False,
    then: Then | None = None,
) -> UpdateSummary:
    """Add what the document holds that is new and correct what it names: all or nothing.

    A change the workflow records otherwise (an amendment, an event, a progress
    update) is refused, naming the command that makes it.
    """
    from workflow.interchange.update import update_document

    return update_document(
        session, document, table=table, period=period, by=by, now=now, tz=tz,
        dry_run=dry_run, then=then,
    )  # fmt: skip


def export_recommendations_csv(
    session: Session, stream: TextIO, codes: Collection[str] | None = None
) -> None:
    """Write every recommendation (or those of `codes`) as a row of the columns the CSV
    import reads.
    """
    from workflow.interchange.csvfile import export_csv

    export_csv(session, stream, codes)


def document(session: Session) -> dict[str, Any]:
    """The whole database as the interchange document, but for what the service sent."""
    from workflow.interchange.export import export_document

    return export_document(session)
