"""A tracker spreadsheet's rows as the records the JSON document holds.

Pure. Each cell is turned into the value the interchange document would give
(dates as YYYY-MM-DD, people as emails, words as states), and every refusal names
the cell (`Tracker!D14: 'soon' is not a date`) or the map's default it came from.
The record is then checked by the same rules as a recommendation of the document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from workflow.errors import InterchangeError
from workflow.interchange.checks import shown
from workflow.interchange.tracker_map import DATES, FIELDS, PEOPLE, REQUIRED, TrackerMap, words
from workflow.records import RAGS

_DAY_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")  # a council's own, and the document's
# Which field of the sheet each part of the document's record came from.
_SOURCE = {"closure_outcome": "state", "updates": "latest_update"}


def cell_name(sheet: str, column: int, row: int) -> str:
    """A cell as a spreadsheet names it: `Tracker!D14`, `'Work plan'!D14` (column from 0)."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    quoted = sheet if sheet.replace("_", "").isalnum() else "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{letters}{row}"


@dataclass(frozen=True)
class Layout:
    """Where each field is on a sheet: its column, from 0."""

    sheet: str
    columns: Mapping[str, int]
    read: tuple[tuple[str, int | None], ...] = ()  # the fields with a column or a default


def layout(headers: Sequence[object], sheet: str, tracker_map: TrackerMap) -> Layout:
    """Find each field's column in the header row; refuse a column the map names that
    the sheet lacks, naming the header row."""
    found: dict[str, int] = {}
    for i, cell in enumerate(headers):
        header = words(str(cell)) if cell is not None else ""
        if header and header not in found:
            found[header] = i
    columns: dict[str, int] = {}
    for name in FIELDS:
        if name in tracker_map.columns:
            columns[name] = _named(found, tracker_map, name, sheet)
        else:  # a column headed with the field's own name, if the sheet has one
            own = (found.get(words(name)), found.get(words(name.replace("_", " "))))
            column = next((i for i in own if i is not None), None)
            if column is not None:
                columns[name] = column
    read = tuple(
        (name, columns.get(name))
        for name in FIELDS
        if name in columns or name in tracker_map.defaults
    )
    return Layout(sheet, columns, read)


def _named(found: Mapping[str, int], tracker_map: TrackerMap, name: str, sheet: str) -> int:
    header = tracker_map.columns[name]
    if header not in found:
        row = f"{sheet}!{tracker_map.header_row}:{tracker_map.header_row}"
        what = "column" if name not in REQUIRED else "column (it is required)"
        raise InterchangeError(row, f"no {what} headed {header!r} for the {name}")
    return found[header]


@dataclass(frozen=True)
class RowContext:
    """What turning a row into a record needs beyond the row itself."""

    tracker_map: TrackerMap
    map_name: str
    people: Mapping[str, tuple[str, ...]]  # a person's name (matched form) -> their emails
    states: tuple[str, ...]  # the workflow's: a state cell may name one as it is
    at: str  # when the import is recorded, for the latest update
    on: str  # the council's day, YYYY-MM-DD


Places = dict[str, int | None]  # field -> the column it came from; None: the map's default


def row_record(
    cells: Sequence[object], row: int, where: Layout, context: RowContext
) -> tuple[dict[str, Any], Places]:
    """The document's record for one row, and where each field came from."""
    record: dict[str, Any] = {}
    places: Places = {}
    for name, given in where.read:
        value, column = _given(cells, given, context.tracker_map, name)
        if column is not None or value is not None:
            places[name] = column
        if value is None:
            continue
        try:
            record.update(_field(name, value, context))
        except _Refused as refused:
            cell = place(name, column, row, where, context)
            raise InterchangeError(cell, str(refused)) from None
    return record, places


def _given(
    cells: Sequence[object], column: int | None, tracker_map: TrackerMap, name: str
) -> tuple[object, int | None]:
    """The cell's value and column; or, when it is blank or absent, the map's default
    (column None); or None."""
    value = cells[column] if column is not None and column < len(cells) else None
    if not _blank(value):
        return value, column
    default = tracker_map.defaults.get(name)
    return (default, None) if default is not None else (None, column)


def place(name: str, column: int | None, row: int, where: Layout, context: RowContext) -> str:
    """A field's cell, or the map's default it came from."""
    if column is None:
        return f"{context.map_name} defaults.{name}"
    return cell_name(where.sheet, column, row)


class _Refused(ValueError):
    """A cell's value refused; the caller names the cell."""


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _field(name: str, value: object, context: RowContext) -> dict[str, Any]:
    if name in DATES:
        return {name: _day(value)}
    if name in PEOPLE:
        return {name: _person(value, context.people)}
    if name == "state":
        state, outcome = _state(value, context)
        return {"state": state} | ({"closure_outcome": outcome} if outcome else {})
    if name == "rag":
        return {"rag": _rag(value, context.tracker_map)}
    if name == "latest_update":
        note = text_of(value)
        return {"updates": [{"note": note, "at": context.at, "effective_on": context.on}]}
    return {name: text_of(value)}


def text_of(value: object) -> str:
    """A cell as text: whole numbers without their `.0`, dates as YYYY-MM-DD."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value.strip() if isinstance(value, str) else str(value)


def _day(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        for layout_ in _DAY_FORMATS:
            try:
                return datetime.strptime(value.strip(), layout_).date().isoformat()
            except ValueError:
                continue
    raise _Refused(f"{shown(value)} is not a date (dd/mm/yyyy, or a date cell)")


def _person(value: object, people: Mapping[str, tuple[str, ...]]) -> str:
    """An email as given, or the email of the one person of that name."""
    given = text_of(value)
    if "@" in given:
        return given
    emails = people.get(words(given), ())
    if len(emails) == 1:
        return emails[0]
    if emails:
        reason = f"{len(emails)} people are named {given!r}: give the email of the one meant"
        raise _Refused(reason)
    raise _Refused(f"no person named {given!r} (add them, or give an email)")


def _state(value: object, context: RowContext) -> tuple[str, str | None]:
    """A word of the map, or a state of the workflow by its own name (`closed/noted`);
    an outcome is checked with the record."""
    given = text_of(value)
    found = context.tracker_map.states.get(words(given))
    if found is not None:
        return found
    state, _, outcome = (part.strip() for part in given.partition("/"))
    if state in context.states:
        return state, outcome or None
    known = [repr(word) for word in context.tracker_map.state_words] + list(context.states)
    raise _Refused(f"{shown(given)} is not a state ({', '.join(known)})")


def _rag(value: object, tracker_map: TrackerMap) -> str:
    given = words(text_of(value))
    rag = tracker_map.rags.get(given, given)
    if rag not in RAGS:
        known = ", ".join([*tracker_map.rags, *RAGS])
        raise _Refused(f"{shown(text_of(value))} is not a RAG status ({known})")
    return rag


def place_of(
    error: InterchangeError, row: int, places: Places, where: Layout, context: RowContext
) -> str:
    """The cell (or default) a refusal of the row's record is about; the row if neither."""
    rest = error.path.removeprefix(f"{where.sheet}!{row}").lstrip(".")
    key = rest.split(".", 1)[0].split("[", 1)[0]
    name = _SOURCE.get(key, key)
    if name == "code" and "code" not in places:
        name = "reference"  # a code made from the report and reference
    if name not in places:
        return f"{where.sheet}!{row}:{row}"
    return place(name, places[name], row, where, context)
