"""Commands that change recommendations: respond, fire, update, amend.

`respond`, `fire` and `amend` take several codes, or `--report REF` for every
recommendation of the report the event applies to: all change, or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click

from rectrack.cli.app import App, pass_app
from rectrack.cli.options import DATE, by_option, json_option
from rectrack.cli.output import emit_json
from workflow.records import RAGS, Change, Outcome


def _report(codes: Sequence[str], outcomes: Sequence[Outcome], by: str, as_json: bool) -> None:
    done = list(zip(codes, outcomes, strict=True))
    if as_json:
        emit_json(
            [
                {"code": code, "event": o.event, "from_state": o.before, "to_state": o.after}
                | {"by": by}
                for code, o in done
            ]
        )
        return
    for code, o in done:
        click.echo(f"{code}: {o.event}, {o.before} -> {o.after} (by {by})")


def on_option(function: Any) -> Any:
    return click.option(
        "--on",
        type=DATE,
        help="The day it was decided or happened (default: today); for an endorsement, the"
        " day the body endorsed it.",
    )(function)


def report_option(function: Any) -> Any:
    return click.option(
        "--report",
        metavar="REF",
        help="Every recommendation of this report the event applies to (instead of codes).",
    )(function)


@click.command()
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.argument("decision", metavar="DECISION")
@report_option
@click.option("--timescale", type=DATE, help="The date it will be done by (agree, agree-in-part).")
@click.option("--comment", help="The comment, or the part not agreed (agree-in-part, note).")
@click.option("--reason", help="Why the executive disagrees (disagree).")
@on_option
@by_option
@json_option
@pass_app
def respond(
    app: App,
    codes: tuple[str, ...],
    decision: str,
    report: str | None,
    timescale: date | None,
    comment: str | None,
    reason: str | None,
    on: date | None,
    by: str | None,
    as_json: bool,
) -> None:
    """Record the executive's response: agree, agree-in-part, disagree or note."""
    from workflow import services

    with app.session() as session:
        actor = services.actor_for(session, by)
        event = services.response_event(app.lifecycle, decision)
        chosen = services.targets(session, app.lifecycle, event, codes, report)
        outcomes = services.respond(
            session,
            app.lifecycle,
            chosen,
            actor,
            decision,
            app.clock.now(),
            timescale=timescale,
            comment=comment,
            reason=reason,
            on=on,
        )
    _report(chosen, outcomes, actor.email, as_json)


@click.command()
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.argument("event")
@report_option
@click.option("--note", help="The reason, comment or commentary the event needs.")
@click.option("--endorsed-by", metavar="BODY", help="The body that endorsed it (withdraw).")
@on_option
@click.option(
    "--outcome",
    help="How it closes, where the event offers a choice: withdrawn or superseded (withdraw);"
    " implemented, partly_implemented or not_implemented (sign_off).",
)
@by_option
@json_option
@pass_app
def fire(
    app: App,
    codes: tuple[str, ...],
    event: str,
    report: str | None,
    note: str | None,
    endorsed_by: str | None,
    on: date | None,
    outcome: str | None,
    by: str | None,
    as_json: bool,
) -> None:
    """Fire any other event: start, report_implemented, sign_off, reopen, conclude, withdraw."""
    from workflow import services

    name = event.replace("-", "_")
    with app.session() as session:
        actor = services.actor_for(session, by)
        change = Change(
            name,
            actor,
            note=note,
            endorsed_by=endorsed_by,
            endorsed_on=on,
            outcome=outcome,
            on=on,
        )
        chosen = services.targets(session, app.lifecycle, name, codes, report)
        changes = [(code, change) for code in chosen]
        outcomes = services.fire_all(session, app.lifecycle, changes, app.clock.now())
    _report(chosen, outcomes, actor.email, as_json)


