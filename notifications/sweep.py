"""The sweep: plan what is due, record it, and queue one message a group; or preview it.

A notice goes one way: the planner gives Notices, the ledger records them and the
sweep claims the keys it is to send; rendering makes a Message of each group, the
email is composed once, and the outbox stores it for the dispatcher to send.

A sweep is one transaction, and sweeps take turns: on SQLite its first statement is a
write (its own row in `sweep`), which takes the database's write lock; on PostgreSQL an
advisory lock comes first. Each sweep therefore reads the previous sweep's time and
the snapshot after the previous sweep has committed, and two services sweeping at once
never group a notice twice. A sweep whose `now` is older than one already recorded
(it waited for its turn behind a later one) does nothing: with the older plan it would
cancel what the later one had queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, text
from sqlmodel import Session, col, select

from notifications import emails, ledger, outbox, planning
from notifications.items import DayRange, Window
from notifications.models import SweepRow
from notifications.notices import Email, Message, Notice
from notifications.planning import Plan, Rules
from notifications.rendering import Renderer
from notifications.snapshot import load_snapshot
from workflow.db import new_session, transaction

log = logging.getLogger(__name__)

_SWEEP_LOCK = 0x7265_6374_7261_636B  # "rectrack": PostgreSQL's advisory lock for sweeps
Write = Callable[[Sequence[Notice]], Email]  # one group of notices, as the email to queue


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did. Counts are of notices, except `cancelled` and `queued` (messages)."""

    at: datetime
    since: datetime | None = None  # the previous sweep
    planned: int = 0  # newly due
    missed: int = 0  # lapsed unsent since the previous sweep: recorded, not sent
    cancelled: int = 0  # queued messages that no longer held
    queued: int = 0  # messages put in the outbox
    skipped: bool = False  # a later sweep had run already, so this one did nothing
    errors: tuple[str, ...] = ()  # groups no message could be made of; tried again next time


def sweep(
    engine: Engine, now: datetime, *, rules: Rules, renderer: Renderer, sender: str
) -> SweepReport:
    """Plan what is due at `now` and put it in the outbox, all in one transaction.

    Cancels queued messages that no longer hold, records new notices (and missed
    ones), groups the notices not yet in a message per kind and recipient, and
    queues each group as one email from `sender`, dated `now`. A group no email can
    be made of (a template fails, a name would break a header) is logged and left
    for the next sweep; it does not stop the others.
    """
    with new_session(engine) as session, transaction(session):
        row, since = _take_turn(session, now)
        if since is not None and since > now:
            session.rollback()
            return SweepReport(now, since, skipped=True)
        snapshot = load_snapshot(session, planning.window(rules, now, since), rules)

        def write(group: Sequence[Notice]) -> Email:
            message = renderer.render(group, snapshot, rules)
            return emails.compose(message, sender=sender, now=now)

        report = _fill_outbox(session, planning.plan(snapshot, rules, now, since), write, now)
        row.planned, row.missed = report.planned, report.missed
        row.cancelled, row.queued = report.cancelled, report.queued
    return replace(report, since=since)


def _take_turn(session: Session, now: datetime) -> tuple[SweepRow, datetime | None]:
    """Wait for the previous sweep to commit; record this one; return the previous one's time."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SWEEP_LOCK}
        )
    row = SweepRow(at=now)
    session.add(row)
    session.flush()  # on SQLite, this write is what takes the turn
    previous = select(func.max(SweepRow.at)).where(col(SweepRow.id) != row.id)
    return row, session.exec(previous).one()


def _fill_outbox(session: Session, plan: Plan, write: Write, now: datetime) -> SweepReport:
    cancelled = ledger.cancel_stale(session=session, valid_keys=_keys(plan.due))
    planned = ledger.record(session=session, notices=plan.due, now=now)
    missed = ledger.record(
        session=session, notices=plan.missed, now=now, status=ledger.NoticeStatus.MISSED
    )
    queued, errors = _queue(session, _claimed(session, plan.due), write)
    return SweepReport(
        now,
        planned=planned,
        missed=missed,
        cancelled=cancelled,
        queued=queued,
        errors=tuple(errors),
    )


def _claimed(session: Session, due: Sequence[Notice]) -> list[Notice]:
    """The notices of `due` whose keys this sweep claims, to put in messages."""
    # cancel_stale has just cancelled every planned notice the plan no longer holds,
    # so every key claimed is one of `due`.
    keys = ledger.claim(session=session)
    return [notice for notice in due if notice.key in keys]


def _queue(session: Session, notices: Sequence[Notice], write: Write) -> tuple[int, list[str]]:
    """Queue one email a group of `notices`; return how many, and why any group could not go."""
    queued, errors = 0, []
    for group in planning.group(notices):
        try:
            email = write(group)
        except Exception as error:  # one bad name or template must not hold up the rest
            errors.append(_put_back(session, group, error))
            continue
        ident = outbox.enqueue(session=session, email=email)
        ledger.queue(session=session, keys=_keys(group), outbox_id=ident)
        queued += 1
    return queued, errors


def _put_back(session: Session, group: Sequence[Notice], error: Exception) -> str:
    """Log why no email could be made of `group`, and leave it for the next sweep."""
    reason = f"{group[0].kind.value} to {group[0].recipient}: {error}"
    log.error("cannot make the message %s", reason)
    ledger.give_back(session=session, keys=_keys(group))
    return reason


def _keys(notices: Sequence[Notice]) -> list[str]:
    return [notice.key for notice in notices]


@dataclass(frozen=True)
class SimulatedDay:
    """The messages a sweep at `send_at`, the day's send time, would queue and send."""

    day: date
    send_at: datetime
    messages: tuple[Message, ...]


def simulate(
    engine: Engine, start: date, end: date, *, rules: Rules, renderer: Renderer
) -> list[SimulatedDay]:
    """Return the days from `start` to `end` on which something would be sent, and what.

    Reads only. The snapshot is loaded once for the whole range; each day is planned
    at its send time, and a notice counts once: not if the outbox holds it already
    (sent, queued or missed; a cancelled one is sent if due again), nor on a later
    day of the simulation.
    """
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    if not days:
        return []
    times = [rules.send_time(day) for day in days]
    with new_session(engine) as session:
        windows = (planning.window(rules, at, None) for at in (times[0], times[-1]))
        snapshot = load_snapshot(session, _hull(*windows), rules)
        plans = [planning.plan(snapshot, rules, at, None).due for at in times]
        keys = {notice.key for due in plans for notice in due}
        done = ledger.settled_keys(session=session, keys=keys)
    simulated = []
    for day, at, due in zip(days, times, plans, strict=True):
        new = [notice for notice in due if notice.key not in done]
        done.update(notice.key for notice in new)
        messages = tuple(renderer.render(group, snapshot, rules) for group in planning.group(new))
        if messages:
            simulated.append(SimulatedDay(day, at, messages))
    return simulated


def _hull(first: Window, last: Window) -> Window:
    """The window covering both: a sweep's window only moves forward with its time."""

    def span(a: DayRange, b: DayRange) -> DayRange:
        return DayRange(min(a.first, b.first), max(a.last, b.last))

    return Window(
        monitoring_dates=span(first.monitoring_dates, last.monitoring_dates),
        meeting_days=span(first.meeting_days, last.meeting_days),
        response_due_dates=span(first.response_due_dates, last.response_due_dates),
        targets_until=max(first.targets_until, last.targets_until),
    )
