"""A council's tracker spreadsheet (XLSX) in: the one module that reads workbooks.

The map (`tracker_map`) says which column holds which field; each row becomes the
record the JSON document would hold (`sheet_rows`) and is checked by the same rules
(`recommendations.recommendation`). Reports and people must already be in the
database. All or nothing: every refusal names the cell, and nothing is written.
"""

from __future__ import annotations

import tomllib
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlmodel import Session, col, select

from config.workflow_table import WorkflowTable
from workflow.clock import local_day
from workflow.errors import InterchangeError
from workflow.interchange.load import importer, read_known, write
from workflow.interchange.recommendations import recommendation
from workflow.interchange.records import ImportSummary, RecommendationRecord, Validated
from workflow.interchange.scope import Scope
from workflow.interchange.sheet_rows import Layout, RowContext, layout, place_of, row_record
from workflow.interchange.tracker_map import TrackerMap, read_map, words
from workflow.models import Person

Rows = Iterator[tuple[int, tuple[object, ...]]]  # (row number, its cells)


def import_xlsx(
    session: Session,
    path: Path,
    *,
    table: WorkflowTable,
    by: str | None,
    now: datetime,
    tz: ZoneInfo,
    sheet: str | None = None,
    map_path: Path | None = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Read every row of the sheet, check them all, then write all or (on any refusal)
    none. `sheet` is the map's, or else the first. Raises InterchangeError naming the cell.
    """
    tracker_map = load_map(map_path, table)
    known = read_known(session)
    scope = Scope(table, known)
    today = local_day(now, tz)
    context = RowContext(
        tracker_map, map_path.name if map_path else "the map", _people(session),
        table.states, now.isoformat(), today.isoformat(),
    )  # fmt: skip
    chosen = sheet or tracker_map.sheet
    with _workbook(path) as workbook, _sheet_rows(workbook, path, chosen, tracker_map) as found:
        name, rows = found
        header = next(rows, (tracker_map.header_row, ()))[1]
        where = layout(header, name, tracker_map)
        recs = tuple(_record(number, cells, where, context, scope) for number, cells in rows)
    validated = Validated((), (), (), (), recs)
    by = importer(session, validated, table, known, by)
    write(session, validated, by=by, now=now, today=today, dry_run=dry_run)
    return ImportSummary.of(validated)


def load_map(path: Path | None, table: WorkflowTable) -> TrackerMap:
    """The map in `path` checked; without one, every field under its own name."""
    if path is None:
        return read_map({}, "the map", table)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InterchangeError(path.name, f"cannot be read as TOML: {error}") from None
    return read_map(raw, path.name, table)


def _record(
    number: int, cells: tuple[object, ...], where: Layout, context: RowContext, scope: Scope
) -> RecommendationRecord:
    record, places = row_record(cells, number, where, context)
    path = f"{where.sheet}!{number}"
    try:
        return recommendation(record, path, scope)
    except InterchangeError as error:
        cell = place_of(error, number, places, where, context)
        raise InterchangeError(cell, error.reason) from None


def _people(session: Session) -> dict[str, tuple[str, ...]]:
    """Everyone's emails by their name, for trackers that name the officer."""
    people: dict[str, tuple[str, ...]] = {}
    for name, email in session.exec(select(col(Person.name), col(Person.email))):
        people[words(name)] = (*people.get(words(name), ()), email)
    return people


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    """A workbook open for reading (fast, values only), closed however the reading ends."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise InterchangeError(path.name, f"cannot be read as a workbook: {error}") from None
    try:
        yield book
    finally:
        book.close()


@contextmanager
def _sheet_rows(
    workbook: Any, path: Path, sheet: str | None, tracker_map: TrackerMap
) -> Iterator[tuple[str, Rows]]:
    """The sheet's name and its rows from the header on, blank ones left out."""
    names = list(workbook.sheetnames)
    if sheet is not None and sheet not in names:
        sheets = ", ".join(map(repr, names))
        raise InterchangeError(path.name, f"no sheet named {sheet!r} (sheets: {sheets})")
    name = sheet or names[0]
    cells = workbook[name].iter_rows(min_row=tracker_map.header_row, values_only=True)
    numbered = enumerate(cells, start=tracker_map.header_row)
    try:
        yield name, ((n, row) for n, row in numbered if n == tracker_map.header_row or _any(row))
    finally:
        cells.close()  # a sheet read in part holds its file open until closed


def _any(cells: tuple[object, ...]) -> bool:
    return any(cell is not None and str(cell).strip() for cell in cells)
