"""The notification service's use cases: what the front ends call, with the app passed in.

`tick` is one pass (a sweep, then a dispatch); `serve` runs the passes on timers
(`service_jobs`); `simulate` previews what would be sent; `list_outbox` and
`retry_outbox` show and requeue messages; `send_test_mail` tries the mail settings.
The app is anything that has the parts `ServiceApp` names: the application's
composition root has them, and so can a plain record of them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlmodel import select

from notifications import emails, outbox, sweep
from notifications.dispatcher import Dispatcher, DispatchReport
from notifications.links import Linking
from notifications.models import SweepRow
from notifications.notices import Kind, Message, Unsendable
from notifications.planning import Rules
from notifications.sweep import SimulatedDay, SweepReport
from notifications.transports import Mail, Transport, TransportError
from workflow.clock import ShiftedClock
from workflow.db import new_session, transaction
from workflow.errors import InputError, RectrackError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from config.settings import Settings
    from config.workflow_table import WorkflowTable
    from notifications.models import OutboxRow
    from notifications.rendering import Renderer
    from notifications.scheduler import Job
    from workflow.clock import Clock

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)
DISPATCH_EVERY = timedelta(minutes=1)
STATUSES = tuple(status.value for status in outbox.MessageStatus)


class ServiceApp(Protocol):
    """The parts of the application the service uses."""

    @property
    def settings(self) -> Settings: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def table(self) -> WorkflowTable: ...
    @property
    def renderer(self) -> Renderer: ...
    @property
    def transport(self) -> Transport: ...
    @property
    def clock(self) -> Clock: ...


class NotOneOf(InputError):
    """A value that is not one of the choices of its field."""

    def __init__(self, field: str, value: str, choices: Collection[str]) -> None:
        self.field, self.value, self.choices = field, value, tuple(choices)
        super().__init__(f"{value!r} is not one of {', '.join(choices)}")


class RetryNeedsOne(InputError):
    """A retry names its messages or asks for every failed one: one of the two."""

    field = "failed"

    def __init__(self) -> None:
        super().__init__("name the messages to retry by ID, or ask for every failed one (not both)")


class DaysOutOfOrder(InputError):
    """A range of days whose last day comes before its first."""

    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self.field = "to"
        super().__init__(f"the last day, {end}, is before the first, {start}")


class FarAhead(InputError):
    """A tick far ahead of the clock, on a database in use: it would stop the sweeps until then."""

    field = "now"

    def __init__(self, at: datetime, clock: datetime) -> None:
        self.at, self.clock = at, clock
        super().__init__(
            f"{at.isoformat()} is more than a day ahead of the clock"
            f" ({clock.isoformat(timespec='minutes')}) on a database already swept: a tick"
            " then would plan as if it were then, and every sweep before it would be skipped;"
            " tick on a copy of the database instead"
        )


class SweepSkipped(RectrackError):
    """The sweep did nothing: a later one had run. Nothing is planned until the clock passes it."""

    def __init__(self, since: datetime | None) -> None:
        self.since = since
        later = since.isoformat() if since else "a later time"
        super().__init__(
            f"the sweep was skipped: one ran already at {later}, and nothing is planned"
            " until the clock passes it"
        )


class SendingPaused(RectrackError):
    """Nothing can be sent until a setting is fixed: a login, TLS, the sender."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"paused: {reason}; the messages wait")


