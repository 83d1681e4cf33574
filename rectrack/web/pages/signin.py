"""Signing in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from rectrack.web.deps import Db, Rectrack, Viewer
from rectrack.web.security import checked_form, new_session
from rectrack.web.templating import render
from workflow.services.accounts import SignInHeldOff, SignInRefused, sign_in

router = APIRouter()
Form = Annotated[FormData, Depends(checked_form)]


def _next(target: object) -> str:
    """Where to go once signed in: a path of this site, never another site."""
    path = target if isinstance(target, str) else "/"
    return path if path.startswith("/") and not path.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, viewer: Viewer, next: str = "/") -> Response:
    if viewer is not None:
        return RedirectResponse(_next(next), status_code=303)
    return render(request, "login.html", None, email="", next=_next(next), error=None)


@router.post("/login")
def login(request: Request, app: Rectrack, session: Db, form: Form) -> Response:
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = _next(form.get("next"))
    try:
        person = sign_in(session, email, password, app.clock.now())
    except (SignInRefused, SignInHeldOff) as error:
        status = 429 if isinstance(error, SignInHeldOff) else 400
        context = {"email": email, "next": target, "error": error}
        return render(request, "login.html", None, status, **context)
    assert person.actor.person_id is not None
    new_session(request, person=person.actor.person_id, generation=person.generation)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, form: Form) -> Response:
    new_session(request)
    request.session["flash"] = "You have signed out."
    return RedirectResponse("/login", status_code=303)
