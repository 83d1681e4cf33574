"""The committee's calendar: meetings and monitoring dates, read back as a calendar reads it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from factories import CLERK, CURRENT_TIME, PANEL, World, make_recommendation, make_world
from icalendar import Calendar, Event
from runner import Cli

from reports.calendar import calendar, meeting_uid, monitoring_uid
from workflow import services
from workflow.db import make_engine, new_session
from workflow.lifecycle import Lifecycle
from workflow.papers import CalendarDate, CalendarMeeting
from workflow.services import directory

LONDON = ZoneInfo("Europe/London")
DOMAIN = "council.example"
MEETING = CalendarMeeting(
    7, PANEL, "Monitoring", datetime(2027, 4, 20, 18, tzinfo=LONDON), False, 0
)
DATE = CalendarDate("CCS/09/b", "Publish the strategy", date(2027, 4, 6), "Olive Officer", 2)


def events(ics: bytes) -> dict[str, Event]:
    """The file's entries by UID, as a calendar program reads them."""
    return {str(e["uid"]): e for e in Calendar.from_ical(ics).events}


def build(
    *meetings: CalendarMeeting, dates: tuple[CalendarDate, ...] = (DATE,)
) -> dict[str, Event]:
    return events(
        calendar(meetings, dates, name=PANEL, domain=DOMAIN, stamp=CURRENT_TIME, tz=LONDON)
    )


def test_a_meeting_is_an_entry_at_its_local_time() -> None:
    entry = build(MEETING)[meeting_uid(7, DOMAIN)]
    assert entry.start == MEETING.starts_at
    assert str(entry["summary"]) == f"{PANEL}: Monitoring"
    assert entry.stamp == CURRENT_TIME


def test_a_monitoring_date_is_an_all_day_entry() -> None:
    entry = build()[monitoring_uid("CCS/09/b", DOMAIN)]
    assert (entry.start, entry.end) == (date(2027, 4, 6), date(2027, 4, 7))
    assert str(entry["summary"]).startswith("Monitoring CCS/09/b: Publish")
    assert "Olive Officer" in str(entry["description"])


def test_a_code_with_slashes_and_spaces_makes_a_plain_uid() -> None:
    assert monitoring_uid("SR (25/26) 01", DOMAIN) == f"monitoring-SR%20%2825%2F26%29%2001@{DOMAIN}"


def test_a_moved_meeting_keeps_its_uid_with_a_later_sequence() -> None:
    moved = CalendarMeeting(7, PANEL, "", datetime(2027, 4, 27, 18, tzinfo=LONDON), False, 1)
    entry = build(moved)[meeting_uid(7, DOMAIN)]
    assert entry.start == moved.starts_at and entry["sequence"] == 1


def test_a_cancelled_meeting_stays_marked_cancelled() -> None:
    cancelled = CalendarMeeting(7, PANEL, "", MEETING.starts_at, True, 1)
    entry = build(cancelled)[meeting_uid(7, DOMAIN)]
    assert (str(entry["status"]), entry["sequence"]) == ("CANCELLED", 2)


def test_the_file_carries_the_zone_its_times_are_in() -> None:
    ics = calendar([MEETING], [], name=PANEL, domain=DOMAIN, stamp=CURRENT_TIME, tz=LONDON)
    zones = [str(tz["tzid"]) for tz in Calendar.from_ical(ics).walk("VTIMEZONE")]
    assert zones == ["Europe/London"]


# From the command line


@pytest.fixture
def tracker(cli: Cli, db_url: str) -> Iterator[None]:
    """A database with the personas, a recommendation in progress, and no meetings."""
    assert cli("init")[0] == 0
    engine = make_engine(db_url)
    with new_session(engine) as session:
        make_recommendation(
            make_world(session), "b", "in_progress", monitoring_date=date(2027, 4, 6)
        )
    engine.dispose()
    yield


def read(path: Path) -> dict[str, Event]:
    return events(path.read_bytes())


def test_calendar_writes_the_meetings_and_monitoring_dates(
    cli: Cli, tracker: None, tmp_path: Path
) -> None:
    meeting = cli.json(
        "meetings", "add", "--body", PANEL, "--at", "2027-04-20T18:00", "--by", CLERK
    )
    assert cli("calendar", "--body", PANEL, "-o", str(tmp_path / "panel.ics"))[0] == 0
    uids = set(read(tmp_path / "panel.ics"))
    domain = "localhost.localdomain"  # the default sender's
    assert uids == {meeting_uid(meeting["id"], domain), monitoring_uid("CCS/09/b", domain)}


def test_after_meetings_move_the_calendar_updates_the_same_entry(
    cli: Cli, tracker: None, tmp_path: Path
) -> None:
    meeting = cli.json(
        "meetings", "add", "--body", PANEL, "--at", "2027-04-20T18:00", "--by", CLERK
    )
    cli("calendar", "-o", str(tmp_path / "before.ics"))
    cli("meetings", "move", str(meeting["id"]), "--at", "2027-04-27T18:00", "--by", CLERK)
    cli("calendar", "-o", str(tmp_path / "after.ics"))
    before, after = read(tmp_path / "before.ics"), read(tmp_path / "after.ics")
    assert set(before) == set(after)
    uid = meeting_uid(meeting["id"], "localhost.localdomain")
    assert after[uid].start == datetime(2027, 4, 27, 18, tzinfo=LONDON)
    assert str(after[uid]["dtstart"].params["tzid"]) == "Europe/London"
    assert (before[uid]["sequence"], after[uid]["sequence"]) == (0, 1)


def test_calendar_refuses_an_unknown_body(cli: Cli, tracker: None, tmp_path: Path) -> None:
    status, _, err = cli("calendar", "--body", "Nobody", "-o", str(tmp_path / "x.ics"))
    assert status == 2 and "Nobody" in err and not (tmp_path / "x.ics").exists()


# The service, on each database


def test_the_service_counts_each_meetings_moves(world: World, lifecycle: Lifecycle) -> None:
    clerk, start = world.actor(CLERK), datetime(2027, 4, 20, 17, tzinfo=UTC)
    added = directory.add_meeting(world.session, lifecycle.table, clerk, CURRENT_TIME,
                                  body=PANEL, starts_at=start)  # fmt: skip
    directory.move_meeting(world.session, lifecycle.table, clerk, CURRENT_TIME, added["id"],
                           start + timedelta(days=7))  # fmt: skip
    meetings, _ = services.calendar_entries(world.session, lifecycle.table, PANEL)
    assert [(m.starts_at, m.moves, m.cancelled) for m in meetings] == [
        (start + timedelta(days=7), 1, False)
    ]


def test_the_service_gives_open_recommendations_monitoring_dates(
    world: World, lifecycle: Lifecycle
) -> None:
    make_recommendation(world, "a", monitoring_date=date(2027, 4, 1))  # proposed: not yet open
    make_recommendation(world, "b", "in_progress", monitoring_date=date(2027, 4, 6))
    make_recommendation(world, "c", "in_progress")  # no monitoring date
    _, dates = services.calendar_entries(world.session, lifecycle.table)
    assert [(d.code, d.on, d.owner) for d in dates] == [
        ("CCS/09/b", date(2027, 4, 6), "Olive Officer")
    ]
