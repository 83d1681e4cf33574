"""Periods such as "2 months" or "56 days", and the last day of one beginning on a date."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_PERIOD = re.compile(r"^\s*(\d+)\s*(day|week|month)s?\s*$", re.IGNORECASE)
_MOST_DAYS = {"day": 1, "week": 7, "month": 31}
_LONGEST_DAYS = 10 * 12 * 31  # ten years of the longest months


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # "day", "week" or "month"

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"

    def last_day(self, start: date) -> date:
        """Return the last day of this period beginning with (and including) `start`.

        Months follow the corresponding-date rule: the period ends the day before the
        same day-of-month n months later, or on that month's last day when it has no
        such day (two months beginning with 31 December end on the last of February).
        """
        if self.unit == "day":
            return start + timedelta(days=self.amount - 1)
        if self.unit == "week":
            return start + timedelta(days=7 * self.amount - 1)
        year, month0 = divmod(start.month - 1 + self.amount, 12)
        year, month = start.year + year, month0 + 1
        days_in_month = calendar.monthrange(year, month)[1]
        if start.day > days_in_month:
            return date(year, month, days_in_month)
        return date(year, month, start.day) - timedelta(days=1)


def parse_period(text: str) -> Period:
    """Parse "2 months", "8 weeks" or "56 days"; raise ValueError otherwise."""
    match = _PERIOD.match(text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{text!r} is not a period like '2 months', '8 weeks' or '56 days'")
    period = Period(int(match.group(1)), match.group(2).lower())
    # Refused here, at start-up, rather than as a date overflow on the first report.
    if period.amount * _MOST_DAYS[period.unit] > _LONGEST_DAYS:
        raise ValueError(f"{text!r} is longer than ten years")
    return period
