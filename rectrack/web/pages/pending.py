"""`/updates/pending`: the updates officers sent from links, for the clerk to accept or reject."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from rectrack.web import forms
from rectrack.web.deps import Db, Rectrack, requires
from rectrack.web.security import checked_form
from rectrack.web.templating import render
from workflow.errors import InputError, WorkflowError
from workflow.services import links
from workflow.services.accounts import SignedIn

router = APIRouter()
Form = Annotated[FormData, Depends(checked_form)]
Clerk = Annotated[SignedIn, requires("clerk")]


@router.get("/updates/pending")
def pending_page(request: Request, session: Db, viewer: Clerk) -> Response:
    return _page(request, session, viewer)


def _page(
    request: Request,
    session: Db,
    viewer: SignedIn,
    status: int = 200,
    failed: dict[str, Any] | None = None,
) -> Response:
    updates = links.pending_updates(session)
    return render(
        request, "pending.html", viewer, status, nav="pending", updates=updates, failed=failed
    )


@router.post("/updates/pending/{update_id}/accept")
def accept(
    request: Request, app: Rectrack, session: Db, viewer: Clerk, update_id: int, form: Form
) -> Response:
    try:
        done = links.accept_update(
            session, app.lifecycle, app.postbox, viewer.actor, update_id, app.clock.now()
        )
    except (WorkflowError, InputError) as error:
        return _refused(request, session, viewer, update_id, "accept", form, error)
    said = f"{done.code}: the update from {done.officer} is now a progress update"
    if done.proposed_target_date:
        said += "; the new target date proposed is for the committee to decide (amend)"
    return _back(request, said)


@router.post("/updates/pending/{update_id}/reject")
def reject(
    request: Request, app: Rectrack, session: Db, viewer: Clerk, update_id: int, form: Form
) -> Response:
    try:
        reason = forms.text(form, "reason")
        done = links.reject_update(
            session, app.lifecycle, app.postbox, viewer.actor, update_id, reason, app.clock.now()
        )
    except (WorkflowError, InputError) as error:
        return _refused(request, session, viewer, update_id, "reject", form, error)
    return _back(
        request, f"{done.code}: the update from {done.officer} is rejected; they are told why"
    )


def _refused(
    request: Request,
    session: Db,
    viewer: SignedIn,
    update_id: int,
    action: str,
    form: FormData,
    error: Exception,
) -> Response:
    """The list again, the refusal beside the update it came from, what was typed kept."""
    session.rollback()
    status = 409 if isinstance(error, WorkflowError) else 400
    failed = {
        "id": update_id,
        "action": action,
        "message": str(error),
        "field": getattr(error, "field", None),
        "values": {key: str(value) for key, value in form.items()},
    }
    return _page(request, session, viewer, status, failed)


def _back(request: Request, done: str) -> Response:
    request.session["flash"] = done
    return RedirectResponse("/updates/pending", status_code=303)
