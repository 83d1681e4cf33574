"""`/u/{token}`: the signed link in a reminder. The owner sends an update without an account.

GET shows the recommendation and the form and writes nothing (mail scanners follow
links); POST, with the form's CSRF token, sends the update once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from rectrack.web import forms
from rectrack.web.deps import Db, Rectrack
from rectrack.web.security import checked_form
from rectrack.web.templating import render
from workflow.errors import InputError
from workflow.records import RAGS
from workflow.services import links
from workflow.services.accounts import TokenRefused

router = APIRouter()
Form = Annotated[FormData, Depends(checked_form)]


def refused(request: Request, error: TokenRefused) -> Response:
    """The one page every link that cannot be used shows: why, and what to do instead."""
    status = 410 if error.gone else 403
    return render(request, "link_refused.html", None, status, message=str(error))


@router.get("/u/{token}")
def link_page(request: Request, app: Rectrack, session: Db, token: str) -> Response:
    try:
        view = links.open_link(session, app.lifecycle, token, app.clock.now())
    except TokenRefused as error:
        return refused(request, error)
    return render(request, "link.html", None, view=view, token=token, rags=RAGS, failed=None)


@router.post("/u/{token}")
def send_update(request: Request, app: Rectrack, session: Db, token: str, form: Form) -> Response:
    now = app.clock.now()
    try:
        view = links.open_link(session, app.lifecycle, token, now)
    except TokenRefused as error:
        return refused(request, error)
    try:
        proposed = links.Proposed(
            forms.text(form, "note"), forms.text(form, "rag"), forms.day(form, "target_date")
        )
        sent = links.submit_update(session, app.lifecycle, app.postbox, token, proposed, now)
    except TokenRefused as error:
        return refused(request, error)
    except InputError as error:
        session.rollback()
        failed = {
            "message": str(error),
            "field": getattr(error, "field", None),
            "values": {key: str(value) for key, value in form.items()},
        }
        context = {"view": view, "token": token, "rags": RAGS, "failed": failed}
        return render(request, "link.html", None, 400, **context)
    return render(request, "link_sent.html", None, sent=sent)