class MailServerUnreachable(RectrackError):
    """The mail server could not be reached, or did not answer in time."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}; the messages wait in the outbox")


class ResultsNotRecorded(RectrackError):
    """Messages were tried, but the database would not take their results."""

    def __init__(self, ids: Sequence[int], reason: str) -> None:
        self.ids, self.reason = list(ids), reason
        which = ", ".join(map(str, ids))
        super().__init__(
            f"the result of message {which} could not be recorded ({reason}); it stays"
            " claimed until its lease runs out, and may then be sent again"
        )


@dataclass(frozen=True)
class TickReport:
    sweep: SweepReport
    dispatch: DispatchReport

    def problems(self) -> list[RectrackError]:
        """What went wrong in this pass that its user must hear of, the worst first."""
        sent, problems = self.dispatch, list[RectrackError]()
        if sent.paused:
            problems.append(SendingPaused(sent.reason))
        if sent.unrecorded:
            problems.append(ResultsNotRecorded(sent.unrecorded, sent.database_error))
        if sent.unreachable:
            problems.append(MailServerUnreachable(sent.reason))
        if self.sweep.skipped:
            problems.append(SweepSkipped(self.sweep.since))
        return problems

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
            "unreachable": sent.unreachable,
            "reason": sent.reason,
            "unrecorded": list(sent.unrecorded),
            "skipped": swept.skipped,
            "errors": list(swept.errors),
            "unsendable": [unsendable_json(unsent) for unsent in swept.unsendable],
        }

    def describe(self) -> str:
        """One line for people: what was planned, sent, retried, failed, missed, cancelled."""
        figures = self.summary()
        counted = ("planned", "queued", "sent", "retried", "failed", "missed", "cancelled")
        line = ", ".join(f"{name} {figures[name]}" for name in counted)
        if self.sweep.unsendable:  # said only when there are some: nobody to send them to
            line += f", unsendable {len(self.sweep.unsendable)}"
        if self.sweep.skipped:
            line += f"; sweep skipped: {self.sweep.why_skipped}"
        return line


def unsendable_json(unsent: Unsendable) -> dict[str, str]:
    """A notice that cannot go, as `--json` output shows it."""
    return {
        "kind": unsent.kind.value,
        "item": unsent.item,
        "about": unsent.about,
        "why": unsent.why,
        "due_day": unsent.due_day.isoformat(),
    }


AHEAD_AT_MOST = timedelta(days=1)  # how far ahead of the clock a tick may run unforced


def tick(
    app: ServiceApp,
    now: datetime | None = None,
    *,
    force: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> TickReport:
    """One pass of the service at `now` (the app's clock if None): a sweep, then a dispatch.

    The dispatch reads a clock that starts at `now` and goes on at the app clock's
    pace (at each claim and each result). A mail server that is down gives a report
    of retries, not an exception: the messages wait in the outbox.

    A sweep at a time records it, and sweeps at earlier times are skipped until the
    clock passes it. So, unless `force`, raise FarAhead for a `now` more than
    AHEAD_AT_MOST ahead of the app's clock on a database that has been swept.
    Once `should_stop` says so, the dispatch stops after the message it is sending.
    """
    clock = app.clock if now is None else ShiftedClock(app.clock, now)
    at = clock.now() if now is None else now
    if not force and at - app.clock.now() > AHEAD_AT_MOST and _has_swept(app.engine):
        raise FarAhead(at, app.clock.now())
    swept = sweep.sweep(
        app.engine, at, rules=_rules(app), renderer=app.renderer,
        sender=app.settings.mail_sender, linking=Linking.from_settings(app.settings),
    )  # fmt: skip
    return TickReport(swept, _dispatch(app, clock, should_stop))


def _has_swept(engine: Engine) -> bool:
    with new_session(engine) as session:
        return session.exec(select(SweepRow.id).limit(1)).first() is not None


def _rules(app: ServiceApp) -> Rules:
    return Rules.from_settings(app.settings, app.table)


def _dispatch(app: ServiceApp, clock: Clock, should_stop: Callable[[], bool]) -> DispatchReport:
    sender = app.settings.mail_sender
    dispatcher = Dispatcher(app.transport, sender=sender, clock=clock, should_stop=should_stop)
    return asyncio.run(dispatcher.drain(app.engine))


def simulate(app: ServiceApp, start: date, end: date) -> list[SimulatedDay]:
    """Return the days from `start` to `end` on which something would be sent, and what.

    Reads only. Raises DaysOutOfOrder if `end` is before `start`.
    """
    if end < start:
        raise DaysOutOfOrder(start, end)
    return sweep.simulate(
        app.engine, start, end, rules=_rules(app), renderer=app.renderer,
        linking=Linking.from_settings(app.settings),
    )  # fmt: skip


def list_outbox(session: Session, status: str | None = None) -> list[OutboxRow]:
    """Return the messages, oldest first, only those in `status` if given.

    Raises NotOneOf if `status` is not a status a message has.
    """
    if status is not None and status not in STATUSES:
        raise NotOneOf("status", status, STATUSES)
    return outbox.list_messages(session=session, status=status)


def retry_outbox(
    session: Session, now: datetime, ids: Collection[int] = (), failed: bool = False
) -> int:
    """Queue messages again at `now`, in a transaction of its own; return how many.

    Those of `ids` that failed or wait in the queue, or, with `failed`, every failed
    one; raises RetryNeedsOne if given both or neither.
    """
    if bool(ids) == failed:
        raise RetryNeedsOne()
    with transaction(session):
        return outbox.retry(session=session, now=now, ids=ids)


TEST_TEXT = (
    "This is a test message from rectrack. It was sent with the mail settings in force, "
    "so reminders and digests will go out the same way."
)


def send_test_mail(app: ServiceApp, to: str, now: datetime) -> str:
    """Send one test message to `to` at once, through the app's transport; return its Message-ID.

    Raises TransportError if it was not delivered, and emails.BadHeader if `to` is
    not an email address.
    """
    message = Message(
        kind=Kind.MONITORING_REMINDER,  # a kind names templates; this message uses none
        to=to,
        to_name="",
        subject="rectrack: a test message",
        text=TEST_TEXT,
        html=f"<p>{TEST_TEXT}</p>",
    )
    sender = app.settings.mail_sender
    email = emails.compose(message, sender=sender, now=now)
    mail = Mail(sender, (to,), email.message_id, email.content)
    asyncio.run(_send_one(app.transport, mail))
    return email.message_id


async def _send_one(transport: Transport, mail: Mail) -> None:
    async with transport.connect() as connection:
        refused = await connection.send(mail)
    for to, error in refused.items():
        raise TransportError(f"{to} was refused: {error.message}", permanent=error.permanent)


def serve(app: ServiceApp) -> None:
    """Run the service's jobs on their timers until SIGTERM or SIGINT; return once they stop.

    On the signal, a job sending finishes the message it is at and stops; the
    messages left wait in the outbox, their leases given back.
    """
    from notifications import scheduler  # APScheduler takes long to import; only serve needs it

    stopping = threading.Event()
    scheduler.serve(service_jobs(app, stopping), app.clock.now(), stopping)


def service_jobs(app: ServiceApp, stopping: threading.Event | None = None) -> list[Job]:
    """The sweep and the dispatcher, each reading the app's clock when it runs.

    The sweep job is a whole tick: what it queues goes out at once rather than at the
    dispatcher's next minute, which takes the retries and anything a pass left. Both
    stop sending once `stopping` is set.
    """
    from notifications.scheduler import Job

    should_stop = (stopping or threading.Event()).is_set

    def sweep_pass() -> None:
        report = tick(app, should_stop=should_stop)
        log.info("sweep: %s", report.describe())
        _log_halt(report.dispatch)
        if report.sweep.skipped:  # until the clock passes it, nothing is planned: say so
            log.warning("%s", SweepSkipped(report.sweep.since))

    def dispatch_pass() -> None:
        report = _dispatch(app, app.clock, should_stop)
        log.info(
            "dispatch: sent %d, retried %d, failed %d", report.sent, report.retried, report.failed
        )
        _log_halt(report)

    return [
        Job("sweep", _guarded("sweep", sweep_pass), SWEEP_EVERY),
        Job("dispatch", _guarded("dispatch", dispatch_pass), DISPATCH_EVERY),
    ]


def _log_halt(report: DispatchReport) -> None:
    if report.paused:
        log.error("paused: %s; messages wait in the outbox", report.reason)
    if report.stopped:
        log.info("told to stop: %d claimed messages given back to the outbox", report.released)


def _guarded(name: str, run: Callable[[], None]) -> Callable[[], None]:
    """A pass that logs its failure in one line: the next pass covers what it missed."""

    def guarded() -> None:
        try:
            run()
        except Exception as error:
            detail = str(error).strip().splitlines()[:1] or [type(error).__name__]
            log.error("%s failed: %s", name, detail[0])

    return guarded
