"""The response due date: the last day of a period beginning with the day a report was submitted."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config import Period, parse_period

TWO_MONTHS = Period(2, "month")
starts = st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31))


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2027, 1, 5), date(2027, 3, 4)),
        (date(2027, 1, 1), date(2027, 2, 28)),
        (date(2027, 11, 15), date(2028, 1, 14)),
        (date(2026, 12, 31), date(2027, 2, 28)),
        (date(2027, 12, 31), date(2028, 2, 29)),
        (date(2027, 12, 29), date(2028, 2, 28)),
        (date(2028, 1, 1), date(2028, 2, 29)),
        (date(2027, 7, 31), date(2027, 9, 30)),
        (date(2027, 8, 31), date(2027, 10, 30)),
    ],
)
def test_two_months_beginning_with_a_day(start: date, due: date) -> None:
    assert TWO_MONTHS.last_day(start) == due


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2027, 1, 30), date(2027, 2, 28)),
        (date(2027, 1, 31), date(2027, 2, 28)),
        (date(2028, 1, 30), date(2028, 2, 29)),
        (date(2028, 1, 29), date(2028, 2, 28)),
        (date(2028, 2, 29), date(2028, 3, 28)),
        (date(2027, 12, 5), date(2028, 1, 4)),
    ],
)
def test_one_month_across_month_ends_and_leap_years(start: date, due: date) -> None:
    assert Period(1, "month").last_day(start) == due


@pytest.mark.parametrize("text", ["8 weeks", "56 days"])
def test_eight_weeks_and_fifty_six_days_end_on_the_same_day(text: str) -> None:
    assert parse_period(text).last_day(date(2027, 1, 5)) == date(2027, 3, 1)


def test_fifty_six_days_across_a_leap_day() -> None:
    assert parse_period("56 days").last_day(date(2028, 1, 5)) == date(2028, 2, 29)


def test_a_one_day_period_ends_the_day_it_begins() -> None:
    assert parse_period("1 day").last_day(date(2027, 1, 5)) == date(2027, 1, 5)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2 months", Period(2, "month")),
        ("1 month", Period(1, "month")),
        ("8 weeks", Period(8, "week")),
        ("56 days", Period(56, "day")),
        ("  3 Months ", Period(3, "month")),
    ],
)
def test_it_parses_periods(text: str, period: Period) -> None:
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["", "two months", "0 days", "2 moons", "-1 month", "2.5 weeks"])
def test_it_refuses_what_is_not_a_period(text: str) -> None:
    with pytest.raises(ValueError, match="is not a period like '2 months'"):
        parse_period(text)


def test_a_period_too_long_to_mean_anything_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than"):
        parse_period("99999999 days")


def test_a_period_reads_back_as_written() -> None:
    assert [str(parse_period(t)) for t in ("2 months", "1 week")] == ["2 months", "1 week"]


def months_later(start: date, months: int) -> tuple[int, int]:
    year, month0 = divmod(start.month - 1 + months, 12)
    return start.year + year, month0 + 1


def corresponding_date(start: date, months: int) -> date:
    """The same day of the month `months` later; the first of the month after if it has none."""
    year, month = months_later(start, months)
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day)
    return date(year, month, calendar.monthrange(year, month)[1]) + timedelta(days=1)


@given(starts, st.integers(min_value=1, max_value=24))
def test_the_day_after_the_period_is_the_corresponding_date(start: date, months: int) -> None:
    assert Period(months, "month").last_day(start) + timedelta(days=1) == corresponding_date(
        start, months
    )


MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_spans(months: int) -> list[int]:
    """The days in each run of `months` consecutive months of a common year."""
    return [sum(MONTH_DAYS[(first + i) % 12] for i in range(months)) for first in range(12)]


@given(starts, st.integers(min_value=1, max_value=24))
def test_a_month_period_is_as_long_as_some_run_of_months(start: date, months: int) -> None:
    length = (Period(months, "month").last_day(start) - start).days + 1
    leap_days = months // 12 + 1
    assert min(month_spans(months)) <= length <= max(month_spans(months)) + leap_days


@given(starts, st.integers(min_value=1, max_value=24))
def test_a_month_period_ends_in_the_month_before_or_the_month_itself(
    start: date, months: int
) -> None:
    end = Period(months, "month").last_day(start)
    assert (end.year, end.month) in {months_later(start, months), months_later(start, months - 1)}


@given(starts, st.integers(min_value=1, max_value=400))
def test_days_and_weeks_count_the_first_day(start: date, amount: int) -> None:
    assert (Period(amount, "day").last_day(start) - start).days == amount - 1
    assert Period(amount, "week").last_day(start) == Period(7 * amount, "day").last_day(start)


@given(starts, starts)
def test_a_later_start_never_ends_earlier(first: date, second: date) -> None:
    early, late = sorted((first, second))
    assert TWO_MONTHS.last_day(early) <= TWO_MONTHS.last_day(late)


def test_ten_years_is_long_but_allowed() -> None:
    assert parse_period("120 months").last_day(date(2027, 1, 5)) == date(2037, 1, 4)
