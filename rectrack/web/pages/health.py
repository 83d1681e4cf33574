"""`/healthz`: the database is reachable and migrated (for a load balancer, or a person)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from rectrack.schema import HEAD
from rectrack.web.deps import Rectrack
from workflow.errors import InputError

router = APIRouter()


@router.get("/healthz")
def healthz(app: Rectrack) -> JSONResponse:
    try:
        app.ensure_ready()
    except InputError as error:  # unreachable, or not migrated
        return JSONResponse({"status": "unavailable", "reason": str(error)}, status_code=503)
    return JSONResponse({"status": "ok", "schema": HEAD})
