"""What the web app's tests share: the demo's people in a real database, signing in, forms.

Every persona of the demo has the password PASSWORD. Its argon2 hash is made once per
run and written straight into each test's database: hashing it for every test would
take most of the run.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, func
from sqlmodel import col, select

from config import Settings, WorkflowTable, load_workflow_table
from rectrack.cli.demo import demo_document
from workflow import services
from workflow.db import new_session
from workflow.models import Credential, Person

if TYPE_CHECKING:
    from notifications.models import OutboxRow
    from rectrack.app import App

PASSWORD = "correct horse battery"
CLERK = "democratic.services@oxford.example"
EXECUTIVE = "cllr.vannooijen@oxford.example"
CHAIR = "cllr.armitage@oxford.example"  # chairs the panel that made the report
OFFICER = "helen.bishop@oxford.example"  # owns CCS/09/b
OTHER_OFFICER = "tim.sadler@oxford.example"
SECRET = "a-test-secret-key-that-is-long-enough-1234"
BOARD_DAY = datetime(2027, 2, 24, 9, 0, tzinfo=UTC)  # the morning the board responds
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class MovingClock:
    """A clock that says what the test sets it to."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def seed(engine: Engine, password_hash: str) -> None:
    """The demo's document, loaded as the clerk on 6 January 2027; everyone a password."""
    with new_session(engine) as session:
        defaults = Settings.defaults()
        services.load_document(
            session, demo_document(), table=_table(), period=defaults.reports_response_period,
            tz=defaults.timezone, by=CLERK, now=datetime(2027, 1, 6, 10, 0, tzinfo=UTC),
        )  # fmt: skip
        for person in session.exec(select(Person)).all():
            assert person.id is not None
            session.add(
                Credential(person_id=person.id, password_hash=password_hash, changed_at=BOARD_DAY)
            )
        session.commit()


def _table() -> WorkflowTable:
    return load_workflow_table()


def web_settings(url: str, tmp_path: Path) -> Settings:
    return replace(
        Settings.defaults(),
        database_url=url,
        web_secret_key=SECRET,
        web_base_url="http://testserver",
        mail_file_directory=tmp_path / "mail",
    )


def csrf_of(page: str) -> str:
    """The CSRF token in a page's forms."""
    found = _CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Sign `email` in, as a browser that held no session before."""
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


def post(client: TestClient, path: str, data: dict[str, str], page: str | None = None) -> Response:
    """Post a form as the browser would: with the CSRF token of the page it is on."""
    token = csrf_of(client.get(page or path).text)
    return client.post(path, data={**data, "csrf_token": token})


# Signed links: CCS/09/b, agreed on the board's day, is monitored on 20 April 2027; its
# first reminder goes 14 days before, at 08:00 London time (British Summer Time).
CODE = "CCS/09/b"
TARGET = date(2027, 6, 30)
REMINDER_AT = datetime(2027, 4, 6, 7, 0, tzinfo=UTC)
LINK_LAST_DAY = date(2027, 5, 4)  # the monitoring date and 14 days' grace
_LINK = re.compile(r"https?://[^/\s]+/u/([A-Za-z0-9_-]+)")


def agree(app: App, code: str = CODE) -> None:
    """The executive agrees `code`, to be done by TARGET: it is open, and reminders go."""
    with app.session() as session:
        executive = services.find_actor(session, EXECUTIVE)
        asked = services.Asked(event="agree", timescale=TARGET)
        services.act(session, app.lifecycle, code, executive, asked, app.clock.now())


def reminder_link(app: App) -> str:
    """The token in the link of CCS/09/b's first reminder, made by a real tick on its day."""
    from notifications.service import tick

    agree(app)
    app.clock.at = REMINDER_AT  # type: ignore[attr-defined]
    tick(app)
    reminder = next(row for row in outbox(app) if row.kind == "monitoring-reminder")
    found = _LINK.search(reminder.text_body)
    assert found, reminder.text_body
    return found.group(1)


def outbox(app: App) -> list[OutboxRow]:
    from notifications.service import list_outbox

    with app.session() as session:
        return list_outbox(session)


def counts(app: App) -> dict[str, int]:
    """How many rows each table a link or a decision writes to holds."""
    from notifications.models import OutboxRow
    from workflow.models import Event, ProgressUpdate, SubmittedUpdate, Token

    with app.session() as session:
        return {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Token, SubmittedUpdate, ProgressUpdate, Event, OutboxRow)
        } | {"used": len(session.exec(select(Token).where(col(Token.used_at).is_not(None))).all())}


def as_a_page_says(sentence: str) -> str:
    """A service's sentence as a page shows it: begun with a capital letter, escaped."""
    from markupsafe import escape

    return str(escape(sentence[:1].upper() + sentence[1:]))


def invitation_token(app: App, email: str) -> str:
    """The token in the link of the invitation the clerk sends `email`, by the real service."""
    from workflow import services
    from workflow.services import invitations

    with app.session() as session:
        clerk = services.find_actor(session, CLERK)
        invitations.invite(
            session, app.table, app.postbox, clerk, app.clock.now(),
            email, app.settings.web_base_url, app.settings.timezone,
        )  # fmt: skip
    (mail,) = [row for row in outbox(app) if row.kind == "invitation"]
    found = re.search(r"/invite/([A-Za-z0-9_-]+)", mail.text_body)
    assert found and mail.recipient == email
    return found.group(1)
