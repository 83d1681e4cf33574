"""The tracker (`/recs`) and one recommendation (`/recs/{code}`), with its forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from rectrack.app import App
from rectrack.web import forms
from rectrack.web.deps import Db, Person, Rectrack
from rectrack.web.errors import status_of
from rectrack.web.security import checked_form
from rectrack.web.templating import render
from workflow import services
from workflow.errors import InputError, WorkflowError
from workflow.records import RAGS
from workflow.services.accounts import SignedIn

router = APIRouter()
Form = Annotated[FormData, Depends(checked_form)]
PAGE_SIZE = 50
SORTS = {
    "code": lambda row: row["code"],
    "state": lambda row: row["state"],
    "target_date": lambda row: row["target_date"] or "9999",
    "monitoring_date": lambda row: row["monitoring_date"] or "9999",
    "rag": lambda row: row["rag"] or "",
    "owner": lambda row: row["owner"] or "",
}


class TrackerQuery:
    """The tracker's filters, search, sort and page, from the address's query."""

    def __init__(
        self,
        state: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads, never mutates
        rag: Annotated[list[str], Query()] = [],  # noqa: B006
        owner: str = "",
        report: str = "",
        overdue: bool = False,
        rebased: bool = False,
        awaiting: bool = False,
        q: str = "",
        sort: str = "code",
        page: int = 1,
    ) -> None:
        self.filters = services.RecFilters(
            states=tuple(value for value in state if value),  # "Any" sends an empty value
            rags=tuple(value for value in rag if value),
            owner=owner or None,
            report=report or None,
            overdue=overdue,
            rebased=rebased,
            awaiting_response=awaiting,
        )
        self.q, self.sort = q.strip(), sort if sort in SORTS else "code"
        self.page = max(page, 1)

    def matches(self, row: dict[str, Any]) -> bool:
        needle = self.q.lower()
        return not needle or needle in row["code"].lower() or needle in row["text"].lower()


@router.get("/recs")
def tracker(
    request: Request,
    app: Rectrack,
    session: Db,
    viewer: Person,
    query: Annotated[TrackerQuery, Depends()],
) -> Response:
    try:
        rows = services.list_recommendations(session, app.table, app.today(), query.filters)
    except InputError as error:  # a filter naming what is not there: said above the table
        return _tracker_page(request, app, session, viewer, query, [], 400, str(error))
    return _tracker_page(request, app, session, viewer, query, rows)


def _tracker_page(
    request: Request,
    app: Rectrack,
    session: Db,
    viewer: SignedIn,
    query: TrackerQuery,
    rows: list[dict[str, Any]],
    status: int = 200,
    error: str | None = None,
) -> Response:
    context = tracker_context(app, session, query, rows, error)
    return render(request, "recs.html", viewer, status, **context)


def tracker_context(
    app: App,
    session: Session,
    query: TrackerQuery,
    rows: list[dict[str, Any]],
    error: str | None = None,
) -> dict[str, Any]:
    """What the tracker's template is given: the page of rows asked for, and its choices."""
    found = sorted(filter(query.matches, rows), key=SORTS[query.sort])
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(query.page, pages)
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return dict(
        rows=shown, found=len(found), page=page, pages=pages, query=query,
        states=app.table.states, rags=RAGS, sorts=list(SORTS), error=error, nav="recs",
        names=_names(session),
    )  # fmt: skip


@router.get("/recs/{code:path}")
def recommendation(
    request: Request, app: Rectrack, session: Db, viewer: Person, code: str
) -> Response:
    return _rec_page(request, app, session, viewer, code)


def _rec_page(
    request: Request,
    app: Rectrack,
    session: Db,
    viewer: SignedIn,
    code: str,
    status: int = 200,
    failed: dict[str, Any] | None = None,
) -> Response:
    context = rec_context(app, session, viewer, code, failed)
    return render(request, "rec.html", viewer, status, **context)


def rec_context(
    app: App, session: Session, viewer: SignedIn, code: str, failed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What a recommendation's template is given: it in full, and the forms `viewer` may use."""
    rec = services.show_recommendation(session, code)
    may = services.choices(session, app.lifecycle, code, viewer.actor)
    events = [app.table.event(name) for name in may.events]
    event_forms = [(spec, forms.fields_of(spec)) for spec in events if spec is not None]
    return dict(
        rec=rec, may=may, event_forms=event_forms, bodies=_body_names(session), rags=RAGS,
        failed=failed, names=_names(session), nav="recs",
    )  # fmt: skip


def _names(session: Session) -> dict[str, str]:
    """Each person's name by email: pages name people, the services give emails."""
    from workflow.services.directory import list_people

    return {person["email"]: person["name"] for person in list_people(session)}


def _body_names(session: Session) -> list[str]:
    from workflow import store

    return sorted(store.body_names_by_id(session=session).values())


@router.post("/recs/{code:path}/events/{event}")
def fire_event(
    request: Request,
    app: Rectrack,
    session: Db,
    viewer: Person,
    code: str,
    event: str,
    form: Form,
) -> Response:
    try:
        asked = forms.asked(event, form)
        outcome = services.act(session, app.lifecycle, code, viewer.actor, asked, app.clock.now())
    except (WorkflowError, ValueError) as error:
        return _refused(request, app, session, viewer, code, event, form, error)
    return _back(request, code, forms.done(code, outcome, asked))


@router.post("/recs/{code:path}/updates")
def write_update(
    request: Request, app: Rectrack, session: Db, viewer: Person, code: str, form: Form
) -> Response:
    try:
        note = forms.text(form, "note") or ""
        rag, on = forms.text(form, "rag"), forms.day(form, "on")
        services.add_update(
            session, app.lifecycle, code, viewer.actor, note, rag, app.clock.now(), on
        )
    except (WorkflowError, ValueError) as error:
        return _refused(request, app, session, viewer, code, "progress_update", form, error)
    return _back(request, code, f"{code}: progress update recorded.")


def _refused(
    request: Request,
    app: Rectrack,
    session: Db,
    viewer: SignedIn,
    code: str,
    event: str,
    form: FormData,
    error: Exception,
) -> Response:
    """The page again, the refusal above the form it came from, what was typed kept."""
    session.rollback()
    status = status_of(error)
    failed = {
        "event": event,
        "message": str(error),
        "field": getattr(error, "field", None),
        "values": {key: str(value) for key, value in form.items()},
    }
    return _rec_page(request, app, session, viewer, code, status, failed)


def _back(request: Request, code: str, done: str) -> Response:
    request.session["flash"] = done
    return RedirectResponse(f"/recs/{code}", status_code=303)
