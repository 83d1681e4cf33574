"""Planning, pure: fixed instants, the real Europe/London zone, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from factories import (
    BOARD,
    CHAIR,
    CLERK,
    EXECUTIVE,
    OFFICER,
    OTHER_OFFICER,
    PANEL,
    REPORT,
    rules,
)
from hypothesis import given
from hypothesis import strategies as st

from config import Settings, load_workflow_table
from notifications.items import (
    Contact,
    DayRange,
    MeetingItem,
    MilestoneItem,
    RecItem,
    ReportItem,
    Snapshot,
    Window,
)
from notifications.notices import Kind, Notice
from notifications.planning import Rules, group, plan, window
from workflow.clock import local_day

LONDON = ZoneInfo("Europe/London")
RULES = rules(tz=LONDON, clerk=CLERK)
OLIVE = Contact(OFFICER, "Olive Officer")
OTTO = Contact(OTHER_OFFICER, "Otto Officer")
CHARLOTTE = Contact(CHAIR, "Charlotte Chair")
EVAN = Contact(EXECUTIVE, "Evan Executive")
PANEL_ID, OTHER_BODY_ID = 1, 3

MONITORING = date(2027, 6, 15)  # a Tuesday, far from the clock changes


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def on(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def rec(rec_id: int = 1, state: str = "in_progress", **fields: object) -> RecItem:
    values: dict[str, object] = {
        "code": f"{REPORT}/{rec_id}",
        "text": f"Recommendation {rec_id}",
        "report_reference": REPORT,
        "body_id": PANEL_ID,
        "body_name": PANEL,
        "owner": OLIVE,
    }
    return RecItem(rec_id, state=state, **(values | fields))  # type: ignore[arg-type]


def meeting(starts_at: datetime, body_id: int = PANEL_ID, meeting_id: int = 7) -> MeetingItem:
    return MeetingItem(meeting_id, body_id, PANEL, starts_at, "Quarterly monitoring", CHARLOTTE)


def report(due_on: date, *proposed: RecItem) -> ReportItem:
    return ReportItem(4, REPORT, "Customer Contact Strategy", due_on, BOARD, EVAN, proposed)


def due(snapshot: Snapshot, now: datetime, since: datetime | None = None) -> list[Notice]:
    return plan(snapshot, RULES, now, since).due


def due_days(snapshot: Snapshot, now: datetime, kind: Kind) -> list[date]:
    return [notice.due_day for notice in due(snapshot, now) if notice.kind is kind]


# Monitoring reminders


WATCHED = Snapshot((rec(monitoring_date=MONITORING),))  # one recommendation to monitor


@pytest.mark.parametrize("lead", [14, 3])
def test_it_reminds_the_owner_at_each_lead_time_before_the_monitoring_date(lead: int) -> None:
    day = MONITORING - timedelta(days=lead)
    [notice] = due(WATCHED, on(day, 8))
    assert (notice.kind, notice.recipient, notice.due_day) == (
        Kind.MONITORING_REMINDER,
        OFFICER,
        day,
    )
    assert notice.about == MONITORING and notice.recommendation_ids == (1,)


@pytest.mark.parametrize("lead", [14, 3])
def test_it_sends_no_reminder_a_minute_before_the_send_hour(lead: int) -> None:
    day = MONITORING - timedelta(days=lead)
    assert day not in due_days(WATCHED, on(day, 7, 59), Kind.MONITORING_REMINDER)


def test_the_latest_lead_time_supersedes_the_earlier_one() -> None:
    assert [n.due_day for n in due(WATCHED, london(2027, 6, 12, 8))] == [date(2027, 6, 12)]


def test_it_reminds_nobody_when_the_recommendation_has_no_owner() -> None:
    assert (
        due(Snapshot((rec(monitoring_date=MONITORING, owner=None),)), london(2027, 6, 12, 9)) == []
    )


# Chair digests


MEETING_AT = london(2027, 6, 15, 18)


def digest_snapshot(*recs: RecItem, starts_at: datetime = MEETING_AT) -> Snapshot:
    return Snapshot(recs, (meeting(starts_at),))


def test_it_sends_the_chair_a_digest_a_week_before_the_meeting() -> None:
    snapshot = digest_snapshot(rec(1, monitoring_date=MONITORING))
    [notice] = [n for n in due(snapshot, london(2027, 6, 8, 8)) if n.kind is Kind.CHAIR_DIGEST]
    assert (notice.kind, notice.item, notice.recipient) == (Kind.CHAIR_DIGEST, "meeting:7", CHAIR)
    assert (notice.due_day, notice.about) == (date(2027, 6, 8), MONITORING)


def test_it_sends_no_digest_a_minute_before_the_send_hour() -> None:
    snapshot = digest_snapshot(rec(1, monitoring_date=MONITORING))
    assert due_days(snapshot, london(2027, 6, 8, 7, 59), Kind.CHAIR_DIGEST) == []


def test_the_digest_lists_what_is_monitored_on_or_before_the_meeting_day() -> None:
    snapshot = digest_snapshot(
        rec(1, monitoring_date=MONITORING + timedelta(days=1)),
        rec(2, monitoring_date=MONITORING),
        rec(3, monitoring_date=date(2027, 3, 1)),
    )
    [notice] = [n for n in due(snapshot, london(2027, 6, 8, 8)) if n.kind is Kind.CHAIR_DIGEST]
    assert notice.recommendation_ids == (3, 2)


def test_the_digest_lists_only_the_bodys_own_open_recommendations() -> None:
    snapshot = digest_snapshot(
        rec(1, monitoring_date=MONITORING),
        rec(2, monitoring_date=MONITORING, body_id=OTHER_BODY_ID),
        rec(3, monitoring_date=MONITORING, state="closed"),
    )
    [notice] = [n for n in due(snapshot, london(2027, 6, 8, 8)) if n.kind is Kind.CHAIR_DIGEST]
    assert notice.recommendation_ids == (1,)


def test_there_is_no_digest_when_nothing_is_due() -> None:
    snapshot = digest_snapshot(rec(1, monitoring_date=MONITORING + timedelta(days=1)))
    assert due_days(snapshot, london(2027, 6, 8, 8), Kind.CHAIR_DIGEST) == []


def test_the_digest_counts_from_the_meetings_local_day() -> None:
    just_after_midnight = london(2027, 6, 15, 0, 30)  # still 14 June in UTC
    snapshot = digest_snapshot(rec(1, monitoring_date=MONITORING), starts_at=just_after_midnight)
    assert due_days(snapshot, london(2027, 6, 8, 8), Kind.CHAIR_DIGEST) == [date(2027, 6, 8)]


# Response due and overdue

RESPONSE_DUE = date(2027, 6, 30)
AWAITING = Snapshot(reports=(report(RESPONSE_DUE, rec(5, state="proposed")),))


def test_it_tells_the_chair_of_the_board_a_response_is_due_14_days_before() -> None:
    [notice] = due(AWAITING, london(2027, 6, 16, 8))
    assert (notice.kind, notice.item, notice.recipient) == (
        Kind.RESPONSE_DUE,
        "report:4",
        EXECUTIVE,
    )
    assert (notice.due_day, notice.about, notice.recommendation_ids) == (
        date(2027, 6, 16),
        RESPONSE_DUE,
        (5,),
    )


def test_it_says_nothing_of_a_response_a_minute_before_the_send_hour() -> None:
    assert due(AWAITING, london(2027, 6, 16, 7, 59)) == []


def test_it_says_nothing_of_a_response_once_none_awaits_one() -> None:
    answered = Snapshot(reports=(report(RESPONSE_DUE),))  # as loaded: agreed or noted
    assert due(answered, london(2027, 6, 16, 8)) == []


def test_it_tells_the_chair_once_more_the_day_after_the_response_was_due() -> None:
    [notice] = due(AWAITING, london(2027, 7, 1, 8))
    assert (notice.kind, notice.due_day, notice.about) == (
        Kind.RESPONSE_OVERDUE,
        date(2027, 7, 1),
        None,
    )


def test_the_response_overdue_notice_lapses_after_a_cadence() -> None:
    assert due(AWAITING, london(2027, 7, 8, 9))[0].due_day == date(2027, 7, 1)
    assert due(AWAITING, london(2027, 7, 9, 0, 5)) == []


# Target overdue

TARGET = date(2027, 6, 1)
OVERDUE = Snapshot((rec(target_date=TARGET),))


def test_it_tells_the_owner_and_the_clerk_the_day_after_the_target_passes() -> None:
    [notice] = due(OVERDUE, london(2027, 6, 2, 8))
    assert (notice.kind, notice.recipient, notice.cc) == (Kind.TARGET_OVERDUE, OFFICER, (CLERK,))
    assert (notice.due_day, notice.about) == (date(2027, 6, 2), None)


@pytest.mark.parametrize(
    ("state", "told"),
    [
        ("endorsed", True),
        ("amended", True),
        ("in_progress", True),
        ("monitored", False),  # reported implemented: it waits for the committee
        ("closed", False),
    ],
)
def test_a_passed_target_is_overdue_only_until_reported_implemented(state: str, told: bool) -> None:
    snapshot = Snapshot((rec(state=state, target_date=TARGET),))
    assert bool(due_days(snapshot, london(2027, 6, 2, 8), Kind.TARGET_OVERDUE)) is told


def test_the_overdue_states_come_from_the_workflow_table() -> None:
    snapshot = Snapshot((rec(state="monitored", target_date=TARGET),))
    every_open = rules(overdue_states=RULES.open_states)
    assert plan(snapshot, every_open, london(2027, 6, 2, 8), None).due != []


def test_it_says_nothing_of_the_target_before_the_send_hour() -> None:
    assert due(OVERDUE, london(2027, 6, 2, 7, 59)) == []


@pytest.mark.parametrize(
    ("now", "due_day"),
    [
        (london(2027, 6, 8, 9), date(2027, 6, 2)),
        (london(2027, 6, 9, 7, 59), date(2027, 6, 2)),
        (london(2027, 6, 9, 8), date(2027, 6, 9)),
        (london(2027, 6, 20, 8), date(2027, 6, 16)),
    ],
)
def test_it_repeats_the_overdue_notice_every_seven_days(now: datetime, due_day: date) -> None:
    assert due_days(OVERDUE, now, Kind.TARGET_OVERDUE) == [due_day]


def test_after_a_long_outage_only_the_latest_overdue_notice_is_due() -> None:
    result = plan(OVERDUE, RULES, london(2027, 9, 1, 9), london(2027, 6, 1))
    assert [n.due_day for n in result.due] == [date(2027, 9, 1)]
    assert result.missed == []


def test_a_clerk_who_owns_it_is_not_copied_whatever_the_case_of_the_address() -> None:
    [notice] = plan(OVERDUE, rules(clerk=OFFICER.upper()), london(2027, 6, 2, 8), None).due
    assert notice.cc == ()


def test_no_clerk_is_copied_when_none_is_set() -> None:
    [notice] = plan(OVERDUE, rules(), london(2027, 6, 2, 8), None).due
    assert notice.cc == ()


# Milestones due

DUE_ON = date(2027, 6, 15)  # a Tuesday: the reminder a week before, on 8 June


def milestone(
    milestone_id: int = 9, rec_id: int = 1, due_on: date = DUE_ON, done_on: date | None = None
) -> MilestoneItem:
    return MilestoneItem(milestone_id, rec_id, 2, "Action plan published", due_on, done_on)


ON_PLAN = Snapshot((rec(1),), milestones=(milestone(),))  # one milestone to be done


def test_it_reminds_the_owner_a_week_before_a_milestone_is_due() -> None:
    [notice] = due(ON_PLAN, london(2027, 6, 8, 8))
    assert (notice.kind, notice.item, notice.recipient) == (
        Kind.MILESTONE_DUE,
        "milestone:9",
        OFFICER,
    )
    assert (notice.due_day, notice.about, notice.recommendation_ids) == (
        date(2027, 6, 8),
        DUE_ON,
        (1,),
    )


@pytest.mark.parametrize("now", [london(2027, 6, 7, 9), london(2027, 6, 8, 7, 59)])
def test_it_says_nothing_of_a_milestone_before_its_lead_time(now: datetime) -> None:
    assert due(ON_PLAN, now) == []


def test_a_milestone_done_is_not_reminded_of() -> None:
    done = Snapshot((rec(1),), milestones=(milestone(done_on=date(2027, 6, 1)),))
    assert due(done, london(2027, 6, 8, 8)) == []


@pytest.mark.parametrize("state", ["proposed", "closed"])
def test_a_milestone_of_a_recommendation_not_open_is_not_reminded_of(state: str) -> None:
    snapshot = Snapshot((rec(1, state=state),), milestones=(milestone(),))
    assert due(snapshot, london(2027, 6, 8, 8)) == []


def test_a_milestone_whose_recommendation_was_not_loaded_is_not_reminded_of() -> None:
    assert due(Snapshot(milestones=(milestone(),)), london(2027, 6, 8, 8)) == []


def test_the_latest_milestone_lead_time_supersedes_the_earlier_one() -> None:
    two_leads = rules(tz=LONDON, milestone_lead_days=(14, 7))
    [notice] = plan(ON_PLAN, two_leads, london(2027, 6, 9, 8), None).due
    assert notice.due_day == date(2027, 6, 8)


def test_after_an_outage_a_milestone_still_ahead_is_reminded_of_late() -> None:
    result = plan(ON_PLAN, RULES, london(2027, 6, 14, 10), london(2027, 6, 5, 9))
    assert [n.due_day for n in result.due] == [date(2027, 6, 8)]
    assert result.missed == []


def test_after_an_outage_a_milestone_passed_is_recorded_missed() -> None:
    result = plan(ON_PLAN, RULES, london(2027, 6, 16, 0, 5), london(2027, 6, 5, 9))
    assert result.due == []
    assert [(n.kind, n.due_day) for n in result.missed] == [(Kind.MILESTONE_DUE, date(2027, 6, 8))]


def test_moving_a_milestone_replans_it_under_a_new_key() -> None:
    now = london(2027, 6, 12, 9)
    moved = Snapshot((rec(1),), milestones=(milestone(due_on=DUE_ON + timedelta(days=3)),))
    before, after = due(ON_PLAN, now), due(moved, now)
    assert [n.due_day for n in after] == [date(2027, 6, 11)]
    assert {n.key for n in before}.isdisjoint(n.key for n in after)


def test_the_milestones_due_for_one_owner_go_in_one_message() -> None:
    snapshot = Snapshot((rec(1), rec(2)), milestones=(milestone(9, 1), milestone(10, 2)))
    [message] = group(due(snapshot, london(2027, 6, 8, 8)))
    assert [n.item for n in message] == ["milestone:10", "milestone:9"]


# Local time across the clock changes


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2027, 3, 27), 8),  # the Saturday before the spring change: GMT
        (date(2027, 3, 28), 7),  # the day of the change: BST
        (date(2027, 10, 30), 7),  # the Saturday before the autumn change: BST
        (date(2027, 10, 31), 8),  # the day of the change: GMT
    ],
)
def test_notices_go_out_at_eight_local_across_the_clock_changes(day: date, utc_hour: int) -> None:
    send_at = datetime.combine(day, time(utc_hour), tzinfo=UTC)
    snapshot = Snapshot((rec(monitoring_date=day + timedelta(days=3)),))
    assert day not in due_days(snapshot, send_at - timedelta(minutes=1), Kind.MONITORING_REMINDER)
    [notice] = due(snapshot, send_at)
    assert (notice.due_day, notice.send_at) == (day, send_at)


def test_a_send_hour_the_spring_change_skips_is_read_before_the_change() -> None:
    early = rules(tz=LONDON, send_at=time(1, 30))
    assert early.send_time(date(2027, 3, 28)) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_a_send_hour_the_autumn_change_repeats_is_the_first_of_the_two() -> None:
    early = rules(tz=LONDON, send_at=time(1, 30))
    assert early.send_time(date(2027, 10, 31)) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


# Catch-up after downtime

DOWN_SINCE = london(2027, 6, 10, 9)  # the last sweep before the service stopped


def test_a_reminder_whose_date_is_still_ahead_is_sent_late() -> None:
    result = plan(WATCHED, RULES, london(2027, 6, 14, 10), DOWN_SINCE)
    assert [n.due_day for n in result.due] == [date(2027, 6, 12)]
    assert result.missed == []


def test_a_reminder_is_still_sent_on_the_day_it_warns_about() -> None:
    result = plan(WATCHED, RULES, london(2027, 6, 15, 23), DOWN_SINCE)
    assert [n.due_day for n in result.due] == [date(2027, 6, 12)]


def test_a_reminder_whose_date_has_passed_is_missed_not_sent() -> None:
    result = plan(WATCHED, RULES, london(2027, 6, 16, 0, 5), DOWN_SINCE)
    assert result.due == []
    assert [n.due_day for n in result.missed] == [date(2027, 6, 12)]


def test_a_missed_reminder_is_reported_by_one_sweep_only() -> None:
    since = london(2027, 6, 16, 0, 5)
    result = plan(WATCHED, RULES, london(2027, 6, 16, 0, 10), since)
    assert result == plan(Snapshot(), RULES, since, None)


def test_a_first_sweep_reports_nothing_missed() -> None:
    result = plan(WATCHED, RULES, london(2027, 6, 16, 9), None)
    assert (result.due, result.missed) == ([], [])


def test_a_digest_whose_meeting_has_passed_is_missed() -> None:
    snapshot = digest_snapshot(rec(1, monitoring_date=MONITORING))
    result = plan(snapshot, RULES, london(2027, 6, 16, 9), london(2027, 6, 1, 9))
    assert [(n.kind, n.due_day) for n in result.missed] == [
        (Kind.CHAIR_DIGEST, date(2027, 6, 8)),
        (Kind.MONITORING_REMINDER, date(2027, 6, 12)),
    ]


# Re-planning and closing


def test_moving_the_monitoring_date_replans_under_a_new_key() -> None:
    now = london(2027, 6, 12, 9)
    before = due(WATCHED, now)
    after = due(Snapshot((rec(monitoring_date=MONITORING + timedelta(days=7)),)), now)
    assert [n.due_day for n in after] == [date(2027, 6, 8)]
    assert {n.key for n in before}.isdisjoint(n.key for n in after)


def test_a_closed_recommendation_is_in_no_notice() -> None:
    closed = rec(1, state="closed", monitoring_date=MONITORING, target_date=TARGET)
    snapshot = Snapshot((closed,), (meeting(MEETING_AT),))
    assert due(snapshot, london(2027, 6, 12, 9)) == []


def test_a_proposed_recommendation_gets_no_reminder() -> None:
    proposed = rec(1, state="proposed", monitoring_date=MONITORING, target_date=TARGET)
    assert due(Snapshot((proposed,)), london(2027, 6, 12, 9)) == []


# Grouping


def test_it_groups_notices_per_kind_and_recipient_in_order() -> None:
    snapshot = Snapshot(
        (
            rec(1, monitoring_date=MONITORING),
            rec(2, monitoring_date=MONITORING, owner=OTTO),
            rec(3, monitoring_date=MONITORING, target_date=TARGET),
        )
    )
    groups = group(due(snapshot, london(2027, 6, 12, 9)))
    assert [(g[0].kind, g[0].recipient, [n.item for n in g]) for g in groups] == [
        (Kind.TARGET_OVERDUE, OFFICER, ["rec:3"]),
        (Kind.MONITORING_REMINDER, OFFICER, ["rec:1", "rec:3"]),
        (Kind.MONITORING_REMINDER, OTHER_OFFICER, ["rec:2"]),
    ]


# Rules and window


def test_the_rules_come_from_the_settings_and_the_workflow_table() -> None:
    settings = replace(Settings.defaults(), reminders_digest_lead_days=5, mail_clerk=CLERK)
    table = load_workflow_table()
    rules = Rules.from_settings(settings, table)
    assert (rules.tz, rules.digest_lead_days, rules.clerk) == (LONDON, 5, CLERK)
    assert (rules.open_states, rules.awaiting_response) == (frozenset(table.open), table.initial)
    assert rules.overdue_states == frozenset(table.overdue)


def test_a_clerk_with_a_display_name_is_copied_by_address() -> None:
    settings = replace(Settings.defaults(), mail_clerk=f"Clara Clerk <{CLERK}>")
    assert Rules.from_settings(settings, load_workflow_table()).clerk == CLERK


def test_the_rules_have_no_defaults_of_their_own() -> None:
    with pytest.raises(TypeError):
        Rules()  # type: ignore[call-arg]


def test_the_window_reaches_as_far_as_the_lead_times() -> None:
    assert window(RULES, london(2027, 6, 1, 10), None) == Window(
        monitoring_dates=DayRange(date(2027, 6, 1), date(2027, 6, 15)),
        meeting_days=DayRange(date(2027, 6, 1), date(2027, 6, 8)),
        response_due_dates=DayRange(date(2027, 5, 24), date(2027, 6, 15)),
        targets_until=date(2027, 5, 31),
        milestone_dates=DayRange(date(2027, 6, 1), date(2027, 6, 8)),
    )


def test_the_window_reaches_back_to_the_previous_sweep_for_what_was_missed() -> None:
    win = window(RULES, london(2027, 6, 1, 10), london(2027, 5, 20, 10))
    assert (win.monitoring_dates.first, win.meeting_days.first) == (
        date(2027, 5, 24),
        date(2027, 5, 28),
    )


def test_the_window_keeps_a_late_response_until_its_notice_lapses() -> None:
    last_day = london(2027, 7, 8, 23)
    assert RESPONSE_DUE in window(RULES, last_day, None).response_due_dates
    assert due(AWAITING, last_day) != []


def test_a_day_range_covers_whole_local_days() -> None:
    start, end = DayRange(date(2027, 3, 27), date(2027, 3, 28)).instants(LONDON)
    assert (start, end) == (
        datetime(2027, 3, 27, 0, tzinfo=UTC),
        datetime(2027, 3, 28, 23, tzinfo=UTC),
    )


# Properties

BASE = datetime(2027, 3, 1, tzinfo=UTC)
states = st.sampled_from(["proposed", "endorsed", "amended", "in_progress", "monitored", "closed"])
bodies = st.sampled_from([PANEL_ID, OTHER_BODY_ID])


@st.composite
def sweeps(draw: st.DrawFn) -> tuple[Snapshot, datetime, datetime | None]:
    """A snapshot with dates near `now` (spring to winter 2027), and a previous sweep."""
    now = BASE + timedelta(minutes=draw(st.integers(0, 300 * 24 * 60)))
    days = st.builds(lambda n: local_day(now, LONDON) + timedelta(days=n), st.integers(-21, 16))
    recs = [
        rec(i, draw(states), owner=draw(st.sampled_from([OLIVE, OTTO, None])), body_id=draw(bodies),
            monitoring_date=draw(st.none() | days), target_date=draw(st.none() | days))
        for i in range(draw(st.integers(1, 12)))
    ]  # fmt: skip
    meetings = [
        meeting(
            datetime.combine(draw(days), time(draw(st.integers(0, 23))), LONDON), draw(bodies), i
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    proposed = [r for r in recs if r.state == "proposed"]
    reports = [replace(report(draw(days), *proposed), id=i) for i in range(draw(st.integers(0, 3)))]
    milestones = [
        milestone(i, draw(st.sampled_from(recs)).id, draw(days), draw(st.none() | days))
        for i in range(draw(st.integers(0, 4)))
    ]
    downtime = timedelta(days=draw(st.integers(0, 25)), minutes=draw(st.integers(0, 1439)))
    since = None if draw(st.integers(0, 3)) == 0 else now - downtime
    snapshot = Snapshot(tuple(recs), tuple(meetings), tuple(reports), tuple(milestones))
    return snapshot, now, since


def load(snapshot: Snapshot, rules: Rules, win: Window) -> Snapshot:
    """What a loader fetches for `win`: the rows the window names, and no others."""
    start, end = win.meeting_days.instants(rules.tz)
    meetings = tuple(m for m in snapshot.meetings if start <= m.starts_at < end)
    bodies = {m.body_id for m in meetings}
    due_milestones = [
        m for m in snapshot.milestones if m.due_on in win.milestone_dates and m.done_on is None
    ]
    with_milestones = {m.recommendation_id for m in due_milestones}

    def wanted(r: RecItem) -> bool:
        monitoring, target = r.monitoring_date, r.target_date
        return r.state in rules.open_states and (
            monitoring in win.monitoring_dates
            or r.id in with_milestones
            or (
                r.state in rules.overdue_states
                and target is not None
                and target <= win.targets_until
            )
            or (
                r.body_id in bodies
                and monitoring is not None
                and monitoring <= win.meeting_days.last
            )
        )

    reports = tuple(
        r for r in snapshot.reports if r.response_due_on in win.response_due_dates and r.proposed
    )
    recs = tuple(filter(wanted, snapshot.recommendations))
    opened = {r.id for r in recs}
    milestones = tuple(m for m in due_milestones if m.recommendation_id in opened)
    return Snapshot(recs, meetings, reports, milestones)


@given(sweeps())
def test_nothing_planned_is_sent_before_its_time_and_keys_are_unique(
    sweep: tuple[Snapshot, datetime, datetime | None],
) -> None:
    snapshot, now, since = sweep
    result = plan(snapshot, RULES, now, since)
    notices = result.due + result.missed
    assert all(n.send_at <= now for n in notices)
    assert all(since is not None and n.send_at > since for n in result.missed)
    assert len({n.key for n in notices}) == len(notices)
    assert all(local_day(n.send_at, LONDON) == n.due_day for n in notices)


@given(sweeps())
def test_the_window_holds_everything_the_plan_needs(
    sweep: tuple[Snapshot, datetime, datetime | None],
) -> None:
    snapshot, now, since = sweep
    loaded = load(snapshot, RULES, window(RULES, now, since))
    assert plan(loaded, RULES, now, since) == plan(snapshot, RULES, now, since)


# Notices that cannot go


def test_a_digest_for_a_body_with_no_chair_is_unsendable_not_silent() -> None:
    chairless = replace(meeting(MEETING_AT), chair=None)
    snapshot = Snapshot((rec(1, monitoring_date=MONITORING),), (chairless,))
    result = plan(snapshot, RULES, london(2027, 6, 8, 8), None)
    assert Kind.CHAIR_DIGEST not in [n.kind for n in result.due]
    [unsent] = result.unsendable
    assert (unsent.kind, unsent.item, unsent.why) == (
        Kind.CHAIR_DIGEST,
        "meeting:7",
        f"{PANEL} has no chair",
    )


def test_response_notices_to_a_body_with_no_chair_are_unsendable() -> None:
    due_on = date(2027, 6, 15)
    chairless = replace(report(due_on, rec(2, state="proposed")), chair=None)
    [unsent] = plan(Snapshot(reports=(chairless,)), RULES, london(2027, 6, 1, 8), None).unsendable
    assert (unsent.kind, unsent.about, unsent.why) == (
        Kind.RESPONSE_DUE,
        f"report {REPORT}",
        f"{BOARD} has no chair",
    )


def test_a_target_overdue_notice_for_no_owner_says_so() -> None:
    ownerless = rec(1, owner=None, target_date=date(2027, 6, 1))
    [unsent] = plan(Snapshot((ownerless,)), RULES, london(2027, 6, 2, 8), None).unsendable
    assert (unsent.kind, unsent.line) == (
        Kind.TARGET_OVERDUE,
        f"target-overdue about {REPORT}/1: {REPORT}/1 has no owner",
    )


def test_nothing_is_unsendable_before_it_would_be_due() -> None:
    ownerless = rec(1, owner=None, target_date=date(2027, 6, 1))
    assert plan(Snapshot((ownerless,)), RULES, london(2027, 6, 2, 7, 59), None).unsendable == []
