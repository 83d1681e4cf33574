"""`/annex` and `/stats`: the committee's papers on screen, and as the files the
commands write (`rectrack annex`, `rectrack stats --json`).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from rectrack import papers
from rectrack.web.deps import Db, Person, Rectrack
from rectrack.web.errors import page
from rectrack.web.pages.downloads import download
from rectrack.web.templating import render
from reports import stats as figures_paper
from workflow import services, store
from workflow.errors import BadInput, InputError, NotFound
from workflow.papers import ImpactFigures
from workflow.services.annex import AnnexChoice

router = APIRouter()


def _day(value: str, field: str) -> date | None:
    """A day from the address's query (a date input sends YYYY-MM-DD); None if empty."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(field, f"the {field} {value!r} is not a date like 2027-03-31") from None


class AnnexQuery:
    """The choices of `rectrack annex`: body, reports, meeting day, public."""

    def __init__(
        self,
        body: str = "",
        report: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads, never mutates
        meeting: str = "",
        public: bool = False,
    ) -> None:
        self.body, self.meeting, self.public = body.strip(), meeting.strip(), public
        self.reports = tuple(ref.strip() for ref in report if ref.strip())

    def choice(self) -> AnnexChoice:
        """What to show; raise BadInput for a meeting day that is not a date."""
        day = _day(self.meeting, "meeting")
        return AnnexChoice(body=self.body or None, reports=self.reports, meeting=day)


class StatsQuery:
    """The period and body of `rectrack stats`."""

    def __init__(
        self, start: Annotated[str, Query(alias="from")] = "", to: str = "", body: str = ""
    ) -> None:
        self.start, self.to, self.body = start.strip(), to.strip(), body.strip()


def _status(error: InputError | None) -> int:
    if error is None:
        return 200
    return 404 if isinstance(error, NotFound) else 400


def _context(session: Db, nav: str, query: object) -> dict[str, Any]:
    """What each paper's page shows around the paper: its choices, and no error yet."""
    bodies = sorted(store.body_names_by_id(session=session).values())
    return {"nav": nav, "query": query, "bodies": bodies, "error": None}


@router.get("/annex")
def annex_page(
    request: Request, app: Rectrack, session: Db, viewer: Person,
    query: Annotated[AnnexQuery, Depends()],
) -> Response:  # fmt: skip
    context = _context(session, "annex", query) | {"formats": papers.ANNEX_FORMATS}
    try:
        context |= {"paper": papers.annex(app, session, query.choice(), query.public)}
    except InputError as error:
        context |= {"paper": None, "error": error}
    return render(request, "annex.html", viewer, _status(context["error"]), **context)


@router.get("/annex.{fmt}")
def annex_file(
    request: Request, app: Rectrack, session: Db, _: Person, fmt: str,
    query: Annotated[AnnexQuery, Depends()],
) -> Response:  # fmt: skip
    if fmt not in papers.ANNEX_FORMATS:
        return page(request, 404, "There is no page at this address.")
    try:
        paper = papers.annex(app, session, query.choice(), query.public)
    except InputError as error:
        return page(request, _status(error), f"{error}.")
    name = f"annex-{paper.on.isoformat()}{'-public' if query.public else ''}.{fmt}"
    return download(papers.annex_file(app, paper, fmt), papers.MEDIA_TYPES[fmt], name)


def _figures(app: Rectrack, session: Db, query: StatsQuery) -> ImpactFigures:
    start, end = _day(query.start, "from"), _day(query.to, "to")
    return services.impact_figures(
        session, app.table, app.today(), start=start, end=end, body=query.body or None
    )


@router.get("/stats")
def stats_page(
    request: Request, app: Rectrack, session: Db, viewer: Person,
    query: Annotated[StatsQuery, Depends()],
) -> Response:  # fmt: skip
    context = _context(session, "stats", query) | {"figures": None}
    try:
        figures = _figures(app, session, query)
    except InputError as error:
        context["error"] = error
    else:
        heading, lines = figures_paper.heading(figures), figures_paper.lines(figures)
        context |= {"figures": figures, "heading": heading, "lines": lines}
    return render(request, "stats.html", viewer, _status(context["error"]), **context)


@router.get("/stats.json")
def stats_json(request: Request, app: Rectrack, session: Db, _: Person,
    query: Annotated[StatsQuery, Depends()],
) -> Response:  # fmt: skip
    try:
        figures = _figures(app, session, query)
    except InputError as error:
        refusal = {"error": str(error), "field": getattr(error, "field", None)}
        return JSONResponse(refusal, _status(error))
    content = json.dumps(figures_paper.as_json(figures), indent=2, ensure_ascii=False)
    name = f"figures-{figures.today.isoformat()}.json"
    return download(content.encode("utf-8"), "application/json", name)