@click.command()
@click.argument("code", required=False)
@click.option("--note", help="What has been done, and what is next.")
@click.option("--rag", type=click.Choice(RAGS), help="The RAG status now.")
@click.option(
    "--from-file",
    "updates_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="UPDATES.csv",
    help="One update per row: columns code, note and, if you like, rag.",
)
@on_option
@by_option
@json_option
@pass_app
def update(
    app: App,
    code: str | None,
    note: str | None,
    rag: str | None,
    updates_file: Path | None,
    on: date | None,
    by: str | None,
    as_json: bool,
) -> None:
    """Write a progress update (the owner or a clerk), or a file of them; the state stays."""
    from workflow import services

    updates = _updates(code, note, rag, updates_file)
    with app.session() as session:
        actor = services.actor_for(session, by)
        services.add_updates(session, app.lifecycle, updates, actor, app.clock.now(), on)
    if as_json:
        emit_json(
            [
                {"code": code, "event": services.PROGRESS_UPDATE, "rag": rag, "by": actor.email}
                for code, _, rag in updates
            ]
        )
        return
    for code, _, _ in updates:
        click.echo(f"{code}: progress update recorded (by {actor.email})")


def _updates(
    code: str | None, note: str | None, rag: str | None, updates_file: Path | None
) -> list[tuple[str, str, str | None]]:
    """One update from the options, or a file of them; not both."""
    from workflow import services
    from workflow.errors import BadInput

    if updates_file is not None:
        if code or note or rag:
            raise BadInput("from_file", "the file says what each update is: give no code or note")
        return services.updates_from_file(updates_file)
    if not code:
        raise BadInput("code", "say which recommendation, or give a file of updates")
    if note is None:
        raise BadInput("note", "a note is required")
    return [(code, note, rag)]


@click.command()
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@report_option
@click.option(
    "--from-file",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="PLAN.csv",
    help="A new timetable: columns code and any of target_date, monitoring_date, text.",
)
@click.option("--text", help="The new text of the recommendation.")
@click.option("--target-date", type=DATE, help="The new target date.")
@click.option("--monitoring-date", type=DATE, help="The new monitoring date.")
@click.option("--reason", required=True, help="Why it changes.")
@click.option("--endorsed-by", required=True, metavar="BODY", help="The body that endorsed it.")
@click.option("--on", "endorsed_on", required=True, type=DATE, help="The day the body endorsed it.")
@by_option
@json_option
@pass_app
def amend(
    app: App,
    codes: tuple[str, ...],
    report: str | None,
    plan_file: Path | None,
    text: str | None,
    target_date: date | None,
    monitoring_date: date | None,
    reason: str,
    endorsed_by: str,
    endorsed_on: date,
    by: str | None,
    as_json: bool,
) -> None:
    """Record an amendment endorsed by a body; the old values stay in the history."""
    from workflow import services

    fields = {"text": text, "target_date": target_date, "monitoring_date": monitoring_date}
    with app.session() as session:
        actor = services.actor_for(session, by)
        plan = services.amendment_plan(session, app.lifecycle, codes, report, plan_file, fields)
        outcomes = services.amend(
            session,
            app.lifecycle,
            plan,
            actor,
            app.clock.now(),
            reason=reason,
            endorsed_by=endorsed_by,
            endorsed_on=endorsed_on,
        )
    _report([code for code, _ in plan], outcomes, actor.email, as_json)


@click.command()
@click.argument("code")
@click.option("--reason", help="Why the change is undone.")
@on_option
@by_option
@json_option
@pass_app
def undo(
    app: App, code: str, reason: str | None, on: date | None, by: str | None, as_json: bool
) -> None:
    """Reverse the latest change of a recommendation (a clerk); its history keeps both."""
    from workflow import services

    with app.session() as session:
        actor = services.actor_for(session, by)
        outcome = services.undo(session, app.lifecycle, code, actor, reason, app.clock.now(), on)
    _report([code], [outcome], actor.email, as_json)
