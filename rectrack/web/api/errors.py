"""The API's errors: always JSON `{"error": sentence, "field": name}`, never a page.

400 the input cannot be used; 401 no usable token; 403 the person's roles do not reach
it; 404 no such thing; 409 the workflow refused it (wrong state, a missing reason,
changed meanwhile). A refusal has written nothing.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from config.errors import RectrackError
from rectrack.web.api.auth import Unauthenticated
from rectrack.web.errors import status_of
from workflow.errors import (
    DatabaseNotReady,
    DatabaseUnreachable,
    InputError,
    NotFound,
    WorkflowError,
)


def refused(status: int, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status_code=status)


def _invalid(error: RequestValidationError) -> JSONResponse:
    """The first thing pydantic could not read, named by its field."""
    first = error.errors()[0]
    where = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = where[0] if where else None
    message = first.get("msg", "invalid input")
    return refused(400, f"{field}: {message}" if field else message, field)


def install(api: FastAPI) -> None:
    _install_bad_input(api)
    _install_refusals(api)


def _install_bad_input(api: FastAPI) -> None:
    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> Response:
        return _invalid(error)

    @api.exception_handler(Unauthenticated)
    async def unauthenticated(_: Request, error: Unauthenticated) -> Response:
        response = refused(401, error.message)
        response.headers["WWW-Authenticate"] = error.challenge
        return response

    @api.exception_handler(InputError)
    async def bad_input(_: Request, error: InputError) -> Response:
        return refused(400, str(error), getattr(error, "field", None))

    @api.exception_handler(NotFound)
    async def not_found(_: Request, error: NotFound) -> Response:
        return refused(404, f"there is {error}")


def _install_refusals(api: FastAPI) -> None:
    @api.exception_handler(WorkflowError)
    async def workflow_refused(_: Request, error: WorkflowError) -> Response:
        return refused(status_of(error), str(error), getattr(error, "field", None))

    @api.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> Response:
        if error.status_code == 404:
            return refused(404, "there is nothing at this address of the API")
        return refused(error.status_code, str(error.detail))

    @api.exception_handler(DatabaseNotReady)
    @api.exception_handler(DatabaseUnreachable)
    async def unavailable(_: Request, error: RectrackError) -> Response:
        return refused(503, f"rectrack cannot reach its database: {error}")
