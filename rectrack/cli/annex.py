"""`annex`: the tracker annex for a committee's papers, as HTML, PDF or XLSX."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rectrack.app import App
from rectrack.cli.app import pass_app
from rectrack.cli.options import DATE

if TYPE_CHECKING:
    from reports.annex import Annex

FORMATS = ("html", "pdf", "xlsx")


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
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="The paper.")
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
    from reports.annex import build_annex
    from workflow.services.annex import AnnexChoice, annex_records

    choice = AnnexChoice(body=body, reports=reports, meeting=meeting)
    with app.session() as session:
        records = annex_records(session, app.table, app.today(), choice)
    paper = build_annex(records, app.table.states, public=public)
    output.write_bytes(_rendered(paper, fmt, app.settings.templates_directory))
    count = len(records.recommendations)
    click.echo(f"{output}: the annex of {count} recommendation{'s' * (count != 1)} ({fmt})")


def _rendered(paper: Annex, fmt: str, templates: Path | None) -> bytes:
    if fmt == "xlsx":
        from reports.xlsx import annex_to_xlsx

        return annex_to_xlsx(paper)
    from reports.html import render_html

    html = render_html(paper, templates)
    if fmt == "html":
        return html.encode("utf-8")
    from reports.pdf import html_to_pdf

    return html_to_pdf(html)
