"""`/`: what is theirs to do, for each person by their roles."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from rectrack.web.deps import Db, Person, Rectrack
from rectrack.web.templating import render
from workflow.services.desk import desk

router = APIRouter()


@router.get("/")
def home(request: Request, app: Rectrack, session: Db, viewer: Person) -> Response:
    now, tz = app.clock.now(), app.settings.timezone
    work = desk(session, app.table, viewer.actor, app.today(), now, tz=tz)
    failed_mail = _failed_mail(session) if "clerk" in viewer.actor.roles else 0
    return render(request, "home.html", viewer, desk=work, failed_mail=failed_mail)


def _failed_mail(session: Db) -> int:
    from notifications.service import list_outbox

    return len(list_outbox(session, "failed"))
