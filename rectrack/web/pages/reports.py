"""`/reports/{ref}`: the executive's response to a whole report, in one form.

Each recommendation awaiting a response is a row of the form; its fields take the
command line's names prefixed by its code: `CCS/09/b.decision`, `CCS/09/b.timescale`,
`CCS/09/b.comment`, `CCS/09/b.reason`. One `on` (the day it was decided) serves
them all. A row left without a decision is not answered now; the rows answered are
recorded together, or (on any refusal, shown at its row) none of them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from rectrack.web import forms
from rectrack.web.deps import Db, Rectrack, requires
from rectrack.web.errors import status_of
from rectrack.web.security import checked_form
from rectrack.web.templating import render
from reports.wording import DECISIONS
from workflow import services
from workflow.errors import BadInput, RectrackError, WorkflowError
from workflow.records import Outcome
from workflow.services.accounts import SignedIn

router = APIRouter()
Form = Annotated[FormData, Depends(checked_form)]
Responder = Annotated[SignedIn, requires("executive", "clerk")]
ROW_FIELDS = ("decision", "timescale", "comment", "reason")


@router.get("/reports/{ref:path}")
def response_form(
    request: Request, app: Rectrack, session: Db, viewer: Responder, ref: str
) -> Response:
    return _page(request, app, session, viewer, ref)


@router.post("/reports/{ref:path}")
def record_responses(
    request: Request, app: Rectrack, session: Db, viewer: Responder, ref: str, form: Form
) -> Response:
    sheet = services.response_sheet(session, app.table, ref, app.today())
    try:
        answers = [answer for rec in sheet.awaiting if (answer := _answer(form, rec.code))]
        outcomes = services.respond_each(
            session, app.lifecycle, answers, viewer.actor, app.clock.now(), on=forms.day(form, "on")
        )
    except (WorkflowError, ValueError) as error:
        session.rollback()
        return _page(request, app, session, viewer, ref, _failed(error, form))
    request.session["flash"] = _done(answers, outcomes)
    return RedirectResponse(f"/reports/{ref}", status_code=303)


def _answer(form: FormData, code: str) -> services.Answer | None:
    """The row of `code`, or None if left empty; raise BadInput naming the code if the
    row cannot be read, or holds words or a date with no decision to go with them."""
    row = FormData([(name, form.get(f"{code}.{name}") or "") for name in ROW_FIELDS])
    try:
        decision = forms.text(row, "decision")
        timescale = forms.day(row, "timescale")
        comment, reason = forms.text(row, "comment"), forms.text(row, "reason")
    except BadInput as error:
        raise BadInput(str(error.field), error.reason, code) from None
    if decision is None:
        if timescale or comment or reason:  # what was typed would be lost without a word
            raise BadInput("decision", f"choose a decision for {code}, or clear its row", code)
        return None
    return services.Answer(code, decision, timescale, comment, reason)


def _failed(error: RectrackError | ValueError, form: FormData) -> dict[str, Any]:
    """What the page shows of a refusal: its sentence, the row and field it is about, and
    what was typed."""
    code = getattr(error, "code", None) or None
    return {
        "status": status_of(error),
        "message": str(error),
        "code": code,
        "field": getattr(error, "field", None),
        "values": {key: str(value) for key, value in form.items()},
    }


def _located(failed: dict[str, Any], codes: list[str]) -> dict[str, Any]:
    """Where on the page a refusal is shown: the row (by code) and the element its summary
    links to. A refusal of the whole form's decisions is shown at the first row."""
    field, code = failed["field"], failed["code"]
    if field == "on":
        return {"row": None, "target": "on"}
    if code is None and field == "decision" and codes:
        code = codes[0]
    if code not in codes:
        return {"row": None, "target": None}
    row = f"r{codes.index(code) + 1}"
    return {"row": code, "target": f"{row}-{field}" if field in ROW_FIELDS else row}


def _done(answers: list[services.Answer], outcomes: list[Outcome]) -> str:
    said = (
        f"{answer.code} {DECISIONS.get(outcome.event, outcome.event).lower()}"
        for answer, outcome in zip(answers, outcomes, strict=True)
    )
    return f"Responses recorded: {', '.join(said)}."


def _page(
    request: Request,
    app: Rectrack,
    session: Db,
    viewer: SignedIn,
    ref: str,
    failed: dict[str, Any] | None = None,
) -> Response:
    sheet = services.response_sheet(session, app.table, ref, app.today())
    decisions = services.response_decisions(app.lifecycle)
    # Which decisions need each field, from the workflow table: the fields' hints say so.
    needed_by = {
        name: [spec.name for spec in decisions if name in spec.needs] for name in ROW_FIELDS
    }
    if failed:
        failed |= _located(failed, [rec.code for rec in sheet.awaiting])
    status = failed["status"] if failed else 200
    return render(
        request, "report.html", viewer, status, sheet=sheet, decisions=decisions,
        needed_by=needed_by, failed=failed,
    )  # fmt: skip
