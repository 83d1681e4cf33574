"""`/public`: the tracker as the public may read it, when `[web] public = true`.

It is the annex for publication (`rectrack annex --public`): an exempt item shows its
code, stage and the reason only. No person is named on it, so no address can leak.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from rectrack import papers
from rectrack.web.deps import Db, Rectrack
from rectrack.web.templating import render
from workflow.services.annex import AnnexChoice

router = APIRouter()


@router.get("/public")
def public_tracker(request: Request, app: Rectrack, session: Db) -> Response:
    if not app.settings.web_public:
        raise HTTPException(404)
    paper = papers.annex(app, session, AnnexChoice(), public=True)
    return render(request, "public.html", None, paper=paper)
