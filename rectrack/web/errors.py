"""What a person sees when a page cannot be shown: a page that says why, never a traceback.

The API (`/api/...`) answers the same errors as JSON: `{"error": sentence, "field": name}`.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from config.errors import RectrackError
from rectrack.web.deps import Forbidden, SignInRequired
from rectrack.web.security import CsrfRefused
from rectrack.web.templating import render
from workflow.errors import (
    DatabaseNotReady,
    DatabaseUnreachable,
    NotAllowed,
    NotFound,
    TransitionRefused,
    WorkflowError,
)

CSRF_REFUSED = (
    "This form had expired, or came from another site, so nothing was saved."
    " Go back, reload the page and try again."
)
TITLES = {403: "You may not see this page", 404: "Page not found", 503: "Not available"}


def status_of(error: Exception) -> int:
    """The HTTP status that answers a refusal, for the pages and the API alike: 404 no such
    thing, 403 the person's roles do not reach it, 409 the workflow refused it, 503 the
    database cannot be used, 400 the input cannot be used.
    """
    if isinstance(error, DatabaseNotReady | DatabaseUnreachable):
        return 503
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, NotAllowed) or (isinstance(error, TransitionRefused) and error.role):
        return 403
    return 409 if isinstance(error, WorkflowError) else 400


def page(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    title = TITLES.get(status, "Something went wrong")
    return render(request, "error.html", None, status, title=title, message=message)


def install(web: FastAPI) -> None:
    @web.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, _: SignInRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "a bearer token is required"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @web.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        return page(request, 403, f"This page is for {error.needs}.")

    @web.exception_handler(NotAllowed)
    async def not_allowed(request: Request, error: NotAllowed) -> Response:
        return page(request, 403, f"{error}.")

    @web.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _: CsrfRefused) -> Response:
        return page(request, 403, CSRF_REFUSED)

    @web.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return page(request, 404, f"There is {error}.")

    @web.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if error.status_code == 404:
            return page(request, 404, "There is no page at this address.")
        return page(request, error.status_code, str(error.detail))

    @web.exception_handler(DatabaseNotReady)
    @web.exception_handler(DatabaseUnreachable)
    async def unavailable(request: Request, error: RectrackError) -> Response:
        return page(request, 503, f"rectrack cannot reach its database: {error}.")
