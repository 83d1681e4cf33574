"""A new timetable as a CSV: `code`, and any of `target_date`, `monitoring_date`, `text`.

Pure: rows in, (code, fields that change) out. An empty cell changes nothing. Every
refusal names the row and the column (`row 3 (CCS/09/b).target_date: ...`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from workflow.interchange import checks

COLUMNS = ("code", "target_date", "monitoring_date", "text")
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
