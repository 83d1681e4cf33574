"""Commands that show: the tracker, one recommendation, the workflow, the settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from config import WorkflowTable
from rectrack.cli.app import App, pass_app
from rectrack.cli.options import json_option
from rectrack.cli.output import detail, emit_json, table, tracker
from workflow.records import RAGS

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def recs() -> None:
    """The recommendations: the tracker table and each one in full."""


def filter_options(function: F) -> F:
    """The tracker's filters, shared by `recs list` and `recs count`."""
    options = [
        click.option("--state", "states", multiple=True, metavar="STATE", help="In these states."),
        click.option("--rag", "rags", multiple=True, type=click.Choice(RAGS), help="This RAG."),
        click.option("--outcome", "outcomes", multiple=True, metavar="O", help="Closed so."),
        click.option("--group", "groups", multiple=True, metavar="G", help="In this group."),
        click.option("--owner", metavar="EMAIL", help="Those this officer owns."),
        click.option("--report", metavar="REF", help="Those of this report."),
        click.option("--body", metavar="BODY", help="Those the body made."),
        click.option(
            "--overdue", is_flag=True, help="Target date passed, not yet reported implemented."
        ),
        click.option("--rebased", is_flag=True, help="The target moved from its baseline."),
        click.option(
            "--awaiting-response", is_flag=True, help="Still waiting for the executive's response."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _filters(**given: Any) -> Any:
    from workflow import services

    return services.RecFilters(**given)


@recs.command("list")
@filter_options
@json_option
@pass_app
def list_recs(app: App, /, as_json: bool, **filters: Any) -> None:
    """The tracker: every recommendation with its state, owner and dates."""
    from workflow import services

    with app.session() as session:
        rows = services.list_recommendations(session, app.table, app.today(), _filters(**filters))
    if as_json:
        emit_json(rows)
    else:
        click.echo(tracker(rows))


@recs.command("count")
@click.option(
    "--by", "by", required=True, metavar="FIELD", help="state, rag, outcome, group, owner, report."
)
@filter_options
@json_option
@pass_app
def count_recs(app: App, /, by: str, as_json: bool, **filters: Any) -> None:
    """How many recommendations have each value of a field, most first."""
    from workflow import services

    with app.session() as session:
        counts = services.count_recommendations(
            session, app.table, app.today(), by, _filters(**filters)
        )
    if as_json:
        emit_json([{by: value, "count": count} for value, count in counts])
    else:
        rows = [(value or "-", f"{count:,}") for value, count in counts]
        total = sum(count for _, count in counts)
        click.echo(table([*rows, ("total", f"{total:,}")], (by.upper(), "COUNT")))


@recs.command("show")
@click.argument("code")
@json_option
@pass_app
def show_rec(app: App, code: str, as_json: bool) -> None:
    """One recommendation with its response, updates, amendments and history."""
    from workflow import services

    with app.session() as session:
        view = services.show_recommendation(session, code)
    if as_json:
        emit_json(view)
    else:
        click.echo(detail(view, app.settings.timezone))


@click.group("workflow")
def workflow_group() -> None:
    """The lifecycle in force."""


@workflow_group.command("show")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "mermaid"]), default="text", show_default=True
)
@json_option
@pass_app
def show_workflow(app: App, fmt: str, as_json: bool) -> None:
    """The lifecycle table, or its diagram in Mermaid."""
    if as_json:
        emit_json([{**spec.__dict__} for spec in app.table.events])
    elif fmt == "mermaid":
        click.echo(mermaid(app.table))
    else:
        click.echo(workflow_text(app.table))


def workflow_text(flow: WorkflowTable) -> str:
    rows = [
        (
            spec.name,
            ", ".join(spec.sources),
            spec.dest + (f" ({'/'.join(spec.outcomes)})" if spec.outcomes else ""),
            ", ".join(spec.needs) or "-",
            ", ".join(spec.roles) or "anyone",
        )
        for spec in flow.events
    ]
    events = table(rows, ("EVENT", "FROM", "TO", "NEEDS", "WHO MAY"))
    return f"{events}\n\n{_states_text(flow)}"


def _states_text(flow: WorkflowTable) -> str:
    """What the table says of its states: where one starts and ends, which are open."""
    rows = [
        ("initial", flow.initial, "where a recommendation starts"),
        ("final", ", ".join(flow.final), "nothing leaves them"),
        ("open", ", ".join(flow.open), "still acted on: notices are about these"),
        ("overdue", ", ".join(flow.overdue), "a passed target date is overdue in these"),
    ]
    return table(rows, ("STATES", "WHICH", "MEANING"))


def mermaid(flow: WorkflowTable) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {flow.initial}"]
    for spec in flow.events:
        lines += [f"    {source} --> {spec.dest}: {spec.name}" for source in spec.sources]
    lines += [f"    {state} --> [*]" for state in flow.final]
    return "\n".join(lines)


@click.group("config")
def config_group() -> None:
    """The settings in force."""


@config_group.command("show")
@json_option
@pass_app
def show_config(app: App, as_json: bool) -> None:
    """Every setting, where it came from, secrets masked."""
    shown = app.settings.shown()
    if as_json:
        emit_json(shown)
        return
    source = app.settings.sources
    click.echo(f"# config file: {app.settings.config_file or '(none)'}")
    click.echo(
        table(
            [(key, value, source.get(key, "")) for key, value in shown.items()],
            ("SETTING", "VALUE", "FROM"),
        )
    )
