"""Time is passed in. SystemClock is the one place that reads the wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current instant, timezone-aware."""
        ...


class FixedClock:
    """A clock that says what it is told; for tests and `tick --now`."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """`clock` set to read `at` now, going on at its pace; for `tick --now`."""

    def __init__(self, clock: Clock, at: datetime) -> None:
        self.clock, self.offset = clock, at - clock.now()

    def now(self) -> datetime:
        return self.clock.now() + self.offset


def local_day(now: datetime, tz: ZoneInfo) -> date:
    """Return the calendar day it is at `now` in `tz`."""
    return now.astimezone(tz).date()


def aware(moment: datetime) -> datetime:
    """An instant read back from the database: SQLite hands it back without its zone, and
    it was stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
