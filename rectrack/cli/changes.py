"""Commands that change a recommendation: respond, fire, update, amend."""

from __future__ import annotations

from datetime import date

import click

from rectrack.cli.app import App, pass_app
from rectrack.cli.options import DATE, by_option, json_option
from rectrack.cli.output import emit_json
from workflow.records import RAGS, Change, Outcome


def _report(code: str, outcome: Outcome, by: str, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "code": code,
                "event": outcome.event,
                "from_state": outcome.before,
                "to_state": outcome.after,
                "by": by,
            }
        )
    else:
        click.echo(f"{code}: {outcome.event}, {outcome.before} -> {outcome.after} (by {by})")


@click.command()
@click.argument("code")
@click.argument("decision", metavar="DECISION")
@click.option("--timescale", type=DATE, help="The date it will be done by (agree, agree-in-part).")
@click.option("--comment", help="The comment, or the part not agreed (agree-in-part, note).")
@click.option("--reason", help="Why the executive disagrees (disagree).")
@by_option
@json_option
@pass_app
def respond(
    app: App,
    code: str,
    decision: str,
    timescale: date | None,
    comment: str | None,
    reason: str | None,
    by: str | None,
    as_json: bool,
) -> None:
    """Record the executive's response: agree, agree-in-part, disagree or note."""
    from workflow import services

    with app.session() as session:
        actor = services.actor_for(session, by)
        outcome = services.respond(
            session,
            app.lifecycle,
            code,
            actor,
            decision,
            app.clock.now(),
            timescale=timescale,
            comment=comment,
            reason=reason,
        )
    _report(code, outcome, actor.email, as_json)


@click.command()
@click.argument("code")
@click.argument("event")
@click.option("--note", help="The reason, comment or commentary the event needs.")
@click.option("--endorsed-by", metavar="BODY", help="The body that endorsed it (withdraw).")
@click.option("--on", "endorsed_on", type=DATE, help="The date the body endorsed it.")
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
    code: str,
    event: str,
    note: str | None,
    endorsed_by: str | None,
    endorsed_on: date | None,
    outcome: str | None,
    by: str | None,
    as_json: bool,
) -> None:
    """Fire any other event: start, report_implemented, sign_off, reopen, conclude, withdraw."""
    from workflow import services

    with app.session() as session:
        actor = services.actor_for(session, by)
        change = Change(
            event.replace("-", "_"),
            actor,
            note=note,
            endorsed_by=endorsed_by,
            endorsed_on=endorsed_on,
            outcome=outcome,
        )
        fired = services.fire(session, app.lifecycle, code, change, app.clock.now())
    _report(code, fired, actor.email, as_json)


@click.command()
@click.argument("code")
@click.option("--note", required=True, help="What has been done, and what is next.")
@click.option("--rag", type=click.Choice(RAGS), help="The RAG status now.")
@by_option
@json_option
@pass_app
def update(app: App, code: str, note: str, rag: str | None, by: str | None, as_json: bool) -> None:
    """Write a progress update (the owner or a clerk); the state stays."""
    from workflow import services

    with app.session() as session:
        actor = services.actor_for(session, by)
        services.add_update(session, app.lifecycle, code, actor, note, rag, app.clock.now())
    if as_json:
        emit_json({"code": code, "event": services.PROGRESS_UPDATE, "rag": rag, "by": actor.email})
    else:
        click.echo(f"{code}: progress update recorded (by {actor.email})")


@click.command()
@click.argument("code")
@click.option("--text", help="The new text of the recommendation.")
@click.option("--target-date", type=DATE, help="The new target date.")
@click.option("--monitoring-date", type=DATE, help="The new monitoring date.")
@click.option("--reason", required=True, help="Why it changes.")
@click.option("--endorsed-by", required=True, metavar="BODY", help="The body that endorsed it.")
@click.option("--on", "endorsed_on", required=True, type=DATE, help="The date it was endorsed.")
@by_option
@json_option
@pass_app
def amend(
    app: App,
    code: str,
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

    changes = {"text": text, "target_date": target_date, "monitoring_date": monitoring_date}
    with app.session() as session:
        actor = services.actor_for(session, by)
        outcome = services.amend(
            session,
            app.lifecycle,
            code,
            actor,
            app.clock.now(),
            changes=changes,
            reason=reason,
            endorsed_by=endorsed_by,
            endorsed_on=endorsed_on,
        )
    _report(code, outcome, actor.email, as_json)
