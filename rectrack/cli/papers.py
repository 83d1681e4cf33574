"""Commands that make the committee's papers: the annual report's figures, the calendar."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from rectrack.cli.app import App, pass_app
from rectrack.cli.options import DATE, json_option
from rectrack.cli.output import emit_json


@click.command()
@click.option("--from", "start", type=DATE, help="Reports submitted on or after this day.")
@click.option("--to", "end", type=DATE, help="Reports submitted on or before this day.")
@click.option("--body", metavar="BODY", help="Only the recommendations this body made.")
@json_option
@pass_app
def stats(app: App, start: date | None, end: date | None, body: str | None, as_json: bool) -> None:
    """The annual scrutiny report's figures for the recommendations made in a period."""
    from reports import stats as paper
    from workflow import services

    if start and end and start > end:
        raise click.BadParameter(f"{start} is after --to {end}", param_hint="--from")
    with app.session() as session:
        figures = services.impact_figures(
            session, app.table, app.today(), start=start, end=end, body=body
        )
    if as_json:
        emit_json(paper.as_json(figures))
    else:
        click.echo(paper.text(figures))


@click.command("calendar")
@click.option("--body", metavar="BODY", help="Only this body's meetings and recommendations.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .ics file to write (default: standard output).",
)
@pass_app
def calendar_(app: App, body: str | None, output: Path | None) -> None:
    """The meetings and monitoring dates as an iCalendar file that updates in place."""
    from rectrack.papers import calendar_file

    with app.session() as session:
        ics = calendar_file(app, session, body)
    _write(ics, output)


def _write(content: bytes, output: Path | None) -> None:
    """To standard output, or to a file that appears whole or not at all."""
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    partial = output.with_name(output.name + ".partial")
    try:
        partial.write_bytes(content)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
