"""The passes of the service: sweep what is due into the outbox, send it, or preview it.

A sweep is one transaction, and sweeps take turns: on SQLite its first statement is a
write (its own row in `sweep`), which takes the database's write lock; on PostgreSQL an
advisory lock comes first. Each sweep therefore reads the previous sweep's time and
the snapshot after the previous sweep has committed, and two services sweeping at once
never group a notice twice. A sweep whose `now` is older than one already recorded
(it waited for its turn behind a later one) does nothing: with the older plan it would
cancel what the later one had queued.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, text
from sqlmodel import Session, col, select

from notifications import emails, outbox, planning
from notifications.dispatcher import Dispatcher, DispatchReport
from notifications.models import SweepRow
from notifications.notices import Kind, Message, Notice
from notifications.planning import DayRange, Plan, Rules, Window
from notifications.rendering import Renderer
from notifications.snapshot import load_snapshot
from notifications.transports import Mail, Transport, transport_from_settings
from workflow.db import new_session, transaction

if TYPE_CHECKING:
    from config.settings import Settings
    from config.workflow_table import WorkflowTable

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)
DISPATCH_EVERY = timedelta(minutes=1)
_SWEEP_LOCK = 0x7265_6374_7261_636B  # "rectrack": PostgreSQL's advisory lock for sweeps
Render = Callable[[Sequence[Notice]], Message]


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


@dataclass(frozen=True)
class TickReport:
    sweep: SweepReport
    dispatch: DispatchReport

    def summary(self) -> dict[str, Any]:
        """The figures, as `rectrack tick --json` prints them."""
        swept, sent = self.sweep, self.dispatch
        return {
            "at": swept.at.isoformat(),
            "planned": swept.planned,
            "queued": swept.queued,
            "sent": sent.sent,
            "retried": sent.retried,
            "failed": sent.failed,
            "missed": swept.missed,
            "cancelled": swept.cancelled,
            "paused": sent.paused,
            "reason": sent.reason,
            "skipped": swept.skipped,
            "errors": list(swept.errors),
        }

    def describe(self) -> str:
        """One line for people: what was planned, sent, retried, failed, missed, cancelled."""
        figures = self.summary()
        counted = ("planned", "queued", "sent", "retried", "failed", "missed", "cancelled")
        line = ", ".join(f"{name} {figures[name]}" for name in counted)
        if self.sweep.skipped:
            line += f"; sweep skipped: a later one ran at {self.sweep.since}"
        return line


def sweep(
    engine: Engine,
    settings: Settings,
    now: datetime,
    *,
    table: WorkflowTable | None = None,
    renderer: Renderer | None = None,
) -> SweepReport:
    """Plan what is due at `now` and put it in the outbox, all in one transaction.

    Cancels queued messages that no longer hold, records new notices (and missed
    ones), groups the notices not yet in a message per kind and recipient, renders
    each group and queues it. A group that cannot be rendered is logged and left for
    the next sweep; it does not stop the others.
    """
    rules = Rules.from_settings(settings, table)
    renderer = renderer or Renderer(settings.templates_directory)
    with new_session(engine) as session, transaction(session):
        row, since = _take_turn(session, now)
        if since is not None and since > now:
            session.rollback()
            return SweepReport(now, since, skipped=True)
        snapshot = load_snapshot(session, planning.window(rules, now, since), rules)
        plan = planning.plan(snapshot, rules, now, since)
        render = partial(renderer.render, snapshot=snapshot, rules=rules)
        report = _fill_outbox(session, plan, render, now, settings.mail_sender)
        row.planned, row.missed = report.planned, report.missed
        row.cancelled, row.queued = report.cancelled, report.queued
    return replace(report, since=since)


def _fill_outbox(
    session: Session, plan: Plan, render: Render, now: datetime, sender: str
) -> SweepReport:
    due = plan.due
    cancelled = outbox.cancel_stale(session=session, valid_keys=_keys(due), now=now)
    planned = outbox.record_notices(session=session, notices=due, now=now)
    missed = outbox.record_notices(
        session=session, notices=plan.missed, now=now, status=outbox.NoticeStatus.MISSED
    )
    queued, errors = _enqueue_claimed(session, due, render, now, sender)
    return SweepReport(
        now,
        planned=planned,
        missed=missed,
        cancelled=cancelled,
        queued=queued,
        errors=tuple(errors),
    )


def _keys(notices: Sequence[Notice]) -> list[str]:
    return [notice.key for notice in notices]


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


def _enqueue_claimed(
    session: Session,
    due: Sequence[Notice],
    render: Render,
    now: datetime,
    sender: str,
) -> tuple[int, list[str]]:
    # cancel_stale has just cancelled every planned notice the plan no longer holds,
    # so each notice claimed here is one of `due`, with its name and copies.
    by_key = {notice.key: notice for notice in due}
    claimed = [by_key[row.key] for row in outbox.claim_notices(session=session)]
    queued, errors = 0, []
    for group in planning.group(claimed):
        try:
            message = render(group)
        except Exception as error:  # one bad name or template must not hold up the rest
            errors.append(_put_back(session, group, error))
            continue
        try:
            outbox.enqueue(
                session=session, message=message, notice_keys=_keys(group), sender=sender, now=now
            )
        except emails.BadHeader as error:  # refused before anything was written
            errors.append(_put_back(session, group, error))
            continue
        queued += 1
    return queued, errors


def _put_back(session: Session, group: Sequence[Notice], error: Exception) -> str:
    """Log why no message could be made of `group`, and leave it for the next sweep."""
    reason = f"{group[0].kind.value} to {group[0].recipient}: {error}"
    log.error("cannot make the message %s", reason)
    outbox.unclaim_notices(session=session, keys=_keys(group))
    return reason


def dispatch(
    engine: Engine, settings: Settings, now: datetime, *, transport: Transport | None = None
) -> DispatchReport:
    """Send what the outbox holds due by `now`, through the transport the settings name.

    `now` is the clock for leases and backoff. A mail server that is down gives a
    report of retries, not an exception: the messages wait in the outbox.
    """
    dispatcher = Dispatcher(
        transport or transport_from_settings(settings), sender=settings.mail_sender
    )
    return asyncio.run(dispatcher.drain(engine, now))


def tick(
    engine: Engine,
    settings: Settings,
    now: datetime,
    *,
    table: WorkflowTable | None = None,
    transport: Transport | None = None,
    renderer: Renderer | None = None,
) -> TickReport:
    """One pass of the service at `now`: a sweep, then a dispatch, both on that clock."""
    swept = sweep(engine, settings, now, table=table, renderer=renderer)
    return TickReport(swept, dispatch(engine, settings, now, transport=transport))


@dataclass(frozen=True)
class SimulatedDay:
    """The messages a sweep at `send_at`, the day's send time, would queue and send."""

    day: date
    send_at: datetime
    messages: tuple[Message, ...]


