"""`/invite/{token}`: the link in an invitation. The person chooses a password and is signed in.

GET shows the form and writes nothing; POST, with the CSRF token, sets the password once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from rectrack.web.deps import Db, Rectrack
from rectrack.web.pages.links import refused
from rectrack.web.security import checked_form, new_session
from rectrack.web.templating import render
from workflow.errors import BadInput
from workflow.services import invitations
from workflow.services.accounts import TokenRefused

router = APIRouter()
Form = Annotated[FormData, Depends(checked_form)]


@router.get("/invite/{token}")
def invitation_page(request: Request, app: Rectrack, session: Db, token: str) -> Response:
    try:
        person = invitations.open_invitation(session, token, app.clock.now())
    except TokenRefused as error:
        return refused(request, error)
    return render(request, "invite.html", None, person=person, token=token, error=None)


@router.post("/invite/{token}")
def choose_password(
    request: Request, app: Rectrack, session: Db, token: str, form: Form
) -> Response:
    password, repeated = str(form.get("password", "")), str(form.get("password_again", ""))
    now = app.clock.now()
    try:
        person = invitations.open_invitation(session, token, now)
    except TokenRefused as error:
        return refused(request, error)
    try:
        signed_in = invitations.accept_invitation(session, token, password, repeated, now)
    except TokenRefused as error:
        return refused(request, error)
    except BadInput as error:  # the passwords are never sent back to the page
        session.rollback()
        context = {"person": person, "token": token, "error": error}
        return render(request, "invite.html", None, 400, **context)
    assert signed_in.actor.person_id is not None
    new_session(request, person=signed_in.actor.person_id, generation=signed_in.generation)
    request.session["flash"] = "Your password is set, and you are signed in."
    return RedirectResponse("/", status_code=303)
