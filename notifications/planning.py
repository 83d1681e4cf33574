"""What is due at `now`: the pure planner of reminders, digests and overdue notices.

Input is a `Snapshot` of plain records, the `Rules` and two instants; nothing here
reads a clock, a file or the database.

Time. A notice due on local day D goes out at D + `send_at` in `rules.tz` (08:00
Europe/London: 07:00 UTC in summer, 08:00 UTC in winter), never a minute earlier.
A send hour that a spring clock change skips is read in the offset before the change
(01:30 becomes 02:30 summer time); one that the autumn change repeats is the first.

Series. The notices of one kind about one thing for one person form a series: the
lead times before a monitoring date, a milestone's due date or a response due date,
the cadence of an overdue target. At each sweep only the latest notice of a series
whose send time has come is current; the earlier ones are superseded (after a long
outage the owner gets one reminder, not a backlog).

Catch-up. A current notice is `due` while it is still worth sending: up to and
including the day it warns about (a reminder on the monitoring day itself still
counts: the meeting or deadline is later that day), or, for an overdue notice, up
to the day the next one of its cadence comes (`overdue_every_days` later; the
response-overdue notice has no next one but lapses all the same). Otherwise it
has lapsed and is `missed`, but only if its send time fell after `since`, the
previous sweep, so a lapsed notice is reported once. With `since` None (a first
sweep) nothing is missed; superseded notices are never missed, only lapsed ones.

`due` does not depend on `since`: it is every current notice, also those planned by
earlier sweeps, so the outbox can tell which queued notice has lapsed, been closed
or moved (it is no longer in the plan). Re-planning is free: a changed date gives a
new due day and so a new key.

Unsendable. A notice due now with nobody to go to (a body with no chair, a
recommendation with no owner) is not dropped: the plan lists it as `unsendable`,
with why, for the front ends to say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from config.addresses import same_address
from notifications.agenda import agendas
from notifications.items import ONE_DAY, Contact, DayRange, RecItem, Snapshot, Window
from notifications.notices import Kind, Notice, Unsendable
from workflow.clock import local_day

if TYPE_CHECKING:
    from config.settings import Settings
    from config.workflow_table import WorkflowTable


@dataclass(frozen=True)
class Rules:
    """The settings planning needs; built from them (`from_settings`), with no defaults here."""

    tz: ZoneInfo
    send_at: time
    monitoring_lead_days: tuple[int, ...]
    milestone_lead_days: tuple[int, ...]
    digest_lead_days: int
    response_lead_days: tuple[int, ...]
    overdue_every_days: int
    max_items: int  # the most recommendations one message lists
    clerk: str | None  # the bare address copied on target-overdue notices
    open_states: frozenset[str]
    awaiting_response: str  # the state a recommendation awaits its response in
    overdue_states: frozenset[str]  # the open states a passed target is overdue in
    notes: frozenset[str]  # the responses that commit to nothing (the table's notes)
    final_states: frozenset[str]

    def __post_init__(self) -> None:
        leads = (self.monitoring_lead_days, self.milestone_lead_days, self.response_lead_days)
        if not all(leads):
            raise ValueError("lead days must name at least one day")
        if self.overdue_every_days < 1:
            raise ValueError("overdue_every_days must be at least 1")
        if self.max_items < 1:
            raise ValueError("max_items must be at least 1")

    @classmethod
    def from_settings(cls, settings: Settings, table: WorkflowTable) -> Rules:
        """Build the rules from the settings and the workflow table in force."""
        return cls(
            tz=settings.timezone,
            send_at=settings.reminders_send_at,
            monitoring_lead_days=settings.reminders_monitoring_lead_days,
            milestone_lead_days=settings.reminders_milestone_lead_days,
            digest_lead_days=settings.reminders_digest_lead_days,
            response_lead_days=settings.reminders_response_lead_days,
            overdue_every_days=settings.reminders_overdue_every_days,
            max_items=settings.reminders_max_items,
            clerk=settings.clerk.address if settings.clerk else None,
            open_states=frozenset(table.open),
            awaiting_response=table.initial,
            overdue_states=frozenset(table.overdue),
            notes=table.notes(),
            final_states=frozenset(table.final),
        )

    def send_time(self, day: date) -> datetime:
        """Return the instant (UTC) at which the notices due on local `day` go out."""
        return datetime.combine(day, self.send_at, tzinfo=self.tz).astimezone(UTC)

    def last_send_day(self, at: datetime) -> date:
        """Return the latest local day whose send time has come by `at`."""
        today = local_day(at, self.tz)
        return today if self.send_time(today) <= at else today - ONE_DAY


@dataclass(frozen=True)
class Plan:
    due: list[Notice]  # to send now (some late)
    missed: list[Notice]  # lapsed since the previous sweep: to record, not to send
    # due now but with nobody to go to: to say, never to pass over in silence
    unsendable: list[Unsendable] = field(default_factory=list)


@dataclass(frozen=True)
class _Sweep:
    """The days that matter at one sweep."""

    rules: Rules
    today: date  # the local day at `now`
    come: date  # the latest day whose notices are out by `now`
    since: datetime | None
    since_come: date | None  # the latest day whose notices were out by `since`
    _send_times: dict[date, datetime] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def at(cls, rules: Rules, now: datetime, since: datetime | None) -> _Sweep:
        if now.tzinfo is None or (since is not None and since.tzinfo is None):
            raise ValueError("planning needs timezone-aware instants")
        since_come = rules.last_send_day(since) if since is not None else None
        return cls(rules, local_day(now, rules.tz), rules.last_send_day(now), since, since_come)

    def send_time(self, day: date) -> datetime:
        """`rules.send_time(day)`, worked out once per day of this sweep."""
        # The zone arithmetic is the dearest part of a notice, and the thousands of
        # notices of a sweep fall on a few dozen days.
        at = self._send_times.get(day)
        if at is None:
            at = self._send_times[day] = self.rules.send_time(day)
        return at


# The current notice of a series and the last local day it is worth sending.
_Candidate = tuple[Notice, date]


def window(rules: Rules, now: datetime, since: datetime | None) -> Window:
    """Return the date ranges of the rows that can be due or missed at `now`."""
    sweep = _Sweep.at(rules, now, since)
    today, come, every = sweep.today, sweep.come, rules.overdue_every_days
    after = sweep.since_come + ONE_DAY if sweep.since_come is not None else today
    return Window(
        monitoring_dates=DayRange(
            min(today, after + _days(min(rules.monitoring_lead_days))),
            come + _days(max(rules.monitoring_lead_days)),
        ),
        meeting_days=DayRange(
            min(today, after + _days(rules.digest_lead_days)), come + _days(rules.digest_lead_days)
        ),
        response_due_dates=DayRange(
            min(today - _days(every + 1), after - ONE_DAY),
            come + _days(max(rules.response_lead_days)),
        ),
        targets_until=come - ONE_DAY,
        milestone_dates=DayRange(
            min(today, after + _days(min(rules.milestone_lead_days))),
            come + _days(max(rules.milestone_lead_days)),
        ),
    )


def plan(snapshot: Snapshot, rules: Rules, now: datetime, since: datetime | None) -> Plan:
    """Return what is due at `now` and what lapsed unsent since `since` (see the module)."""
    sweep = _Sweep.at(rules, now, since)
    due: dict[_Identity, Notice] = {}
    missed: dict[_Identity, Notice] = {}
    for notice, until in chain(
        _monitoring_reminders(snapshot, sweep),
        _chair_digests(snapshot, sweep),
        _response_notices(snapshot, sweep),
        _target_overdue_notices(snapshot, sweep),
        _milestone_reminders(snapshot, sweep),
    ):
        if sweep.today <= until:
            due[_identity(notice)] = notice
        elif _missed(notice, until, sweep):
            missed[_identity(notice)] = notice
    return Plan(
        due=_in_order(due.values()),
        missed=_in_order(missed.values()),
        unsendable=unsendable(snapshot, rules, now),
    )


# What `Notice.key` is made of: as unique as the key, and cheaper than its text.
_Identity = tuple[Kind, str, str, date]
_identity: Callable[[Notice], _Identity] = attrgetter("kind", "item", "recipient", "due_day")


def group(notices: Iterable[Notice]) -> list[list[Notice]]:
    """Split notices into one list per (kind, recipient): one message each, in order."""
    groups: dict[tuple[Kind, str], list[Notice]] = {}
    for notice in notices:
        groups.setdefault((notice.kind, notice.recipient), []).append(notice)
    return list(groups.values())


def _missed(notice: Notice, until: date, sweep: _Sweep) -> bool:
    lapsed = until < sweep.today
    return lapsed and sweep.since is not None and notice.send_at > sweep.since


# A kind is a StrEnum, so kinds sort by their value.
_ORDER = attrgetter("send_at", "kind", "recipient", "item")


def _in_order(notices: Iterable[Notice]) -> list[Notice]:
    return sorted(notices, key=_ORDER)


def _days(count: int) -> timedelta:
    return timedelta(days=count)


def _latest_come(days: Iterable[date], come: date) -> date | None:
    """Return the latest of `days` whose notices are out, the current one of a series."""
    return max((day for day in days if day <= come), default=None)


def _notice(
    kind: Kind,
    item: str,
    to: Contact,
    day: date,
    sweep: _Sweep,
    about: date | None,
    ids: tuple[int, ...],
    cc: tuple[str, ...] = (),
) -> Notice:
    return Notice(kind, item, to.email, to.name, day, sweep.send_time(day), about, cc, ids)


# Below, each date's notice day is worked out once (`cache`) and shared by the
# recommendations on that date: a sweep plans thousands of them over a few hundred dates.


def _monitoring_reminders(snapshot: Snapshot, sweep: _Sweep) -> Iterator[_Candidate]:
    open_states, come = sweep.rules.open_states, sweep.come
    leads = [_days(lead) for lead in sweep.rules.monitoring_lead_days]

    @cache
    def reminder_day(monitoring: date) -> date | None:
        return _latest_come((monitoring - lead for lead in leads), come)

    for rec in snapshot.recommendations:
        monitoring, owner = rec.monitoring_date, rec.owner
        if rec.state not in open_states or owner is None or monitoring is None:
            continue
        day = reminder_day(monitoring)
        if day is not None:
            item = f"rec:{rec.id}"
            notice = _notice(
                Kind.MONITORING_REMINDER, item, owner, day, sweep, monitoring, (rec.id,)
            )
            yield notice, monitoring


def _chair_digests(snapshot: Snapshot, sweep: _Sweep) -> Iterator[_Candidate]:
    """A digest before each meeting whose agenda lists anything (see `notifications.agenda`)."""
    lead, tz = _days(sweep.rules.digest_lead_days), sweep.rules.tz
    meetings = [
        meeting
        for meeting in snapshot.meetings
        if meeting.chair is not None and local_day(meeting.starts_at, tz) - lead <= sweep.come
    ]
    for agenda in agendas(snapshot, meetings, sweep.rules):
        chair, meeting_day = agenda.meeting.chair, agenda.meeting_day
        if chair is not None and not agenda.is_empty:
            day, item = meeting_day - lead, f"meeting:{agenda.meeting.id}"
            ids = agenda.recommendation_ids()
            notice = _notice(Kind.CHAIR_DIGEST, item, chair, day, sweep, meeting_day, ids)
            yield notice, meeting_day


def _response_notices(snapshot: Snapshot, sweep: _Sweep) -> Iterator[_Candidate]:
    leads, every = sweep.rules.response_lead_days, sweep.rules.overdue_every_days
    for report in snapshot.reports:
        # What still awaits a response, as loaded: a noted one awaits none.
        ids = tuple(r.id for r in report.proposed)
        if report.chair is None or not ids:
            continue
        due_on, item, chair = report.response_due_on, f"report:{report.id}", report.chair
        day = _latest_come((due_on - _days(lead) for lead in leads), sweep.come)
        if day is not None:
            notice = _notice(Kind.RESPONSE_DUE, item, chair, day, sweep, due_on, ids)
            yield notice, due_on
        late = due_on + ONE_DAY
        if late <= sweep.come:
            notice = _notice(Kind.RESPONSE_OVERDUE, item, chair, late, sweep, None, ids)
            yield notice, late + _days(every)


def _target_overdue_notices(snapshot: Snapshot, sweep: _Sweep) -> Iterator[_Candidate]:
    overdue_states, clerk, come = sweep.rules.overdue_states, sweep.rules.clerk, sweep.come
    every = sweep.rules.overdue_every_days
    every_days = _days(every)

    @cache
    def overdue_day(target: date) -> date | None:
        """The day of the latest notice whose send time has come; None before the first."""
        first = target + ONE_DAY
        return first + _days((come - first).days // every * every) if first <= come else None

    for rec in snapshot.recommendations:
        target, owner = rec.target_date, rec.owner
        if rec.state not in overdue_states or owner is None or target is None:
            continue
        day = overdue_day(target)
        if day is not None:
            cc = (clerk,) if clerk and not same_address(clerk, owner.email) else ()
            item = f"rec:{rec.id}"
            notice = _notice(Kind.TARGET_OVERDUE, item, owner, day, sweep, None, (rec.id,), cc)
            yield notice, day + every_days


def _milestone_reminders(snapshot: Snapshot, sweep: _Sweep) -> Iterator[_Candidate]:
    """Before each milestone not yet done, to the owner of its open recommendation."""
    come = sweep.come
    leads = [_days(lead) for lead in sweep.rules.milestone_lead_days]

    @cache
    def reminder_day(due_on: date) -> date | None:
        return _latest_come((due_on - lead for lead in leads), come)

    for milestone in snapshot.milestones:
        rec = _open_recommendation(snapshot, milestone.recommendation_id, sweep.rules)
        owner, day = rec.owner if rec else None, reminder_day(milestone.due_on)
        if rec is None or owner is None or milestone.done_on is not None or day is None:
            continue
        item, due_on = f"milestone:{milestone.id}", milestone.due_on
        yield _notice(Kind.MILESTONE_DUE, item, owner, day, sweep, due_on, (rec.id,)), due_on


def _open_recommendation(snapshot: Snapshot, rec_id: int, rules: Rules) -> RecItem | None:
    try:
        rec = snapshot.recommendation(rec_id)
    except KeyError:  # not loaded: it is not open
        return None
    return rec if rec.state in rules.open_states else None


# Unsendable notices. A notice needs someone to go to: a recommendation's owner, a
# body's chair. Those that would be due but for that are planned as if a stand-in
# were there, by the very rules that plan the others, and reported instead.

_NOBODY = Contact("", "")  # the stand-in: no address is empty but this one


def unsendable(snapshot: Snapshot, rules: Rules, now: datetime) -> list[Unsendable]:
    """Return the notices due at `now` that cannot go, for want of an owner or a chair."""
    stand_in = _with_stand_ins(snapshot)
    if stand_in is None:
        return []
    due = plan(stand_in, rules, now, None).due
    return [
        _unsendable(notice, snapshot, rules) for notice in due if notice.recipient == _NOBODY.email
    ]


def _with_stand_ins(snapshot: Snapshot) -> Snapshot | None:
    """The part of `snapshot` that lacks a recipient, with the stand-in in its place.

    None when nothing lacks one. A chairless body's meetings keep every one of its
    recommendations, as its agenda lists them whoever owns them.
    """
    chairless = {meeting.body_id for meeting in snapshot.meetings if meeting.chair is None}
    recs = tuple(
        rec._replace(owner=_NOBODY) if rec.owner is None else rec
        for rec in snapshot.recommendations
        if rec.owner is None or rec.body_id in chairless
    )
    meetings = tuple(replace(m, chair=_NOBODY) for m in snapshot.meetings if m.chair is None)
    reports = tuple(replace(r, chair=_NOBODY) for r in snapshot.reports if r.chair is None)
    if not (meetings or reports or any(rec.owner is _NOBODY for rec in recs)):
        return None
    return replace(snapshot, recommendations=recs, meetings=meetings, reports=reports)


def _unsendable(notice: Notice, snapshot: Snapshot, rules: Rules) -> Unsendable:
    kind, item = notice.kind, notice.item
    what, _, ident = item.partition(":")
    if what == "meeting":
        meeting = snapshot.meeting(int(ident))
        day = local_day(meeting.starts_at, rules.tz)
        about, why = (
            f"the {meeting.body_name} meeting on {day}",
            f"{meeting.body_name} has no chair",
        )
    elif what == "report":
        report = snapshot.report(int(ident))
        about, why = f"report {report.reference}", f"{report.to_body_name} has no chair"
    else:  # a recommendation's notice, or one of its milestones'
        code = snapshot.recommendation(notice.recommendation_ids[0]).code
        about, why = code, f"{code} has no owner"
    return Unsendable(kind, item, about, why, notice.due_day)
