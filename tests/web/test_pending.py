"""`/updates/pending`: the clerk accepts or rejects the updates officers sent from links."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from websupport import (
    CLERK,
    CODE,
    OFFICER,
    REMINDER_AT,
    TARGET,
    MovingClock,
    counts,
    csrf_of,
    outbox,
    post,
    reminder_link,
    seed,
    sign_in,
    web_settings,
)

from rectrack.app import App
from rectrack.web import create_app
from workflow import services

NASTY = "<script>alert('x')</script>"


def send_from_link(client: TestClient, app: App, note: str = "The action plan is drafted.") -> None:
    token = reminder_link(app)
    page = client.get(f"/u/{token}")
    form = {"note": note, "rag": "amber", "target_date": "2027-09-30"}
    response = client.post(f"/u/{token}", data={**form, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 200, response.text


@pytest.fixture
def sent(client: TestClient, rectrack: App) -> int:
    """One update sent from CCS/09/b's link, the clerk signed in: its number."""
    send_from_link(client, rectrack)
    sign_in(client, CLERK)
    page = client.get("/updates/pending").text
    return int(page.split('id="update-', 1)[1].split('"', 1)[0])


def test_a_stranger_is_asked_to_sign_in(client: TestClient) -> None:
    response = client.get("/updates/pending")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/updates/pending"


def test_only_the_clerk_may_see_it(client: TestClient) -> None:
    sign_in(client, OFFICER)
    response = client.get("/updates/pending")
    assert response.status_code == 403 and "This page is for the clerk." in response.text


def test_the_list_shows_what_was_sent(client: TestClient, sent: int) -> None:
    page = client.get("/updates/pending").text
    assert CODE in page and "Helen Bishop" in page and "The action plan is drafted." in page
    assert "Amber" in page and "30 Sep 2027" in page and "for the committee to decide" in page
    assert "1</span> update from officers" in client.get("/").text


def test_accepting_makes_it_the_officers_progress_update(
    client: TestClient, rectrack: App, sent: int
) -> None:
    response = post(client, f"/updates/pending/{sent}/accept", {}, "/updates/pending")
    assert response.status_code == 303
    with rectrack.session() as session:
        rec = services.show_recommendation(session, CODE)
    update = rec["updates"][-1]
    assert update["note"] == "The action plan is drafted." and update["rag"] == "amber"
    assert update["by"] == OFFICER and update["effective_on"] == REMINDER_AT.date().isoformat()
    assert rec["history"][-1]["actor"] == OFFICER
    assert rec["target_date"] == TARGET.isoformat()  # a proposed date is the committee's to decide
    assert "No update is waiting" in client.get("/updates/pending").text


def test_the_officer_is_told_it_was_accepted(client: TestClient, rectrack: App, sent: int) -> None:
    post(client, f"/updates/pending/{sent}/accept", {}, "/updates/pending")
    (accepted,) = [row for row in outbox(rectrack) if row.kind == "update-accepted"]
    assert accepted.recipient == OFFICER and CODE in accepted.subject


def test_an_update_is_decided_once(client: TestClient, rectrack: App, sent: int) -> None:
    token = csrf_of(client.get("/updates/pending").text)
    assert (
        client.post(f"/updates/pending/{sent}/accept", data={"csrf_token": token}).status_code
        == 303
    )
    before = counts(rectrack)
    for action in ("accept", "reject"):
        form = {"csrf_token": token, "reason": "Twice."}
        response = client.post(f"/updates/pending/{sent}/{action}", data=form)
        assert response.status_code == 409 and "was accepted already" in response.text
    assert counts(rectrack) == before


def test_a_rejection_needs_a_reason(client: TestClient, rectrack: App, sent: int) -> None:
    before = counts(rectrack)
    response = post(client, f"/updates/pending/{sent}/reject", {"reason": " "}, "/updates/pending")
    assert response.status_code == 400 and "Say why the update is rejected" in response.text
    assert counts(rectrack) == before


def test_the_officer_is_mailed_the_reason(client: TestClient, rectrack: App, sent: int) -> None:
    reason = "Please give the date the plan was published."
    response = post(
        client, f"/updates/pending/{sent}/reject", {"reason": reason}, "/updates/pending"
    )
    assert response.status_code == 303
    (rejected,) = [row for row in outbox(rectrack) if row.kind == "update-rejected"]
    assert rejected.recipient == OFFICER and reason in rejected.text_body
    with rectrack.session() as session:
        assert services.show_recommendation(session, CODE)["updates"] == []


def test_a_clerk_may_not_accept_an_update_that_does_not_exist(client: TestClient) -> None:
    sign_in(client, CLERK)
    response = post(client, "/updates/pending/999/accept", {}, "/updates/pending")
    assert response.status_code == 400 and "No update sent from a link" in response.text


def test_what_the_officer_wrote_is_escaped(client: TestClient, rectrack: App) -> None:
    send_from_link(client, rectrack, note=NASTY)
    sign_in(client, CLERK)
    page = client.get("/updates/pending").text
    assert NASTY not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


# The same on PostgreSQL: the decision's conditional update and the outbox on the shared store.


@pytest.fixture
def pg_rectrack(engine: Engine, tmp_path: Path, password_hash: str) -> App:
    seed(engine, password_hash)
    app = App(web_settings(engine.url.render_as_string(False), tmp_path), MovingClock(REMINDER_AT))
    app.engine = engine
    return app


@pytest.fixture
def pg_client(pg_rectrack: App) -> Iterator[TestClient]:
    with TestClient(create_app(pg_rectrack), follow_redirects=False) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.external_service)], indirect=True
)
def test_on_postgresql_a_link_sends_once_and_the_clerk_accepts_once(
    pg_client: TestClient, pg_rectrack: App
) -> None:
    pg_rectrack.clock.at = REMINDER_AT  # type: ignore[attr-defined]
    send_from_link(pg_client, pg_rectrack)
    sign_in(pg_client, CLERK)
    page = pg_client.get("/updates/pending").text
    number = int(page.split('id="update-', 1)[1].split('"', 1)[0])
    token = csrf_of(page)
    accepted = pg_client.post(f"/updates/pending/{number}/accept", data={"csrf_token": token})
    assert accepted.status_code == 303
    again = pg_client.post(f"/updates/pending/{number}/accept", data={"csrf_token": token})
    assert again.status_code == 409
    with pg_rectrack.session() as session:
        assert services.show_recommendation(session, CODE)["updates"][-1]["by"] == OFFICER
