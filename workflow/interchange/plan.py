"""A meeting's work as CSV files: a new timetable, and each recommendation's commentary.

A plan has `code` and any of `target_date`, `monitoring_date`, `text` (an empty cell
changes nothing); a file of progress updates has `code`, `note` and, if it likes,
`rag`. Pure: rows in, (code, values) out. Every refusal names the row and the
column (`row 3 (CCS/09/b).target_date: ...`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from workflow.interchange import checks
from workflow.records import RAGS

COLUMNS = ("code", "target_date", "monitoring_date", "text")
UPDATE_COLUMNS = ("code", "note", "rag")
_DAYS = ("target_date", "monitoring_date")


def read_plan(stream: TextIO) -> list[tuple[str, dict[str, Any]]]:
    """Return each row's code and the new values it gives; raise InterchangeError if bad."""
    rows = iter(csv.reader(stream))
    header = [name.strip().lower() for name in next(rows, [])]
    _check_header(header)
    plan, seen = [], set[str]()
    for number, cells in enumerate(rows, start=2):
        if any(cell.strip() for cell in cells):
            code, fields = _row(dict(zip(header, cells, strict=False)), f"row {number}")
            if code in seen:
                checks.fail(f"row {number}.code", f"{checks.shown(code)} appears twice")
            seen.add(code)
            plan.append((code, fields))
    if not plan:
        checks.fail("row 2", "the plan has no rows")
    return plan


def _check_header(header: Iterable[str]) -> None:
    names = list(header)
    for name in names:
        if name not in COLUMNS:
            checks.fail("row 1", f"unknown column {name!r} (columns: {', '.join(COLUMNS)})")
    if "code" not in names:
        checks.fail("row 1", "missing column 'code'")
    if len(names) == 1:
        checks.fail("row 1", "say what changes: target_date, monitoring_date or text")


def _row(cells: dict[str, str], where: str) -> tuple[str, dict[str, Any]]:
    code = checks.line(cells.get("code", "").strip(), f"{where}.code")
    named = f"{where} ({code if code.isprintable() else checks.shown(code)})"
    fields: dict[str, Any] = {}
    for name in _DAYS:
        value = cells.get(name, "").strip()
        if value:
            fields[name] = checks.day(value, f"{named}.{name}")
    text = cells.get("text", "").strip()
    if text:
        fields["text"] = checks.text(text, f"{named}.text")
    if not fields:
        checks.fail(named, "the row changes nothing")
    return code, fields


def read_updates(stream: TextIO) -> list[tuple[str, str, str | None]]:
    """Return each row's code, note and RAG (or None); raise InterchangeError if bad."""
    rows = iter(csv.reader(stream))
    header = [name.strip().lower() for name in next(rows, [])]
    for name in header:
        if name not in UPDATE_COLUMNS:
            known = ", ".join(UPDATE_COLUMNS)
            checks.fail("row 1", f"unknown column {name!r} (columns: {known})")
    for name in ("code", "note"):
        if name not in header:
            checks.fail("row 1", f"missing column {name!r}")
    updates, seen = [], set[str]()
    for number, cells in enumerate(rows, start=2):
        if any(cell.strip() for cell in cells):
            update = _update_row(dict(zip(header, cells, strict=False)), f"row {number}")
            if update[0] in seen:
                checks.fail(f"row {number}.code", f"{checks.shown(update[0])} appears twice")
            seen.add(update[0])
            updates.append(update)
    if not updates:
        checks.fail("row 2", "the file has no rows")
    return updates


def _update_row(cells: dict[str, str], where: str) -> tuple[str, str, str | None]:
    code = checks.line(cells.get("code", "").strip(), f"{where}.code")
    named = f"{where} ({code if code.isprintable() else checks.shown(code)})"
    note = cells.get("note", "").strip()
    if not note:
        checks.fail(f"{named}.note", "a note is required")
    rag = cells.get("rag", "").strip().lower() or None
    return (
        code,
        checks.text(note, f"{named}.note"),
        checks.maybe_choice(rag, RAGS, f"{named}.rag", "RAG status"),
    )
