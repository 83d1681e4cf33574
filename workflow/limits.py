"""The largest and the earliest and latest values rectrack takes, at every door.

The same limits hold for a command, an import (JSON or CSV) and a form, so whatever
rectrack holds it can export and import again. Pure.
"""

from __future__ import annotations

from datetime import date, datetime

LINE_MAX = 500  # a name, a title, a reference, a code: characters
TEXT_MAX = 30_000  # a recommendation, a response, a note: characters (well inside a CSV cell)
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)  # the days a tracker may name


def too_long(value: str, limit: int) -> str | None:
    """None if `value` fits `limit`, else the reason in words."""
    if len(value) <= limit:
        return None
    return f"is longer than {limit:,} characters (it has {len(value):,})"


def out_of_range(day: date | datetime) -> str | None:
    """None if `day` is one a tracker may name, else the reason in words."""
    on = day.date() if isinstance(day, datetime) else day
    if EARLIEST <= on <= LATEST:
        return None
    return f"{on.isoformat()} is not between {EARLIEST.year} and {LATEST.year}"
