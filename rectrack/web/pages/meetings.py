"""`/meetings/{id}`: a committee's review at one meeting, for its chair and the clerk.

What is due at the meeting, each with the committee's decisions this person may
record from where it stands. Each decision's form carries the meeting's body as
`endorsed_by` and its day as `on` (hidden: the chair types only what is theirs) and
posts to `/meetings/{id}/recs/{code}/events/{event}`, the fields named as on
`/recs/{code}`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from rectrack.web import forms
from rectrack.web.deps import Db, Person, Rectrack
from rectrack.web.errors import status_of
from rectrack.web.security import checked_form
from rectrack.web.templating import render
from workflow import services
from workflow.errors import WorkflowError
from workflow.services.accounts import SignedIn

router = APIRouter()
Form = Annotated[FormData, Depends(checked_form)]
HIDDEN = ("endorsed_by", "on")  # filled in from the meeting


@router.get("/meetings/{meeting_id:int}")
def review(
    request: Request, app: Rectrack, session: Db, viewer: Person, meeting_id: int
) -> Response:
    return _page(request, app, session, viewer, meeting_id)


@router.post("/meetings/{meeting_id:int}/recs/{code:path}/events/{event}")
def decide(
    request: Request,
    app: Rectrack,
    session: Db,
    viewer: Person,
    meeting_id: int,
    code: str,
    event: str,
    form: Form,
) -> Response:
    services.reviewed_meeting(session, app.lifecycle, meeting_id, viewer.actor)
    try:
        asked = forms.asked(event, form)
        outcome = services.act(session, app.lifecycle, code, viewer.actor, asked, app.clock.now())
    except (WorkflowError, ValueError) as error:
        session.rollback()
        failed = {
            "status": status_of(error),
            "code": code,
            "event": event,
            "message": str(error),
            "field": getattr(error, "field", None),
            "values": {key: str(value) for key, value in form.items()},
        }
        return _page(request, app, session, viewer, meeting_id, failed)
    request.session["flash"] = forms.done(code, outcome, asked)
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


def _page(
    request: Request,
    app: Rectrack,
    session: Db,
    viewer: SignedIn,
    meeting_id: int,
    failed: dict[str, Any] | None = None,
) -> Response:
    found = services.meeting_review(session, app.lifecycle, meeting_id, viewer.actor)
    ours = services.committee_events(app.lifecycle)
    events = {spec.name: (spec, forms.fields_of(spec)) for spec in app.table.events}
    events = {name: form for name, form in events.items() if name in ours}
    if failed:
        failed["target"] = _target(found, failed, events)
    status = failed["status"] if failed else 200
    return render(
        request, "meeting.html", viewer, status, review=found, events=events, HIDDEN=HIDDEN,
        failed=failed,
    )  # fmt: skip


def _target(found: services.Review, failed: dict[str, Any], events: dict[str, Any]) -> str | None:
    """The id of the element a refusal's summary links to: the field, or its form's message."""
    fields = events[failed["event"]][1] if failed["event"] in events else []
    for prefix, items in (("i", found.due), ("in", found.noted)):
        for index, item in enumerate(items, 1):
            if item.rec.code == failed["code"] and failed["event"] in item.events:
                shown = failed["field"] in fields and failed["field"] not in HIDDEN
                return f"{prefix}{index}-{failed['event']}-{failed['field'] if shown else 'error'}"
    return None
