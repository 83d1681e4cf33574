"""The notification service's passes, with the app passed in.

`tick` is one pass (a sweep, then a dispatch); `service_jobs` are the passes
`rectrack serve` runs on timers; `simulate` previews what would be sent;
`send_test_mail` tries the mail settings. The app is anything that has the parts
`ServiceApp` names: the application's composition root has them, and so can a plain
record of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from notifications import emails, sweep
from notifications.dispatcher import Dispatcher, DispatchReport
from notifications.notices import Kind, Message
from notifications.planning import Rules
from notifications.sweep import SimulatedDay, SweepReport
from notifications.transports import Mail, Transport

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from config.settings import Settings
    from config.workflow_table import WorkflowTable
    from notifications.rendering import Renderer
    from notifications.scheduler import Job
    from workflow.clock import Clock

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)
DISPATCH_EVERY = timedelta(minutes=1)


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


def tick(app: ServiceApp, now: datetime) -> TickReport:
    """One pass of the service at `now`: a sweep, then a dispatch, both on that clock.

    A mail server that is down gives a report of retries, not an exception: the
    messages wait in the outbox.
    """
    swept = sweep.sweep(
        app.engine, now, rules=_rules(app), renderer=app.renderer, sender=app.settings.mail_sender
    )
    return TickReport(swept, _dispatch(app, now))


def _rules(app: ServiceApp) -> Rules:
    return Rules.from_settings(app.settings, app.table)


def _dispatch(app: ServiceApp, now: datetime) -> DispatchReport:
    dispatcher = Dispatcher(app.transport, sender=app.settings.mail_sender)
    return asyncio.run(dispatcher.drain(app.engine, now))


def simulate(app: ServiceApp, start: date, end: date) -> list[SimulatedDay]:
    """Return the days from `start` to `end` on which something would be sent, and what."""
    return sweep.simulate(app.engine, start, end, rules=_rules(app), renderer=app.renderer)


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
        await connection.send(mail)


def service_jobs(app: ServiceApp) -> list[Job]:
    """The sweep and the dispatcher, each reading the app's clock when it runs.

    The sweep job is a whole tick: what it queues goes out at once rather than at the
    dispatcher's next minute, which takes the retries and anything a pass left.
    """
    from notifications.scheduler import Job

    def sweep_pass() -> None:
        report = tick(app, app.clock.now())
        log.info("sweep: %s", report.describe())
        _log_pause(report.dispatch)

    def dispatch_pass() -> None:
        report = _dispatch(app, app.clock.now())
        log.info(
            "dispatch: sent %d, retried %d, failed %d", report.sent, report.retried, report.failed
        )
        _log_pause(report)

    return [
        Job("sweep", _guarded("sweep", sweep_pass), SWEEP_EVERY),
        Job("dispatch", _guarded("dispatch", dispatch_pass), DISPATCH_EVERY),
    ]


def _log_pause(report: DispatchReport) -> None:
    if report.paused:
        log.error("paused: %s; messages wait in the outbox", report.reason)


def _guarded(name: str, run: Callable[[], None]) -> Callable[[], None]:
    """A pass that logs its failure in one line: the next pass covers what it missed."""

    def guarded() -> None:
        try:
            run()
        except Exception as error:
            detail = str(error).strip().splitlines()[:1] or [type(error).__name__]
            log.error("%s failed: %s", name, detail[0])

    return guarded
