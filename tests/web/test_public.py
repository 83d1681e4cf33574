"""`/public`: the tracker for anyone, only when the council turns it on; exempt redacted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from websupport import BOARD_DAY, CLERK, sign_in

from rectrack.app import App
from rectrack.web import create_app
from workflow import services

EXEMPT = "CCS/09/c"
REASON = "Paragraph 3: information about the financial affairs of a person"


@pytest.fixture
def public(rectrack: App) -> Iterator[TestClient]:
    """The web app with `[web] public = true`, CCS/09/c exempt."""
    with rectrack.session() as session:
        clerk = services.find_actor(session, CLERK)
        services.exempt(session, rectrack.lifecycle, EXEMPT, clerk, REASON, BOARD_DAY)
    opened = App(replace(rectrack.settings, web_public=True), rectrack.clock)
    opened.engine = rectrack.engine
    with TestClient(create_app(opened), follow_redirects=False) as test_client:
        yield test_client


def exempt_text(rectrack: App) -> str:
    with rectrack.session() as session:
        text: str = services.show_recommendation(session, EXEMPT)["text"]
    return text


def test_it_is_not_there_unless_turned_on(client: TestClient) -> None:
    assert client.get("/public").status_code == 404


def test_anyone_may_read_it_when_on(public: TestClient) -> None:
    page = public.get("/public")
    assert page.status_code == 200
    assert "Scrutiny recommendations" in page.text
    assert "CCS/09/b" in page.text


def test_an_exempt_item_shows_its_code_stage_and_reason_only(
    public: TestClient, rectrack: App
) -> None:
    page = public.get("/public").text
    assert EXEMPT in page
    assert f"Exempt information: {REASON}" in page
    assert exempt_text(rectrack) not in page


def test_no_email_address_is_on_it(public: TestClient) -> None:
    assert "@" not in public.get("/public").text


def test_no_email_address_is_on_it_for_someone_signed_in(public: TestClient) -> None:
    sign_in(public, CLERK)
    page = public.get("/public").text
    assert "@" not in page
    assert "Sign out" not in page  # it is the page the public sees


def test_what_the_executive_said_is_on_it(public: TestClient, rectrack: App) -> None:
    with rectrack.session() as session:
        clerk = services.find_actor(session, CLERK)
        asked = services.Asked("disagree", reason="The budget is committed elsewhere.")
        services.act(session, rectrack.lifecycle, "CCS/09/a", clerk, asked, BOARD_DAY)
    page = public.get("/public").text
    assert "Disagreed 24 Feb 2027" in page
    assert "The budget is committed elsewhere." in page
