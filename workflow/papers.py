"""The plain records the committee's papers are made from: no storage, no clock.

The services in `workflow.services` fill them from the database; `reports` lays them
out (a text table, JSON, a calendar), knowing nothing of where they came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

# The closure outcomes that count as implemented: the committee's verdict at sign-off,
# in full or in part. Anything else closed (rejected, noted, not implemented,
# withdrawn, superseded) was not.
PARTLY_IMPLEMENTED = "partly_implemented"
IMPLEMENTED = ("implemented", PARTLY_IMPLEMENTED)


@dataclass(frozen=True)
class ImpactFigures:
    """The annual report's figures for the recommendations made in a period.

    Every figure is about the same cohort: the recommendations of the reports
    submitted from `start` to `end` (either open-ended when None), made by `body` if
    given. Dates are the days things happened (`effective_on`); undone responses and
    history lines do not count.
    """

    start: date | None
    end: date | None
    body: str | None
    today: date  # the day "open" and "overdue" are counted on
    made: int
    responded: int  # with a response in force
    responded_in_time: int  # ...one of them on or before the report's response due date
    decisions: tuple[tuple[str, int], ...]  # (response event, count) of its latest response
    implemented: int  # closed with an outcome of IMPLEMENTED
    implemented_in_part: int  # ...of which partly_implemented
    by_original_target: int  # implemented on or before the original target date
    after_rebasing: int  # implemented after the original target, which had been moved
    rebased: int  # the target moved from its original
    median_days_to_sign_off: float | None  # from the response to the closing sign-off
    median_slippage_days: float | None  # original to current target, of those re-based
    open: int  # in an open state today
    overdue: int  # open, with the target date passed


@dataclass(frozen=True)
class CalendarMeeting:
    """A meeting of a body, as the calendar shows it."""

    id: int
    body: str
    title: str
    starts_at: datetime  # timezone-aware
    cancelled: bool
    moves: int  # how often it was moved: the calendar entry's revision


@dataclass(frozen=True)
class CalendarDate:
    """A recommendation's next monitoring date: an all-day entry in the calendar."""

    code: str
    text: str
    on: date
    owner: str | None  # the officer's name
    revision: int  # moved on by every change to the recommendation
