"""The committee's papers as files: the annex (HTML, PDF, XLSX) and the calendar.

The command line and the web app both make them here, so a paper downloaded from
the web is byte for byte the file `rectrack annex` or `rectrack calendar` writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rectrack.app import App

if TYPE_CHECKING:
    from sqlmodel import Session

    from reports.annex import Annex
    from workflow.services.annex import AnnexChoice

ANNEX_FORMATS = ("html", "pdf", "xlsx")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CALENDAR_NAME = "Scrutiny meetings and monitoring dates"


def annex(app: App, session: Session, choice: AnnexChoice, public: bool = False) -> Annex:
    """The annex laid out as of today (or the meeting's day); `public` redacts exempt items."""
    from reports.annex import build_annex
    from workflow.services.annex import annex_records

    records = annex_records(session, app.table, app.today(), choice)
    return build_annex(records, app.table.states, public=public)


def annex_file(app: App, paper: Annex, fmt: str) -> bytes:
    """The annex as the bytes of one of ANNEX_FORMATS."""
    if fmt == "xlsx":
        from reports.xlsx import annex_to_xlsx

        return annex_to_xlsx(paper)
    from reports.html import render_html

    html = render_html(paper, app.settings.templates_directory)
    if fmt == "html":
        return html.encode("utf-8")
    from reports.pdf import html_to_pdf

    return html_to_pdf(html)


def calendar_file(app: App, session: Session, body: str | None = None) -> bytes:
    """The meetings and monitoring dates (of one body, if given) as an iCalendar file."""
    from reports.calendar import calendar
    from workflow import services

    meetings, dates = services.calendar_entries(session, app.table, body)
    return calendar(
        meetings,
        dates,
        name=body or CALENDAR_NAME,
        domain=app.settings.sender.domain,
        stamp=app.clock.now(),
        tz=app.settings.timezone,
    )
