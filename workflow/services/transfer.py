"""Moving data in and out: the interchange document (JSON) and a CSV of recommendations."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session

from config.periods import Period
from config.workflow_table import WorkflowTable
from workflow.interchange.bulk import Progress
from workflow.interchange.csvfile import export_csv, import_csv
from workflow.interchange.export import export_document
from workflow.interchange.jsonfile import read_json, write_json
from workflow.interchange.load import import_document
from workflow.interchange.records import ImportSummary


def format_of(path: Path, fmt: str | None = None) -> str:
    """The format asked for, or the one the file's extension names (JSON unless .csv)."""
    return fmt or ("csv" if path.suffix.lower() == ".csv" else "json")


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
    """Load a JSON interchange document or a CSV of recommendations: all or nothing."""
    if format_of(path, fmt) == "csv":
        with path.open(newline="", encoding="utf-8-sig") as stream:
            return import_csv(
                session,
                stream,
                table=table,
                period=period,
                by=by,
                now=now,
                dry_run=dry_run,
                progress=progress,
            )
    document = read_json(path)
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
    )


def export(session: Session, stream: TextIO, fmt: str = "json") -> None:
    """Write the whole database as the interchange document, or its recommendations as CSV."""
    if fmt == "csv":
        export_csv(session, stream)
    else:
        write_json(export_document(session), stream)
