"""The committee's calendar: its meetings and the recommendations' monitoring dates.

Pure: plain records in, the bytes of an iCalendar file out. Each entry's UID comes
from the record it shows (a meeting's id, a recommendation's code) and the
council's mail domain, so a calendar that imports the file again, or subscribes to
it, updates each entry in place rather than adding a copy. A meeting's SEQUENCE is
how often it was moved (and once more when cancelled), so a moved meeting is the
same entry at its new time; a cancelled one stays, marked CANCELLED, so that the
entry already in someone's calendar is struck out rather than left standing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from workflow.papers import CalendarDate, CalendarMeeting

PRODUCT = "-//rectrack//scrutiny recommendations//EN"
SUMMARY_MAX = 80  # a calendar shows a line, not a paragraph


def meeting_uid(meeting_id: int, domain: str) -> str:
    return f"meeting-{meeting_id}@{domain}"


def monitoring_uid(code: str, domain: str) -> str:
    """One entry per recommendation: its next monitoring date, wherever that moves."""
    return f"monitoring-{quote(code, safe='')}@{domain}"


def calendar(
    meetings: Sequence[CalendarMeeting],
    dates: Sequence[CalendarDate],
    *,
    name: str,
    domain: str,
    stamp: datetime,
    tz: ZoneInfo,
) -> bytes:
    """The iCalendar file of `meetings` and monitoring `dates`, made at `stamp`; the
    meetings at their times in `tz`, the council's zone."""
    cal = Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for meeting in meetings:
        cal.add_component(_meeting(meeting, domain, stamp, tz))
    for day in dates:
        cal.add_component(_monitoring(day, domain, stamp))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _meeting(meeting: CalendarMeeting, domain: str, stamp: datetime, tz: ZoneInfo) -> Event:
    event = Event()
    event.add("uid", meeting_uid(meeting.id, domain))
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("sequence", meeting.moves + int(meeting.cancelled))
    title = f"{meeting.body}: {meeting.title}" if meeting.title else meeting.body
    event.add("summary", title)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    return event


def _monitoring(day: CalendarDate, domain: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", monitoring_uid(day.code, domain))
    event.add("dtstamp", stamp)
    event.add("dtstart", day.on)
    event.add("dtend", day.on + timedelta(days=1))  # all day: the end is the next day
    event.add("sequence", day.revision)
    event.add("summary", f"Monitoring {day.code}: {_line(day.text)}")
    owner = f"Lead officer: {day.owner}\n" if day.owner else ""
    event.add("description", owner + day.text)
    event.add("transp", "TRANSPARENT")  # a date to prepare for, not time taken up
    return event


def _line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_MAX else flat[: SUMMARY_MAX - 1] + "…"
