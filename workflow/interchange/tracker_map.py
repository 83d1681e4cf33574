"""The map of a council's tracker spreadsheet: which column holds which field, and
which words in it mean which state or RAG status.

Pure. A map is TOML, every part optional:

    sheet = "Tracker"            # the sheet to read (default: the first)
    header_row = 1               # the row of column headers
    [columns]                    # field = the header of the column that holds it
    text = "Recommendation"
    [defaults]                   # field = the value when its column is absent or blank
    report = "SR-2025"
    [states]                     # a word in the sheet = a state, or "state/outcome"
    Complete = "closed/implemented"
    [rags]                       # a word in the sheet = green, amber or red
    "On track" = "green"

A field left out of `[columns]` is read from a column headed with its own name, if
there is one (`target_date` or `Target date`); headers and words match whatever
their case. A bad map is refused naming the map and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from config.workflow_table import WorkflowTable
from workflow.errors import InterchangeError
from workflow.interchange.scope import OUTCOME_NAMES
from workflow.records import RAGS

FIELDS = (
    *("code", "reference", "report", "text", "priority", "group", "owner", "lead_member"),
    *("target_date", "monitoring_date", "state", "rag", "latest_update"),
)
REQUIRED = ("reference", "report", "text")  # each from a column or a default
DATES = frozenset({"target_date", "monitoring_date"})
PEOPLE = frozenset({"owner", "lead_member"})
_PARTS = frozenset({"sheet", "header_row", "columns", "defaults", "states", "rags"})
_MAX_HEADER_ROW = 1000  # a header further down is a mistake in the map


def words(text: str) -> str:
    """A header or a word as matched: its case and spacing do not count."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class TrackerMap:
    """A checked map: headers and words already in their matching form."""

    sheet: str | None = None
    header_row: int = 1
    columns: Mapping[str, str] = field(default_factory=dict)  # field -> header, matched form
    defaults: Mapping[str, str] = field(default_factory=dict)  # field -> value
    states: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)  # word -> state
    rags: Mapping[str, str] = field(default_factory=dict)  # word -> RAG
    state_words: tuple[str, ...] = ()  # as the map wrote them, for refusals

    def header_of(self, name: str) -> str:
        """The header (matched form) a field is read from."""
        return self.columns.get(name, words(name))


def read_map(raw: Mapping[str, Any], name: str, table: WorkflowTable) -> TrackerMap:
    """Check a parsed map; raise InterchangeError naming `name` and the key."""
    unknown = sorted(set(raw) - _PARTS)
    if unknown:
        _fail(name, unknown[0], f"unknown part (parts: {', '.join(sorted(_PARTS))})")
    columns = {key: words(value) for key, value in _fields(raw, "columns", name).items()}
    defaults = _fields(raw, "defaults", name)
    for required in REQUIRED:
        if required not in columns and required not in defaults:
            columns[required] = words(required)
    states = _strings(raw, "states", name)
    return TrackerMap(
        sheet=_sheet(raw.get("sheet"), name),
        header_row=_header_row(raw.get("header_row", 1), name),
        columns=columns,
        defaults=defaults,
        states={words(word): _state(value, _key("states", word), name, table)
                for word, value in states.items()},
        rags={words(word): _rag(value, _key("rags", word), name)
              for word, value in _strings(raw, "rags", name).items()},
        state_words=tuple(states),
    )  # fmt: skip


def _fail(name: str, key: str, reason: str) -> None:
    raise InterchangeError(f"{name} {key}", reason)


def _key(part: str, key: str) -> str:
    """A key of a part as TOML writes it: `states.Complete`, `states."On track"`."""
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return f"{part}.{key}" if bare else f'{part}."{key}"'


def _strings(raw: Mapping[str, Any], part: str, name: str) -> dict[str, str]:
    table = raw.get(part, {})
    if not isinstance(table, dict):
        _fail(name, part, "must be a table of names and words")
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            _fail(name, _key(part, key), f"must be a word or phrase, not {value!r}")
    return dict(table)


def _fields(raw: Mapping[str, Any], part: str, name: str) -> dict[str, str]:
    given = _strings(raw, part, name)
    for key in given:
        if key not in FIELDS:
            _fail(name, _key(part, key), f"unknown field (fields: {', '.join(FIELDS)})")
    return given


def _sheet(value: object, name: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        _fail(name, "sheet", f"must be the name of a sheet, not {value!r}")
    return value if isinstance(value, str) else None


def _header_row(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _MAX_HEADER_ROW:
        _fail(name, "header_row", f"must be a row number from 1 to {_MAX_HEADER_ROW}")
    assert isinstance(value, int)
    return value


def _state(value: str, key: str, name: str, table: WorkflowTable) -> tuple[str, str | None]:
    """A state, or a final state and its closure outcome (`closed/implemented`)."""
    state, _, outcome = (part.strip() for part in value.partition("/"))
    if state not in table.states:
        _fail(name, key, f"{state!r} is not a state (states: {', '.join(table.states)})")
    if outcome and state not in table.final:
        _fail(name, key, f"only a final state ({', '.join(table.final)}) has an outcome")
    if outcome and outcome not in OUTCOME_NAMES:
        _fail(name, key, f"{outcome!r} is not an outcome (outcomes: {', '.join(OUTCOME_NAMES)})")
    return state, outcome or None


def _rag(value: str, key: str, name: str) -> str:
    rag = value.strip().casefold()
    if rag not in RAGS:
        _fail(name, key, f"{value!r} is not a RAG status ({', '.join(RAGS)})")
    return rag
