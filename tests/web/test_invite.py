"""`people invite EMAIL` and `/invite/{token}`: a person chooses their own password by mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from websupport import CLERK, OTHER_OFFICER, counts, csrf_of, invitation_token, outbox

from rectrack.app import App
from workflow import services
from workflow.errors import NotAllowed
from workflow.services import invitations

NEW_PASSWORD = "a long new password"


@pytest.fixture
def token(rectrack: App) -> str:
    token = invitation_token(rectrack, OTHER_OFFICER)
    (mail,) = [row for row in outbox(rectrack) if row.kind == "invitation"]
    assert f"http://testserver/invite/{token}" in mail.text_body  # at [web] base_url
    return token


def choose(client: TestClient, token: str, again: str = NEW_PASSWORD) -> object:
    page = client.get(f"/invite/{token}")
    form = {"password": NEW_PASSWORD, "password_again": again, "csrf_token": csrf_of(page.text)}
    return client.post(f"/invite/{token}", data=form)


def test_the_invitation_shows_a_form_and_writes_nothing(
    client: TestClient, rectrack: App, token: str
) -> None:
    before = counts(rectrack)
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200 and "Tim Sadler" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert counts(rectrack) == before


def test_choosing_a_password_signs_the_person_in(client: TestClient, token: str) -> None:
    response = choose(client, token)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert "Tim Sadler" in client.get("/").text
    assert client.get(f"/invite/{token}").status_code == 410  # used


def test_the_two_passwords_must_match(client: TestClient, rectrack: App, token: str) -> None:
    before = counts(rectrack)
    response = choose(client, token, again="another password")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "The two passwords are not the same" in response.text  # type: ignore[attr-defined]
    assert NEW_PASSWORD not in response.text  # type: ignore[attr-defined]
    assert counts(rectrack) == before


def test_an_invitation_lasts_a_week(client: TestClient, rectrack: App, token: str) -> None:
    rectrack.clock.at += timedelta(days=invitations.INVITATION_DAYS)  # type: ignore[attr-defined]
    assert client.get(f"/invite/{token}").status_code == 410


def test_the_command_queues_the_invitation(
    rectrack: App, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rectrack.cli import main

    monkeypatch.setenv("RECTRACK_DATABASE_URL", rectrack.settings.database_url)
    monkeypatch.setenv("RECTRACK_MAIL_FILE_DIRECTORY", str(rectrack.settings.mail_file_directory))
    monkeypatch.setenv("RECTRACK_WEB_BASE_URL", "https://rectrack.oxford.example")
    assert main(["people", "invite", OTHER_OFFICER, "--by", CLERK], rectrack.clock) == 0
    assert "its link works once, until 2027-03-03 09:00" in capsys.readouterr().out
    (mail,) = [row for row in outbox(rectrack) if row.kind == "invitation"]
    assert "https://rectrack.oxford.example/invite/" in mail.text_body


def test_only_the_clerk_invites(rectrack: App) -> None:
    with rectrack.session() as session:
        officer = services.find_actor(session, OTHER_OFFICER)
        with pytest.raises(NotAllowed):
            invitations.invite(
                session, rectrack.table, rectrack.postbox, officer, rectrack.clock.now(),
                CLERK, rectrack.settings.web_base_url, rectrack.settings.timezone,
            )  # fmt: skip
    assert not [row for row in outbox(rectrack) if row.kind == "invitation"]
