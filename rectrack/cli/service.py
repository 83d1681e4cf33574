"""Commands of the notification service: tick, serve, simulate, the outbox and a test mail.

Each parses its options, calls one function of `notifications.service` and prints
what it returns.
"""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import click

from rectrack.cli.app import App, pass_app
from rectrack.cli.options import DATE, json_option
from rectrack.cli.output import emit_json, shorten, table
from workflow.limits import out_of_range

if TYPE_CHECKING:
    from notifications.deliveries import Delivery
    from notifications.models import OutboxRow
    from notifications.notices import Message
    from notifications.sweep import SimulatedDay

log = logging.getLogger(__name__)


def instant(value: str, param_hint: str) -> datetime:
    """Read an ISO-8601 date and time that names its offset: a naive one means nothing certain."""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date and time like 2027-06-01T08:00+01:00", param_hint=param_hint
        ) from None
    if at.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} has no time zone; add one, like +01:00 or Z", param_hint=param_hint
        )
    reason = out_of_range(at)
    if reason:
        raise click.BadParameter(reason, param_hint=param_hint)
    return at


@click.command()
@click.option("--now", metavar="ISO-8601", help="Run as if it were this time (with its zone).")
@click.option(
    "--force", is_flag=True, help="Tick at --now though it is days ahead, on a database in use."
)
@json_option
@pass_app
def tick(app: App, now: str | None, force: bool, as_json: bool) -> None:
    """One pass of the service: plan what is due, then send the outbox."""
    from notifications import service

    at = instant(now, "--now") if now is not None else None
    app.ensure_ready()
    report = service.tick(app, at, force=force)
    if as_json:
        emit_json(report.summary())
    else:
        click.echo(f"tick at {report.sweep.at.isoformat()}: {report.describe()}")
        for unsent in report.sweep.unsendable:
            click.echo(f"not sent: {unsent.line}")
    for error in report.sweep.errors:
        click.echo(f"rectrack: error: no message could be made: {error}", err=True)
    problems = report.problems()
    for problem in problems[1:]:
        click.echo(f"rectrack: error: {problem}", err=True)
    if problems:  # the worst, with its exit status (main.exit_status)
        raise problems[0]


@click.command()
@pass_app
def serve(app: App) -> None:
    """The service: sweep every 5 minutes, send every minute; stop on SIGTERM or Ctrl-C."""
    from notifications import service

    app.ensure_ready()
    _log_to_stderr()
    log.info("serving %s", app.engine.url.render_as_string(hide_password=True))
    service.serve(app)
    log.info("stopped")


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name in ("rectrack", "notifications", "workflow"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


@click.command()
@click.option("--from", "start", type=DATE, required=True, help="The first day.")
@click.option("--to", "end", type=DATE, required=True, help="The last day.")
@json_option
@pass_app
def simulate(app: App, start: date, end: date, as_json: bool) -> None:
    """What would be sent, day by day, without sending or writing anything."""
    from notifications import service

    app.ensure_ready()
    days = service.simulate(app, start, end)
    if as_json:
        emit_json([_day_json(day) for day in days])
        return
    sending = [day for day in days if day.messages]
    if sending:
        click.echo("\n\n".join(_day_text(day, app) for day in sending))
    unsent = [(day.day, unsent) for day in days for unsent in day.unsendable]
    if sending and unsent:
        click.echo()
    for day, unsendable in unsent:
        click.echo(f"not sent: {day}: {unsendable.line}")
    click.echo(_simulated_summary(start, end, sending, len(unsent)))


def _simulated_summary(start: date, end: date, sending: list[SimulatedDay], unsent: int) -> str:
    """The last line: what would be sent from `start` to `end`, and what could not be."""
    messages = sum(len(day.messages) for day in sending)
    if not messages:
        said = f"Nothing would be sent from {start} to {end}"
    else:
        days = _counted(len(sending), "day")
        said = f"{_counted(messages, 'message')} would be sent on {days} from {start} to {end}"
    return f"{said}; {_counted(unsent, 'notice')} cannot be sent." if unsent else f"{said}."


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _day_json(day: SimulatedDay) -> dict[str, Any]:
    from notifications.service import unsendable_json

    return {
        "day": day.day.isoformat(),
        "send_at": day.send_at.isoformat(),
        "messages": [_message_json(message) for message in day.messages],
        "unsendable": [unsendable_json(unsent) for unsent in day.unsendable],
    }


def _message_json(message: Message) -> dict[str, Any]:
    return {
        "kind": message.kind.value,
        "to": message.to,
        "to_name": message.to_name,
        "cc": list(message.cc),
        "subject": message.subject,
    }


def _day_text(day: SimulatedDay, app: App) -> str:
    from notifications.rendering import long_date

    tz = app.settings.timezone
    heading = f"{long_date(day.day)}, {day.send_at.astimezone(tz):%H:%M} {tz.key}"
    rows = [(m.kind.value, ", ".join((m.to, *m.cc)), shorten(m.subject, 70)) for m in day.messages]
    return f"{heading}\n{table(rows, ('KIND', 'TO', 'SUBJECT'))}"


@click.group("outbox")
def outbox_group() -> None:
    """The messages: what was sent, what waits, what failed."""


@outbox_group.command("list")
@click.option(
    "--status", metavar="S", help="Only queued, sending, partly-sent, sent, failed or cancelled."
)
@json_option
@pass_app
def list_outbox(app: App, status: str | None, as_json: bool) -> None:
    """Every message, oldest first, with its status, each recipient's, attempts and last error."""
    from notifications import service

    with app.session() as session:
        rows = service.list_outbox(session, status)
    if as_json:
        emit_json([_outbox_json(row) for row in rows])
    elif not rows:
        click.echo("The outbox is empty." if status is None else f"No {status} messages.")
    else:
        click.echo(table([_outbox_row(row) for row in rows], OUTBOX_HEADERS))


OUTBOX_HEADERS = ("ID", "STATUS", "KIND", "TO", "TRIES", "WHEN", "SUBJECT / LAST ERROR")


def _outbox_json(row: OutboxRow) -> dict[str, Any]:
    from notifications.outbox import deliveries_of

    return {
        "id": row.id,
        "status": row.status,
        "kind": row.kind,
        "to": row.recipient,
        "cc": row.cc,
        "recipients": [_delivery_json(delivery) for delivery in deliveries_of(row)],
        "subject": row.subject,
        "message_id": row.message_id,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat(),
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "last_error": row.last_error,
    }


def _delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "to": delivery.to,
        "status": delivery.status.value,
        "sent_at": delivery.at.isoformat() if delivery.at else None,
        "error": delivery.error,
    }


