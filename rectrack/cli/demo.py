"""`rectrack demo`: load the example panel report and live through its first months.

Day by day, from the load to a week after the panel's monitoring meeting, the demo
runs the pass of the service that `rectrack serve` runs (`tick`) at that day's send
time, then does what the story says people did that day. Mail goes into .eml files
in the demo folder, so no mail server is needed; every date is in 2027, so every run
tells the same tale.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from rectrack.cli.app import App, pass_app
from rectrack.cli.demo_story import (
    ENDS_ON,
    LOADED_ON,
    STORY,
    WEB_STEPS,
    Happened,
    perform,
    rec_code,
    who_is_who,
)
from rectrack.cli.output import counted, detail, shorten, table, tracker
from workflow.clock import FixedClock

if TYPE_CHECKING:
    from sqlmodel import Session

    from config import Settings
    from notifications.models import OutboxRow
    from notifications.service import TickReport

__all__ = ["demo", "demo_document"]

DATABASE, MAIL, CONFIG = "rectrack.db", "mail", "rectrack.toml"
WEB_STARTS_ON = date(2027, 2, 24)  # the board's meeting: the first day the story is the user's
DEMO_PASSWORD = "rectrack-demo"  # every persona's, in the demo database only
DETAIL_WIDTH = 80


class Line(NamedTuple):
    """One line of the timeline: a message sent, or something someone did."""

    at: datetime  # local time
    what: str
    who: str
    detail: str


def demo_document() -> dict[str, Any]:
    """The example data set: the seed panel report, its people, bodies and meetings."""
    text = resources.files("rectrack").joinpath("data/demo.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("rectrack-demo"),
    show_default=True,
    help="Where the demo database and its mail are made (anew each run).",
)
@click.option(
    "--web",
    "for_web",
    is_flag=True,
    help="Stop the morning the board meets, and leave the rest of the story to be played in"
    " the web app: every persona gets a password, and DIR/rectrack.toml the settings.",
)
@pass_app
def demo(app: App, directory: Path, for_web: bool) -> None:
    """Load the example data set into a fresh database and show what rectrack does with it."""
    from rectrack.schema import upgrade
    from workflow import services
    from workflow.db import new_session

    # The demo's own clock, moved on day by day: the service ticks at the day's time.
    clock = FixedClock(datetime.combine(LOADED_ON, time(10, 0), tzinfo=app.settings.timezone))
    demo_app = App(_demo_settings(app.settings, directory), clock=clock)
    upgrade(demo_app.engine)
    document = demo_document()
    code = rec_code(document["recommendations"][-1])
    ends_on = WEB_STARTS_ON - timedelta(days=1) if for_web else ENDS_ON
    with new_session(demo_app.engine) as session:
        _load(demo_app, session, document)
        click.echo(f"\nWho is who:\n\n{table(who_is_who(document), ('PERSON', 'ROLE'))}")
        lines = _live_through(demo_app, clock, session, document, ends_on)
        click.echo(f"\n{_heading(demo_app.settings)}\n\n{_timeline(lines)}")
        if for_web:
            _prepare_web(demo_app, session, document, directory)
            return
        recs = services.list_recommendations(session, demo_app.table, ENDS_ON)
        click.echo(f"\nThe tracker on {ENDS_ON}:\n\n{tracker(recs)}")
        shown = services.show_recommendation(session, code)
        click.echo(f"\nOne recommendation in full:\n\n{detail(shown, demo_app.settings.timezone)}")
    demo_app.engine.dispose()
    _show_where(demo_app.settings, directory, code)


def _demo_settings(settings: Settings, directory: Path) -> Settings:
    """The settings in force, on a fresh database and mail folder in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in (DATABASE, DATABASE + "-wal", DATABASE + "-shm"):
        (directory / name).unlink(missing_ok=True)
    for old in (directory / MAIL).glob("*.eml"):  # only what a demo wrote; the folder stays
        old.unlink()
    return replace(
        settings,
        database_url=f"sqlite:///{directory / DATABASE}",
        mail_transport="file",
        mail_file_directory=directory / MAIL,
    )


def _load(app: App, session: Session, document: dict[str, Any]) -> None:
    from workflow import interchange

    summary = interchange.import_document(
        session,
        document,
        table=app.table,
        period=app.settings.reports_response_period,
        by=_clerk_of(document),
        now=datetime.combine(LOADED_ON, time(10, 0), tzinfo=app.settings.timezone),
        tz=app.settings.timezone,
    )
    click.echo(f"Loaded the example panel report on {LOADED_ON}: {counted(summary.counts())}.")


def _clerk_of(document: dict[str, Any]) -> str:
    return str(next(p["email"] for p in document["people"] if "clerk" in p["roles"]))


def _live_through(
    app: App, clock: FixedClock, session: Session, document: dict[str, Any], ends_on: date
) -> list[Line]:
    """Each day: the service's pass at the send time, then what people did that day."""
    from notifications import service
    from notifications.planning import Rules

    send_time = Rules.from_settings(app.settings, app.table).send_time
    tz, lines, seen = app.settings.timezone, [], 0
    for day in _days(LOADED_ON + timedelta(days=1), ends_on):
        at = clock.at = send_time(day)
        _check(service.tick(app))
        sent, seen = _sent_after(session, seen)
        lines += [_mail_line(at.astimezone(tz), row) for row in sent]
        for step in (step for step in STORY if step.on == day):
            lines.append(_done_line(perform(step, session, app.lifecycle, document, tz)))
    return lines


