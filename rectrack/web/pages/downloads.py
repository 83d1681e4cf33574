"""`/recs.csv` and `/recs.xlsx`: the tracker as shown, its filters and search applied.

The CSV is the interchange CSV (`rectrack export --format csv`), so a download can be
edited and imported again; the workbook is the annex's (`rectrack annex --format xlsx`).
"""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from rectrack import papers
from rectrack.web.deps import Db, Person, Rectrack
from rectrack.web.pages.recs import TrackerQuery
from workflow import services
from workflow.services.annex import AnnexChoice

router = APIRouter()
Query = Annotated[TrackerQuery, Depends()]


def download(content: bytes, media_type: str, filename: str) -> Response:
    """A file the browser saves rather than shows."""
    disposition = f'attachment; filename="{filename}"'
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def _codes(app: Rectrack, session: Db, query: TrackerQuery) -> frozenset[str]:
    """The codes the tracker shows for `query`, on every page."""
    rows = services.list_recommendations(session, app.table, app.today(), query.filters)
    return frozenset(row["code"] for row in rows if query.matches(row))


@router.get("/recs.csv")
def tracker_csv(app: Rectrack, session: Db, _: Person, query: Query) -> Response:
    stream = io.StringIO()
    services.export_recommendations_csv(session, stream, _codes(app, session, query))
    name = f"recommendations-{app.today().isoformat()}.csv"
    return download(stream.getvalue().encode("utf-8"), "text/csv; charset=utf-8", name)


@router.get("/recs.xlsx")
def tracker_xlsx(app: Rectrack, session: Db, _: Person, query: Query) -> Response:
    paper = papers.annex(app, session, AnnexChoice(codes=_codes(app, session, query)))
    name = f"recommendations-{app.today().isoformat()}.xlsx"
    return download(papers.annex_file(app, paper, "xlsx"), papers.MEDIA_TYPES["xlsx"], name)
