"""The chair's agenda for a meeting: what the digest before it lists, decided from a Snapshot.

Four sections, each of the recommendations of the reports the meeting's body made:
- due for review: open, with a monitoring date on or before the meeting's day
  (`workflow.annex_records.due_at_meeting`, which the annex and the meeting's page
  share);
- noted: still `proposed`, the response in force a note, awaiting the committee's
  conclusion;
- responses overdue: reports whose response was due before the digest's day and
  that still have recommendations with no response in force;
- since the last meeting: what was re-based, turned red or closed after the day of
  the body's previous meeting (not cancelled) and by the meeting's day. What
  happened on that day itself was the committee's own business there, and is in
  its minutes. A body with no earlier meeting counts from the day it first
  submitted a report: nothing of its recommendations can have happened before.

Days are those things happened on (effective), not when they were recorded. The
digest goes when any section lists something. Pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from notifications.items import (
    ONE_DAY,
    Happened,
    Happening,
    MeetingItem,
    NotedItem,
    RecItem,
    ReportItem,
    Snapshot,
)
from workflow.annex_records import due_at_meeting
from workflow.clock import local_day

if TYPE_CHECKING:
    from notifications.planning import Rules


@dataclass(frozen=True)
class Agenda:
    """What the digest before one meeting lists, section by section."""

    meeting: MeetingItem
    meeting_day: date
    due: tuple[RecItem, ...]  # by monitoring date, then code
    noted: tuple[NotedItem, ...]  # by code
    overdue: tuple[ReportItem, ...]  # by response due date, then reference
    since: date | None  # the previous meeting's day; None when there was none
    counted_from: date | None  # the first day "since" covers; None when nothing to cover
    rebased: tuple[Happening, ...]  # each section by the day it happened, then code
    turned_red: tuple[Happening, ...]
    closed: tuple[Happening, ...]

    @property
    def happened(self) -> bool:
        return bool(self.rebased or self.turned_red or self.closed)

    @property
    def is_empty(self) -> bool:
        return not (self.due or self.noted or self.overdue or self.happened)

    def recommendation_ids(self) -> tuple[int, ...]:
        """Every recommendation the agenda names, each once, in the order of its sections."""
        recs: Iterable[RecItem] = (
            *self.due,
            *(noted.rec for noted in self.noted),
            *(rec for report in self.overdue for rec in report.proposed),
            *(happening.rec for happening in (*self.rebased, *self.turned_red, *self.closed)),
        )
        return tuple(dict.fromkeys(rec.id for rec in recs))


def agendas(snapshot: Snapshot, meetings: Sequence[MeetingItem], rules: Rules) -> list[Agenda]:
    """Return the agenda of each of `meetings`, in their order, from what `snapshot` holds."""
    if not meetings:
        return []
    bodies = {meeting.body_id for meeting in meetings}
    monitored = _monitored_by_body(snapshot.recommendations, bodies)
    lead = timedelta(days=rules.digest_lead_days)
    made = []
    for meeting in meetings:
        day = local_day(meeting.starts_at, rules.tz)
        due = [
            rec
            for rec in monitored[meeting.body_id]
            if due_at_meeting(rules.open_states, rec.state, rec.monitoring_date, day)
        ]
        made.append(_agenda(snapshot, meeting, day, day - lead, due))
    return made


def agenda_of(snapshot: Snapshot, meeting: MeetingItem, rules: Rules) -> Agenda:
    """Return the agenda of one meeting (see `agendas`)."""
    return agendas(snapshot, [meeting], rules)[0]


def _agenda(
    snapshot: Snapshot,
    meeting: MeetingItem,
    meeting_day: date,
    digest_day: date,
    due: Sequence[RecItem],
) -> Agenda:
    records, body = snapshot.agenda, meeting.body_id
    since = records.previous_meetings.get(meeting.id)
    counted_from = since + ONE_DAY if since is not None else records.first_reports.get(body)
    happened = [
        happening
        for happening in records.happenings
        if happening.rec.body_id == body
        and counted_from is not None
        and counted_from <= happening.on <= meeting_day
    ]
    return Agenda(
        meeting=meeting,
        meeting_day=meeting_day,
        due=tuple(due),
        noted=tuple(sorted((n for n in records.noted if n.rec.body_id == body), key=_noted_order)),
        overdue=tuple(_overdue(records.overdue, body, digest_day)),
        since=since,
        counted_from=counted_from,
        rebased=_each(happened, Happened.REBASED),
        turned_red=_latest_each(happened, Happened.TURNED_RED),
        closed=_latest_each(happened, Happened.CLOSED),
    )


def _monitored_by_body(
    recommendations: Iterable[RecItem], bodies: set[int]
) -> dict[int, list[RecItem]]:
    """The recommendations of `bodies` with a monitoring date, by body, in its order."""
    # Only the bodies meeting soon: most of a sweep's recommendations are of no digest.
    monitored: dict[int, list[RecItem]] = {body_id: [] for body_id in bodies}
    for rec in recommendations:
        listed = monitored.get(rec.body_id)
        if listed is not None and rec.monitoring_date is not None:
            listed.append(rec)
    for listed in monitored.values():
        listed.sort(key=lambda rec: (rec.monitoring_date, rec.code, rec.id))
    return monitored


def _noted_order(noted: NotedItem) -> tuple[str, int]:
    return noted.rec.code, noted.rec.id


def _overdue(reports: Iterable[ReportItem], body: int, digest_day: date) -> list[ReportItem]:
    """The body's reports whose response was due before the digest's day, still awaited."""
    late = [
        report
        for report in reports
        if report.proposed
        and report.proposed[0].body_id == body
        and report.response_due_on < digest_day
    ]
    return sorted(late, key=lambda report: (report.response_due_on, report.reference))


def _each(happened: Iterable[Happening], what: Happened) -> tuple[Happening, ...]:
    return tuple(sorted((h for h in happened if h.what is what), key=_happening_order))


def _latest_each(happened: Iterable[Happening], what: Happened) -> tuple[Happening, ...]:
    """The latest of each recommendation's: one that turned red twice is listed once."""
    latest: dict[int, Happening] = {}
    for happening in sorted((h for h in happened if h.what is what), key=_happening_order):
        latest[happening.rec.id] = happening
    return tuple(sorted(latest.values(), key=_happening_order))


def _happening_order(happening: Happening) -> tuple[date, str, int]:
    return happening.on, happening.rec.code, happening.rec.id