def _check(report: TickReport) -> None:
    problems = [*report.sweep.errors, *map(str, report.problems())]
    if problems:
        raise click.ClickException(f"the demo's mail did not go out: {problems[0]}")


def _sent_after(session: Session, seen: int) -> tuple[list[OutboxRow], int]:
    """The messages sent since outbox row `seen`, and the id of the newest one."""
    from notifications import service

    sent = service.list_outbox(session, "sent")
    session.rollback()  # end the read: the next pass of the service writes
    new = [row for row in sent if (row.id or 0) > seen]
    return new, max((row.id or 0 for row in new), default=seen)


def _mail_line(at: datetime, row: OutboxRow) -> Line:
    cc = f" (cc {', '.join(row.cc)})" if row.cc else ""
    return Line(at, f"mail: {row.kind}", f"to {row.recipient_name}{cc}", row.subject)


def _done_line(done: Happened) -> Line:
    return Line(done.at, f"{done.code} {done.event}", f"by {done.by}", done.detail)


def _days(first: date, last: date) -> Iterator[date]:
    return (first + timedelta(days=n) for n in range((last - first).days + 1))


def _heading(settings: Settings) -> str:
    send_at, tz = settings.reminders_send_at, settings.timezone
    return (
        f"What happened next, in {LOADED_ON.year}. Each day at {send_at:%H:%M} ({tz.key}) "
        "the service sent what was due:\nthe 'mail' lines, each one an .eml file. "
        "The other lines are what people did."
    )


def _timeline(lines: Sequence[Line]) -> str:
    """The lines as a table, in the order they were done; each day is named once."""
    rows, previous = [], ""
    for line in lines:
        day = f"{line.at:%a %d %b}"
        when = (day if day != previous else "", f"{line.at:%H:%M}")
        rows.append((*when, line.what, line.who, shorten(line.detail, DETAIL_WIDTH)))
        previous = day
    return table(rows, ("DAY", "TIME", "WHAT", "WHO", "DETAIL"))


def _show_where(settings: Settings, directory: Path, code: str) -> None:
    mail, url = settings.mail_file_directory, settings.database_url
    count = len(list(mail.glob("*.eml")))
    click.echo(
        f"\nThe demo database is {directory / DATABASE}; the {count} messages it sent are"
        f" .eml files in {mail}.\nLook around with, for example:"
    )
    after = ENDS_ON + timedelta(days=1)
    for command in (
        "recs list",
        f"recs show {code}",
        "outbox list",
        f"simulate --from {after} --to {after.replace(month=7, day=31)}",
        f"annex --format pdf -o {directory / 'annex.pdf'}",
    ):
        click.echo(f"  RECTRACK_DATABASE_URL={url} {_program()} {command}")


def _program() -> str:
    """How to run rectrack again: by name if it is on the PATH, else as it was run now."""
    invoked = Path(sys.argv[0])
    on_path = shutil.which("rectrack")
    if invoked.name != "rectrack" or (on_path and Path(on_path).samefile(invoked)):
        return "rectrack"
    return str(invoked)


def _prepare_web(app: App, session: Session, document: dict[str, Any], directory: Path) -> None:
    """Give every persona the demo password, write the settings, say how to go on."""
    from workflow.services import accounts, find_actor

    clerk = find_actor(
        session, next(p["email"] for p in document["people"] if "clerk" in p["roles"])
    )
    for person in document["people"]:
        accounts.set_password(
            session, app.table, clerk, app.clock.now(), person["email"], DEMO_PASSWORD
        )
    config = directory / CONFIG
    config.write_text(_web_config(directory), encoding="utf-8")
    people = [
        (p["email"], part)
        for p, (_, part) in zip(document["people"], who_is_who(document), strict=True)
    ]
    program = f"{_program()} --config {config}"
    click.echo(
        f"\nThe story stops the morning the board meets, {WEB_STARTS_ON:%d %B %Y}: the rest is"
        f" yours to play in the web app.\nSign in as any of these, each with the password"
        f" {DEMO_PASSWORD!r}:\n\n{table(people, ('EMAIL', 'ROLE'))}\n"
    )
    for step in WEB_STEPS:
        click.echo(f"{step.what}:\n  {program} {step.command}")
    click.echo(f"\nThe mail it sends is in {directory / MAIL}; open a reminder to follow its link.")


def _web_config(directory: Path) -> str:
    """The demo's settings: its database and mail folder, and a secret key of its own."""
    import secrets

    database = (directory / DATABASE).resolve()
    return (
        "# The demo's settings, written by `rectrack demo --web`.\n"
        f'[database]\nurl = "sqlite:///{database}"\n\n'
        f'[mail]\ntransport = "file"\n\n[mail.file]\ndirectory = "{MAIL}"\n\n'
        f'[web]\nbase_url = "http://127.0.0.1:8000"\nsecret_key = "{secrets.token_urlsafe(32)}"\n'
    )
