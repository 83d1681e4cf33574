"""Commands that keep what the panel monitors against: milestones and indicators."""

from __future__ import annotations

from datetime import date

import click

from rectrack.cli.app import App, pass_app
from rectrack.cli.options import DATE, by_option, json_option
from rectrack.cli.output import done

NUMBER = click.IntRange(1, 10**6)


@click.group()
def milestone() -> None:
    """A recommendation's milestones: add one, mark one done."""


@milestone.command("add")
@click.argument("code")
@click.option("--title", required=True, help="What is to be done by then.")
@click.option("--due", "due_on", type=DATE, help="The day it is due.")
@by_option
@json_option
@pass_app
def add_milestone(
    app: App, code: str, title: str, due_on: date | None, by: str | None, as_json: bool
) -> None:
    """Add a milestone; it is numbered after those before it."""
    from workflow import services
    from workflow.services import monitoring

    with app.session() as session:
        actor = services.actor_for(session, by)
        added = monitoring.add_milestone(
            session, app.lifecycle, code, actor, app.clock.now(), title=title, due_on=due_on
        )
    done(added, f"{code}: milestone {added['number']} added: {added['title']}", as_json)


@milestone.command("done")
@click.argument("code")
@click.argument("number", type=NUMBER)
@click.option("--on", type=DATE, help="The day it was done (default: today).")
@by_option
@json_option
@pass_app
def milestone_done(
    app: App, code: str, number: int, on: date | None, by: str | None, as_json: bool
) -> None:
    """Mark milestone NUMBER of CODE done."""
    from workflow import services
    from workflow.services import monitoring

    with app.session() as session:
        actor = services.actor_for(session, by)
        marked = monitoring.milestone_done(
            session, app.lifecycle, code, actor, app.clock.now(), number=number, on=on
        )
    done(marked, f"{code}: milestone {number} done on {marked['done_on']}", as_json)


@click.group()
def indicator() -> None:
    """A recommendation's indicators of success: add one, record an actual."""


@indicator.command("add")
@click.argument("code")
@click.option("--kind", required=True, help="cost, saving or outcome.")
@click.option("--name", required=True, help="What is measured.")
@click.option("--unit", help="Its unit: GBP, %, days ...")
@click.option("--baseline", type=float, help="Where it started.")
@click.option("--target", type=float, help="Where it should get to.")
@by_option
@json_option
@pass_app
def add_indicator(
    app: App,
    code: str,
    kind: str,
    name: str,
    unit: str | None,
    baseline: float | None,
    target: float | None,
    by: str | None,
    as_json: bool,
) -> None:
    """Add an indicator of success; it is numbered after those before it."""
    from workflow import services
    from workflow.services import monitoring

    with app.session() as session:
        actor = services.actor_for(session, by)
        added = monitoring.add_indicator(
            session, app.lifecycle, code, actor, app.clock.now(),
            kind=kind, name=name, unit=unit, baseline=baseline, target=target,
        )  # fmt: skip
    done(added, f"{code}: indicator {added['number']} added: {added['name']}", as_json)


@indicator.command("record")
@click.argument("code")
@click.argument("number", type=NUMBER)
@click.option("--value", required=True, type=float, help="The actual.")
@click.option("--on", type=DATE, help="The day it was measured (default: today).")
@by_option
@json_option
@pass_app
def record_indicator(
    app: App, code: str, number: int, value: float, on: date | None, by: str | None, as_json: bool
) -> None:
    """Record an actual of indicator NUMBER of CODE; the latest is shown as its actual."""
    from workflow import services
    from workflow.services import monitoring

    with app.session() as session:
        actor = services.actor_for(session, by)
        recorded = monitoring.record_indicator(
            session, app.lifecycle, code, actor, app.clock.now(), number=number, value=value, on=on
        )
    done(recorded, f"{code}: {recorded['name']} was {value:g} on {recorded['on']}", as_json)