def simulate(
    engine: Engine,
    settings: Settings,
    start: date,
    end: date,
    *,
    table: WorkflowTable | None = None,
    renderer: Renderer | None = None,
) -> list[SimulatedDay]:
    """Return the days from `start` to `end` on which something would be sent, and what.

    Reads only. The snapshot is loaded once for the whole range; each day is planned
    at its send time, and a notice counts once: not if the outbox holds it already
    (sent, queued or missed; a cancelled one is sent if due again), nor on a later
    day of the simulation.
    """
    rules = Rules.from_settings(settings, table)
    renderer = renderer or Renderer(settings.templates_directory)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    if not days:
        return []
    times = [rules.send_time(day) for day in days]
    with new_session(engine) as session:
        windows = (planning.window(rules, at, None) for at in (times[0], times[-1]))
        snapshot = load_snapshot(session, _hull(*windows), rules)
        plans = [planning.plan(snapshot, rules, at, None).due for at in times]
        keys = {notice.key for due in plans for notice in due}
        done = outbox.settled_keys(session=session, keys=keys)
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


def send_test(
    settings: Settings, to: str, now: datetime, *, transport: Transport | None = None
) -> str:
    """Send one test message to `to` at once, with the mail settings in force.

    Return its Message-ID. Raise TransportError if it was not delivered, and
    emails.BadHeader if `to` is not an email address.
    """
    sender = settings.mail_sender
    message = Message(
        kind=Kind.MONITORING_REMINDER,  # a kind names templates; this message uses none
        to=to,
        to_name="",
        subject="rectrack: a test message",
        text=TEST_TEXT,
        html=f"<p>{TEST_TEXT}</p>",
    )
    message_id = emails.new_message_id(sender, now)
    email = emails.build(message, sender=sender, message_id=message_id, now=now)
    mail = Mail(emails.envelope_sender(sender), (to,), message_id, emails.as_bytes(email))
    asyncio.run(_send_one(transport or transport_from_settings(settings), mail))
    return message_id


TEST_TEXT = (
    "This is a test message from rectrack. It was sent with the mail settings in force, "
    "so reminders and digests will go out the same way."
)


async def _send_one(transport: Transport, mail: Mail) -> None:
    async with transport.connect() as connection:
        await connection.send(mail)
