"""Commands that keep the directory: people, bodies, meetings, and the audit of them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

from rectrack.cli.app import App, pass_app
from rectrack.cli.options import DATE, by_option, json_option
from rectrack.cli.output import done, emit_json, table


def _print(rows: list[dict[str, Any]], columns: tuple[str, ...], as_json: bool) -> None:
    if as_json:
        emit_json(rows)
    elif not rows:
        click.echo("None.")
    else:
        shown = [[_cell(row[name]) for name in columns] for row in rows]
        click.echo(table(shown, tuple(name.upper().replace("_", " ") for name in columns)))


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "-"
    return "-" if value in (None, "") else str(value)


def _when(app: App, value: str) -> datetime:
    """A meeting's start: with its offset, or local to the council's zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date and time like 2027-04-20T18:00", param_hint="--at"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=app.settings.timezone)


@click.group()
def people() -> None:
    """The people: officers, executives, chairs and clerks."""


@people.command("add")
@click.argument("email")
@click.option("--name", required=True, help="The person's name.")
@click.option("--role", "roles", multiple=True, help="clerk, executive, officer or chair.")
@by_option
@json_option
@pass_app
def add_person(
    app: App, email: str, name: str, roles: tuple[str, ...], by: str | None, as_json: bool
) -> None:
    """Add a person."""
    from workflow import services
    from workflow.services import directory

    with app.session() as session:
        actor = services.actor_for(session, by)
        added = directory.add_person(
            session, app.table, actor, app.clock.now(), name=name, email=email, roles=roles
        )
    done(added, f"added {added['email']} ({', '.join(added['roles']) or 'no role'})", as_json)


@people.command("edit")
@click.argument("email")
@click.option("--name", help="The person's new name.")
@click.option("--role", "roles", multiple=True, help="Their roles, all of them (repeat).")
@by_option
@json_option
@pass_app
def edit_person(
    app: App, email: str, name: str | None, roles: tuple[str, ...], by: str | None, as_json: bool
) -> None:
    """Change a person's name or roles."""
    from workflow import services
    from workflow.services import directory

    with app.session() as session:
        actor = services.actor_for(session, by)
        edited = directory.edit_person(
            session, app.table, actor, app.clock.now(), email, name=name, roles=roles or None
        )
    done(edited, f"changed {edited['email']}", as_json)


@people.command("set-password")
@click.argument("email")
@by_option
@pass_app
def set_password(app: App, email: str, by: str | None) -> None:
    """Set the password EMAIL signs in to the web app with (asked for twice, not shown)."""
    from workflow import services
    from workflow.services import accounts

    with app.session() as session:
        actor = services.actor_for(session, by)
        services.find_actor(session, email)  # no such person: refused before the password is asked
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        accounts.set_password(session, app.table, actor, app.clock.now(), email, password)
    click.echo(f"password set for {email.strip().lower()}; their other sessions have ended")


@people.command("invite")
@click.argument("email")
@by_option
@pass_app
def invite(app: App, email: str, by: str | None) -> None:
    """Mail EMAIL a link to choose their password with and sign in (once, within 7 days)."""
    from workflow import services
    from workflow.services import invitations

    settings = app.settings
    with app.session() as session:
        actor = services.actor_for(session, by)
        until = invitations.invite(
            session, app.table, app.postbox, actor, app.clock.now(), email,
            settings.web_base_url, settings.timezone,
        )  # fmt: skip
    when = until.astimezone(settings.timezone).strftime("%Y-%m-%d %H:%M")
    click.echo(f"invitation to {email.strip().lower()} queued (it goes with the next tick or")
    click.echo(f"serve); its link works once, until {when}")


@people.command("token")
@click.argument("email")
@click.option("--label", default="", help="What the token is for, to tell it apart later.")
@click.option("--revoke", is_flag=True, help="Withdraw every API token EMAIL holds instead.")
@by_option
@pass_app
def token(app: App, email: str, label: str, revoke: bool, by: str | None) -> None:
    """Make an API token for EMAIL (shown once), or withdraw theirs with --revoke."""
    from workflow import services
    from workflow.services import accounts

    with app.session() as session:
        actor = services.actor_for(session, by)
        now = app.clock.now()
        if revoke:
            count = accounts.revoke_tokens(session, app.table, actor, now, email, "api")
            click.echo(f"withdrew {count} API token{'' if count == 1 else 's'} of {email}")
            return
        secret = accounts.api_token(session, app.table, actor, now, email, label)
    click.echo(secret)
    click.echo("keep it secret: it is shown once (send it as 'Authorization: Bearer …')", err=True)


@people.command("list")
@json_option
@pass_app
def list_people(app: App, as_json: bool) -> None:
    """Everyone, by email."""
    from workflow.services import directory

    with app.session() as session:
        rows = directory.list_people(session)
    _print(rows, ("email", "name", "roles"), as_json)


