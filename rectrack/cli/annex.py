"""`annex`: the tracker annex for a committee's papers, as HTML, PDF or XLSX."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from rectrack.app import App
from rectrack.cli.app import pass_app
from rectrack.cli.options import DATE
from rectrack.papers import ANNEX_FORMATS


@click.command()
@click.option("--body", metavar="B", help="The recommendations this body made.")
@click.option("--report", "reports", multiple=True, metavar="REF", help="This report's (again).")
@click.option(
    "--meeting",
    type=DATE,
    help="What is due at a meeting on this day: open, monitored on or before it.",
)
@click.option(
    "--public", is_flag=True, help="For publication: exempt items by code, state and reason only."
)
@click.option("--format", "fmt", type=click.Choice(ANNEX_FORMATS), required=True, help="The paper.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    metavar="FILE",
    help="Where it is written.",
)
@pass_app
def annex(
    app: App,
    body: str | None,
    reports: tuple[str, ...],
    meeting: date | None,
    public: bool,
    fmt: str,
    output: Path,
) -> None:
    """The tracker annex for the committee's papers: HTML, PDF or XLSX."""
    from rectrack import papers
    from workflow.services.annex import AnnexChoice

    choice = AnnexChoice(body=body, reports=reports, meeting=meeting)
    with app.session() as session:
        paper = papers.annex(app, session, choice, public)
    output.write_bytes(papers.annex_file(app, paper, fmt))
    count = len(paper.recs())
    click.echo(f"{output}: the annex of {count} recommendation{'s' * (count != 1)} ({fmt})")