def _recipients(row: OutboxRow) -> str:
    """The recipient, or, for a message with copies, each recipient and where it stands."""
    from notifications.outbox import deliveries_of

    if not row.cc:
        return row.recipient
    return ", ".join(f"{d.to} ({d.status.value})" for d in deliveries_of(row))


def _outbox_row(row: OutboxRow) -> tuple[str, ...]:
    when = row.sent_at or row.next_attempt_at
    about = row.subject if row.last_error is None else f"{row.subject} / {row.last_error}"
    return (
        str(row.id),
        row.status,
        row.kind,
        _recipients(row),
        str(row.attempts),
        f"{when:%Y-%m-%d %H:%M}Z",
        shorten(about, 70),
    )


@outbox_group.command("retry")
@click.argument("ids", nargs=-1, type=click.IntRange(1, 2**63 - 1), metavar="[ID]...")
@click.option("--failed", is_flag=True, help="Every failed message.")
@pass_app
def retry_outbox(app: App, ids: tuple[int, ...], failed: bool) -> None:
    """Queue messages again at once to whoever lacks them: those named, or every failed one."""
    from notifications import service

    with app.session() as session:
        count = service.retry_outbox(session, app.clock.now(), ids, failed)
    others = len(ids) - count if ids else 0
    note = f"; {others} not failed or waiting, left alone" if others else ""
    click.echo(f"queued {count} {'message' if count == 1 else 'messages'} again{note}")


@click.group("mail")
def mail_group() -> None:
    """Mail: try the settings in force by sending a test message."""


@mail_group.command("test")
@click.option("--to", "to", required=True, metavar="EMAIL", help="Who gets the test message.")
@pass_app
def mail_test(app: App, to: str) -> None:
    """Send one test message now, with the settings in force."""
    from notifications import service
    from notifications.emails import BadHeader
    from notifications.transports import TransportError

    try:
        message_id = service.send_test_mail(app, to, app.clock.now())
    except BadHeader as error:
        raise click.BadParameter(str(error), param_hint="--to") from None
    except TransportError as error:
        raise click.ClickException(f"the test message was not sent: {error.message}") from None
    click.echo(f"sent a test message to {to} by {_transport(app)} ({message_id})")


def _transport(app: App) -> str:
    settings = app.settings
    if settings.mail_transport == "smtp":
        return f"smtp to {settings.mail_smtp_host}:{settings.mail_smtp_port}"
    if settings.mail_transport == "file":
        return f"file into {settings.mail_file_directory}"
    return settings.mail_transport