@click.group()
def bodies() -> None:
    """The bodies: committees, panels, boards and the council."""


@bodies.command("add")
@click.argument("name")
@click.option("--kind", required=True, help="scrutiny, executive, council or other.")
@click.option("--chair", metavar="EMAIL", help="Who chairs it.")
@by_option
@json_option
@pass_app
def add_body(
    app: App, name: str, kind: str, chair: str | None, by: str | None, as_json: bool
) -> None:
    """Add a body."""
    from workflow import services
    from workflow.services import directory

    with app.session() as session:
        actor = services.actor_for(session, by)
        added = directory.add_body(
            session, app.table, actor, app.clock.now(), name=name, kind=kind, chair=chair
        )
    done(added, f"added {added['name']}", as_json)


@bodies.command("edit")
@click.argument("name")
@click.option("--kind", help="Its new kind.")
@click.option("--chair", metavar="EMAIL", help="Its new chair.")
@by_option
@json_option
@pass_app
def edit_body(
    app: App, name: str, kind: str | None, chair: str | None, by: str | None, as_json: bool
) -> None:
    """Change a body's kind or chair."""
    from workflow import services
    from workflow.services import directory

    with app.session() as session:
        actor = services.actor_for(session, by)
        edited = directory.edit_body(
            session, app.table, actor, app.clock.now(), name, kind=kind, chair=chair
        )
    done(edited, f"changed {edited['name']}", as_json)


@bodies.command("list")
@json_option
@pass_app
def list_bodies(app: App, as_json: bool) -> None:
    """Every body, by name."""
    from workflow.services import directory

    with app.session() as session:
        rows = directory.list_bodies(session)
    _print(rows, ("name", "kind", "chair"), as_json)


@click.group()
def meetings() -> None:
    """The meetings of the bodies."""


@meetings.command("add")
@click.option("--body", required=True, help="The body that meets.")
@click.option("--at", "at", required=True, metavar="ISO-8601", help="When it starts.")
@click.option("--title", default="", help="Its title.")
@by_option
@json_option
@pass_app
def add_meeting(app: App, body: str, at: str, title: str, by: str | None, as_json: bool) -> None:
    """Add a meeting; a time without an offset is in the council's zone."""
    from workflow import services
    from workflow.services import directory

    with app.session() as session:
        actor = services.actor_for(session, by)
        added = directory.add_meeting(
            session, app.table, actor, app.clock.now(), body=body, starts_at=_when(app, at),
            title=title,
        )  # fmt: skip
    done(added, f"added meeting {added['id']} of {body} at {added['starts_at']}", as_json)


@meetings.command("move")
@click.argument("meeting_id", metavar="ID", type=click.IntRange(1, 2**63 - 1))
@click.option("--at", "at", required=True, metavar="ISO-8601", help="When it now starts.")
@by_option
@json_option
@pass_app
def move_meeting(app: App, meeting_id: int, at: str, by: str | None, as_json: bool) -> None:
    """Move a meeting to another time."""
    from workflow import services
    from workflow.services import directory

    with app.session() as session:
        actor = services.actor_for(session, by)
        moved = directory.move_meeting(
            session, app.table, actor, app.clock.now(), meeting_id, _when(app, at)
        )
    done(moved, f"moved meeting {meeting_id} to {moved['starts_at']}", as_json)


@meetings.command("cancel")
@click.argument("meeting_id", metavar="ID", type=click.IntRange(1, 2**63 - 1))
@by_option
@json_option
@pass_app
def cancel_meeting(app: App, meeting_id: int, by: str | None, as_json: bool) -> None:
    """Cancel a meeting; it is kept, and no digest goes before it."""
    from workflow import services
    from workflow.services import directory

    with app.session() as session:
        actor = services.actor_for(session, by)
        cancelled = directory.cancel_meeting(session, app.table, actor, app.clock.now(), meeting_id)
    done(cancelled, f"cancelled meeting {meeting_id}", as_json)


@meetings.command("list")
@click.option("--body", help="Only this body's.")
@json_option
@pass_app
def list_meetings(app: App, body: str | None, as_json: bool) -> None:
    """Every meeting, soonest first."""
    from workflow.services import directory

    with app.session() as session:
        rows = directory.list_meetings(session, body)
    _print(rows, ("id", "body", "starts_at", "title", "cancelled_at"), as_json)


@click.command()
@click.option("--since", type=DATE, help="Only changes from this day on.")
@json_option
@pass_app
def audit(app: App, since: date | None, as_json: bool) -> None:
    """Every change to people, bodies, meetings, reports, milestones and indicators."""
    from workflow.services import directory

    with app.session() as session:
        rows = directory.audit_rows(session, since, app.settings.timezone)
    _print(rows, ("at", "by", "record", "key", "action"), as_json)
