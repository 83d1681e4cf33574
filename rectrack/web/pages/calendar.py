"""`/calendar`: a person's own address for the committee's calendar, and the feed itself.

The feed (`/calendar/{token}.ics`) is read by calendar applications, which cannot sign
in: the secret address is the key. GET of the page never makes one (a prefetch must
not withdraw the address someone subscribed to); a POST makes a new one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from rectrack import papers
from rectrack.web.deps import Db, Person, Rectrack
from rectrack.web.errors import page
from rectrack.web.security import checked_form
from rectrack.web.templating import render
from workflow.services.accounts import TokenRefused
from workflow.services.feeds import calendar_holder, new_calendar_token

router = APIRouter()
NO_FEED = "There is no calendar at this address: it may have been replaced by a newer one."


@router.get("/calendar")
def calendar_page(request: Request, viewer: Person) -> Response:
    return render(request, "calendar.html", viewer, address=None)


@router.post("/calendar")
def new_address(
    request: Request,
    app: Rectrack,
    session: Db,
    viewer: Person,
    _: Annotated[FormData, Depends(checked_form)],
) -> Response:
    token = new_calendar_token(session, viewer.actor, app.clock.now())
    address = f"{app.settings.web_base_url.rstrip('/')}/calendar/{token}.ics"
    return render(request, "calendar.html", viewer, address=address)


@router.get("/calendar/{token}.ics")
def feed(request: Request, app: Rectrack, session: Db, token: str) -> Response:
    try:
        calendar_holder(session, token, app.clock.now())
    except TokenRefused:
        return page(request, 404, NO_FEED)
    ics = papers.calendar_file(app, session)
    return Response(ics, media_type="text/calendar; charset=utf-8")
