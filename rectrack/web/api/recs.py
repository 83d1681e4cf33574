"""`/api/v1/recs`: the tracker and each recommendation as JSON, and the changes to them.

Each route reads its input, calls the one service its command calls, and answers
what the command's `--json` prints (for one code: the object, not a list of one).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from rectrack.web.api.auth import Caller
from rectrack.web.api.models import AmendIn, Done, FireIn, Refused, RespondIn, Updated, UpdateIn
from rectrack.web.deps import Db, Rectrack
from workflow import services
from workflow.records import Actor, Outcome

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Refused, "description": words}
    for status, words in (
        (400, "The input cannot be used"),
        (401, "No API token, or one that cannot be used"),
        (403, "The person's roles do not reach it"),
        (404, "No such recommendation"),
        (409, "Refused by the workflow; nothing was written"),
    )
}
router = APIRouter(prefix="/recs", tags=["recommendations"], responses=ERRORS)


class ListQuery:
    """The filters of `rectrack recs list`, by the same names."""

    def __init__(
        self,
        state: Annotated[list[str], Query(description="In these states.")] = [],  # noqa: B006 - FastAPI reads, never mutates
        rag: Annotated[list[str], Query(description="With this RAG.")] = [],  # noqa: B006
        outcome: Annotated[list[str], Query(description="Closed so.")] = [],  # noqa: B006
        group: Annotated[list[str], Query(description="In this group.")] = [],  # noqa: B006
        owner: Annotated[
            str | None, Query(description="Those this officer (an email) owns.")
        ] = None,
        report: Annotated[str | None, Query(description="Those of this report.")] = None,
        body: Annotated[str | None, Query(description="Those the body made.")] = None,
        overdue: Annotated[
            bool, Query(description="Target passed, not reported implemented.")
        ] = False,
        rebased: Annotated[bool, Query(description="The target moved from its baseline.")] = False,
        awaiting_response: Annotated[bool, Query(description="Still awaiting a response.")] = False,
    ) -> None:
        self.filters = services.RecFilters(
            states=tuple(state), rags=tuple(rag), outcomes=tuple(outcome), groups=tuple(group),
            owner=owner, report=report, body=body, overdue=overdue, rebased=rebased,
            awaiting_response=awaiting_response,
        )  # fmt: skip


@router.get("", summary="The tracker (recs list)")
def list_recs(
    app: Rectrack, session: Db, _: Caller, query: Annotated[ListQuery, Depends()]
) -> list[dict[str, Any]]:
    return services.list_recommendations(session, app.table, app.today(), query.filters)


@router.get("/{code:path}", summary="One recommendation in full (recs show)")
def show_rec(session: Db, _: Caller, code: str) -> dict[str, Any]:
    return services.show_recommendation(session, code)


@router.post("/{code:path}/respond", summary="Record the executive's response (respond)")
def respond(app: Rectrack, session: Db, actor: Caller, code: str, body: RespondIn) -> Done:
    outcome = services.respond(
        session, app.lifecycle, [code], actor, body.decision, app.clock.now(),
        timescale=body.timescale, comment=body.comment, reason=body.reason, on=body.on,
    )[0]  # fmt: skip
    return _done(code, outcome, actor)


@router.post("/{code:path}/fire", summary="Fire any other event (fire)")
def fire(app: Rectrack, session: Db, actor: Caller, code: str, body: FireIn) -> Done:
    asked = services.Asked(
        event=body.event.replace("-", "_"), note=body.note, endorsed_by=body.endorsed_by,
        outcome=body.outcome, on=body.on,
    )  # fmt: skip
    return _done(
        code, services.act(session, app.lifecycle, code, actor, asked, app.clock.now()), actor
    )


@router.post("/{code:path}/update", summary="Write a progress update (update)")
def update(app: Rectrack, session: Db, actor: Caller, code: str, body: UpdateIn) -> Updated:
    now = app.clock.now()
    services.add_update(session, app.lifecycle, code, actor, body.note, body.rag, now, body.on)
    return Updated(code=code, event=services.PROGRESS_UPDATE, rag=body.rag, by=actor.email)


@router.post("/{code:path}/amend", summary="Record an endorsed amendment (amend)")
def amend(app: Rectrack, session: Db, actor: Caller, code: str, body: AmendIn) -> Done:
    fields = {"text": body.text, "target_date": body.target_date}
    plan = [(code, fields | {"monitoring_date": body.monitoring_date})]
    outcome = services.amend(
        session, app.lifecycle, plan, actor, app.clock.now(),
        reason=body.reason, endorsed_by=body.endorsed_by, endorsed_on=body.on,
    )[0]  # fmt: skip
    return _done(code, outcome, actor)


def _done(code: str, outcome: Outcome, actor: Actor) -> Done:
    return Done(
        code=code, event=outcome.event, from_state=outcome.before, to_state=outcome.after,
        by=actor.email,
    )  # fmt: skip
