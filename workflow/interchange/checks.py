"""Checks of single values. Each returns the clean value or raises InterchangeError(path, reason).

Pure: no storage, no clock. Messages show the value with repr(), so a newline in
bad input stays visible and the message stays on one line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from collections.abc import Set as AbstractSet
from contextlib import suppress
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from config.addresses import is_address, normal
from workflow.errors import InterchangeError
from workflow.limits import LINE_MAX, TEXT_MAX, out_of_range, too_long

# Neither PostgreSQL text nor UTF-8 can hold these: NUL and lone surrogates.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Those, and anything a mail header or a one-line listing would break on: C0 and C1
# controls (CR and LF among them) and the Unicode line and paragraph separators.
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHOWN = 60


def fail(path: str, reason: str) -> NoReturn:
    raise InterchangeError(path, reason)


def shown(value: object) -> str:
    """The value as a message shows it: repr, clipped."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def fields(value: object, keys: AbstractSet[str], required: Collection[str], path: str) -> Any:
    """Return `value` if it is an object with no unknown key and every required key."""
    if not isinstance(value, dict):
        fail(path or "document", f"must be an object, not {shown(value)}")
    if not value.keys() <= keys:
        unknown = next(key for key in value if key not in keys)
        fail(_join(path, unknown), "unknown key")
    for key in required:
        if key not in value:
            fail(_join(path, key), "is required")
    return value


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def items(value: object, path: str) -> list[Any]:
    """A list of records; absent or null is an empty one."""
    if value is None:
        return []
    if not isinstance(value, list):
        fail(path, f"must be a list, not {shown(value)}")
    return value


def text(value: object, path: str) -> str:
    """Free text: any string that can be stored, line breaks allowed."""
    if not isinstance(value, str):
        fail(path, f"must be a string, not {shown(value)}")
    if _UNSTORABLE.search(value):
        fail(path, f"{shown(value)} holds a character that cannot be stored")
    _fits(value, TEXT_MAX, path)
    return value


def _fits(value: str, limit: int, path: str) -> None:
    reason = too_long(value, limit)
    if reason:
        fail(path, reason)


def maybe_text(value: object, path: str) -> str | None:
    return None if value is None else text(value, path)


def line(value: object, path: str) -> str:
    """A name or key: one line, not blank, no control characters (they could forge a header)."""
    if not isinstance(value, str) or not value.strip():
        fail(path, f"must be a non-empty string, not {shown(value)}")
    if _NOT_IN_A_LINE.search(value):
        fail(path, f"{shown(value)} must be one line without control characters")
    _fits(value, LINE_MAX, path)
    return value


def maybe_line(value: object, path: str) -> str | None:
    return None if value is None else line(value, path)


def title(value: object, path: str) -> str:
    """A one-line title that may be empty."""
    return "" if value == "" else line(value, path)


def email(value: object, path: str) -> str:
    """A plain addr-spec (local@domain), lower-cased: nothing that could add a header."""
    if not isinstance(value, str) or not is_address(value):
        fail(path, f"{shown(value)} is not a plain email address like 'name@example.org'")
    return normal(value)


def maybe_email(value: object, path: str) -> str | None:
    return None if value is None else email(value, path)


def day(value: object, path: str) -> date:
    parsed = _parse_day(value) if isinstance(value, str) else None
    if parsed is None:
        fail(path, f"{shown(value)} is not a date (YYYY-MM-DD)")
    _in_range(parsed, path)
    return parsed


def _in_range(moment: date | datetime, path: str) -> None:
    reason = out_of_range(moment)
    if reason:
        fail(path, reason)


@lru_cache(maxsize=4096)  # a large tracker repeats the same few hundred dates
def _parse_day(value: str) -> date | None:
    if not _DAY.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def maybe_day(value: object, path: str) -> date | None:
    return None if value is None else day(value, path)


def instant(value: object, path: str, tz: ZoneInfo | None = None) -> datetime:
    """A date and time with its UTC offset, or without one if it is local to `tz`.

    Without `tz`, a time with no offset is ambiguous and refused.
    """
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        fail(path, f"{shown(value)} is not a date and time (ISO 8601)")
    if moment.utcoffset() is None:
        if tz is None:
            fail(path, f"{shown(value)} has no UTC offset (add one, e.g. +00:00)")
        moment = moment.replace(tzinfo=tz)
    _in_range(moment, path)
    return moment


def choice(value: object, allowed: Collection[str], path: str, kind: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        fail(path, f"unknown {kind} {shown(value)} (one of: {', '.join(allowed)})")
    return value


def maybe_choice(value: object, allowed: Collection[str], path: str, kind: str) -> str | None:
    return None if value is None else choice(value, allowed, path, kind)


def number(value: object, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        with suppress(OverflowError):
            if math.isfinite(number := float(value)):
                return number
    fail(path, f"must be a finite number, not {shown(value)}")


def mapping(value: object, path: str) -> dict[str, Any]:
    """A JSON object kept as data (the data of a history line, an amendment's changes)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        fail(path, f"must be an object, not {shown(value)}")
    _storable(value, path)
    return value


def _storable(value: object, path: str) -> None:
    if isinstance(value, str):
        text(value, path)
    elif isinstance(value, float):
        number(value, path)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _storable(key, path)
            _storable(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _storable(item, f"{path}[{i}]")


def known(value: str | None, names: Collection[str], path: str, what: str) -> str | None:
    """A reference to something in the document or the database."""
    if value is not None and value not in names:
        fail(path, f"no {what} {shown(value)}")
    return value
