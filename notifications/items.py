"""What notices are about, as a sweep loads them: a `Snapshot` of plain records.

Recommendations, meetings, reports and milestones (the `item` of a notice:
"rec:12", "meeting:3", "report:4", "milestone:5"), with the people to tell; what
chairs' agendas list beside them (`AgendaRecords`); and the `Window` of rows a
sweep must load, by ranges of local days. Planning and rendering read these; only
`snapshot.py` reads the database to make them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Contact:
    email: str
    name: str


class RecItem(NamedTuple):
    """A recommendation as planning and rendering see it."""

    # A named tuple rather than a frozen dataclass: as immutable, and several times
    # cheaper to build, and a sweep loads thousands of these.

    id: int
    code: str
    text: str
    state: str
    report_reference: str
    body_id: int  # the body that made it: its report's from body
    body_name: str
    owner: Contact | None
    target_date: date | None = None
    monitoring_date: date | None = None
    original_target_date: date | None = None
    rag: str | None = None
    latest_update: str | None = None


@dataclass(frozen=True)
class MeetingItem:
    id: int
    body_id: int
    body_name: str
    starts_at: datetime  # aware
    title: str
    chair: Contact | None


@dataclass(frozen=True)
class ReportItem:
    """A report awaiting its response, with the recommendations still awaiting one.

    `proposed` holds those in the initial state with no response in force
    (`workflow.tracker.awaiting_response`): a noted recommendation is not among them.
    """

    id: int
    reference: str
    title: str
    response_due_on: date
    to_body_name: str
    chair: Contact | None  # the chair of the body the report went to
    proposed: tuple[RecItem, ...] = ()


class MilestoneItem(NamedTuple):
    """A milestone of a recommendation, which is among the snapshot's recommendations."""

    id: int
    recommendation_id: int
    number: int  # its place among its recommendation's milestones, from 1
    title: str
    due_on: date
    done_on: date | None = None


class Happened(StrEnum):
    """What a chair's agenda reports of a recommendation since the body's last meeting."""

    REBASED = "rebased"  # an endorsed amendment moved its target date
    TURNED_RED = "turned red"  # a progress update gave it RAG red when it was not
    CLOSED = "closed"


class Happening(NamedTuple):
    """One thing that happened to a recommendation, on the day it happened (effective)."""

    what: Happened
    rec: RecItem
    on: date
    target_before: date | None = None  # re-based: the target it had
    target_after: date | None = None  # and the one it was given
    outcome: str | None = None  # closed: how (implemented, rejected, ...)
    by: str | None = None  # re-based: the body that endorsed it


class NotedItem(NamedTuple):
    """A recommendation still `proposed` whose response in force is a note."""

    rec: RecItem
    noted_on: date
    comment: str | None


@dataclass(frozen=True)
class AgendaRecords:
    """What chairs' agendas list beside what is due, for the bodies meeting in the window.

    `previous_meetings` has each meeting's previous meeting of its body (not
    cancelled), by meeting id, as the local day; a meeting with none is absent.
    `first_reports` has the day each of those bodies first submitted a report.
    `overdue` holds the reports of those bodies whose response was due before the
    last of their meetings, each with what still awaits a response (no response in
    force), and `happenings` what was re-based, turned red or closed since the
    earliest of their previous meetings.
    """

    previous_meetings: Mapping[int, date] = field(default_factory=dict)
    first_reports: Mapping[int, date] = field(default_factory=dict)
    noted: tuple[NotedItem, ...] = ()
    overdue: tuple[ReportItem, ...] = ()
    happenings: tuple[Happening, ...] = ()

    def recommendations(self) -> Iterator[RecItem]:
        """Every recommendation these records name."""
        yield from (noted.rec for noted in self.noted)
        yield from (rec for report in self.overdue for rec in report.proposed)
        yield from (happening.rec for happening in self.happenings)


@dataclass(frozen=True)
class Snapshot:
    """The rows that can be due, as loaded for one sweep (see `window`)."""

    recommendations: tuple[RecItem, ...] = ()
    meetings: tuple[MeetingItem, ...] = ()
    reports: tuple[ReportItem, ...] = ()
    milestones: tuple[MilestoneItem, ...] = ()
    agenda: AgendaRecords = AgendaRecords()

    @cached_property
    def _by_id(self) -> tuple[dict[int, RecItem], dict[int, MeetingItem], dict[int, ReportItem]]:
        proposed = (rec for report in self.reports for rec in report.proposed)
        recs = {rec.id: rec for rec in (*self.agenda.recommendations(), *proposed)}
        recs.update((rec.id, rec) for rec in self.recommendations)
        return recs, {m.id: m for m in self.meetings}, {r.id: r for r in self.reports}

    def recommendation(self, rec_id: int) -> RecItem:
        """Return the loaded recommendation with this id; raise KeyError if it is not here."""
        return self._by_id[0][rec_id]

    def meeting(self, meeting_id: int) -> MeetingItem:
        return self._by_id[1][meeting_id]

    def report(self, report_id: int) -> ReportItem:
        return self._by_id[2][report_id]

    @cached_property
    def _milestones_by_id(self) -> dict[int, MilestoneItem]:
        return {milestone.id: milestone for milestone in self.milestones}

    def milestone(self, milestone_id: int) -> MilestoneItem:
        return self._milestones_by_id[milestone_id]


@dataclass(frozen=True)
class DayRange:
    """Local days from `first` to `last`, both included; empty when first > last."""

    first: date
    last: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def instants(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Return [start, end) in UTC: from the first day's midnight to the one after last."""
        start = datetime.combine(self.first, time(0), tzinfo=tz).astimezone(UTC)
        return start, datetime.combine(self.last + ONE_DAY, time(0), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Window:
    """The rows a sweep must load; `planning.plan` gives the same answer for any superset.

    - recommendations in an open state whose monitoring date is in `monitoring_dates`,
      or in an overdue state (`Rules.overdue_states`) whose target date is on or
      before `targets_until`;
    - meetings whose local day is in `meeting_days`, with every open recommendation
      of the meeting's body whose monitoring date is on or before that day;
    - reports whose response is due in `response_due_dates` and that still have a
      recommendation awaiting a response, with those recommendations;
    - milestones not yet done whose due date is in `milestone_dates`, with their
      recommendations if open.
    """

    monitoring_dates: DayRange
    meeting_days: DayRange
    response_due_dates: DayRange
    targets_until: date
    milestone_dates: DayRange
