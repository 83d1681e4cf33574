"""Signing in and out, sessions, CSRF, rate limiting and the headers on every page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from websupport import CLERK, OFFICER, PASSWORD, csrf_of, sign_in

from rectrack.app import App
from rectrack.web import create_app
from workflow.services.accounts import SIGN_IN_TRIES


def test_a_page_asks_a_stranger_to_sign_in_first(client: TestClient) -> None:
    response = client.get("/recs?state=proposed")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/recs%3Fstate%3Dproposed"


def test_signing_in_leads_on_to_the_page_asked_for(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    form = {"email": OFFICER, "password": PASSWORD, "next": "/recs", "csrf_token": token}
    response = client.post("/login", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == "/recs"
    assert "Helen Bishop" in client.get("/").text


def test_next_never_leads_to_another_site(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    form = {"email": OFFICER, "password": PASSWORD, "next": "//evil.example", "csrf_token": token}
    assert client.post("/login", data=form).headers["location"] == "/"


@pytest.mark.parametrize("email", [OFFICER, "nobody@oxford.example"])
def test_a_wrong_password_or_email_says_the_same(client: TestClient, email: str) -> None:
    token = csrf_of(client.get("/login").text)
    form = {"email": email, "password": "not the password", "csrf_token": token}
    response = client.post("/login", data=form)
    assert response.status_code == 400
    assert "The email or the password is not right" in response.text
    assert client.get("/").status_code == 303  # still signed out


def test_sign_in_is_held_off_after_repeated_failures(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    wrong = {"email": OFFICER, "password": "not the password", "csrf_token": token}
    for _ in range(SIGN_IN_TRIES):
        assert client.post("/login", data=wrong).status_code == 400
    right = {**wrong, "password": PASSWORD}
    response = client.post("/login", data=right)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text


def test_the_hold_ends_with_the_window(client: TestClient, rectrack: App) -> None:
    from datetime import timedelta

    from workflow.services.accounts import SIGN_IN_WINDOW

    token = csrf_of(client.get("/login").text)
    wrong = {"email": OFFICER, "password": "not the password", "csrf_token": token}
    for _ in range(SIGN_IN_TRIES):
        client.post("/login", data=wrong)
    rectrack.clock.at += SIGN_IN_WINDOW + timedelta(seconds=1)  # type: ignore[attr-defined]
    assert client.post("/login", data={**wrong, "password": PASSWORD}).status_code == 303


def test_a_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": OFFICER, "password": PASSWORD})
    assert response.status_code == 403
    assert "nothing was saved" in response.text


def test_a_wrong_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    form = {"email": OFFICER, "password": PASSWORD, "csrf_token": "forged"}
    assert client.post("/login", data=form).status_code == 403


def test_a_form_from_another_site_is_refused(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    form = {"email": OFFICER, "password": PASSWORD, "csrf_token": token}
    response = client.post("/login", data=form, headers={"origin": "https://evil.example"})
    assert response.status_code == 403


def test_signing_out_ends_the_session(client: TestClient) -> None:
    sign_in(client, OFFICER)
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303


def test_the_session_cookie_is_http_only_and_lax(client: TestClient) -> None:
    response = client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # served over http in the tests


def test_over_https_the_session_cookie_is_secure(rectrack: App) -> None:
    from dataclasses import replace

    rectrack.settings = replace(rectrack.settings, web_base_url="https://rectrack.example")
    with TestClient(create_app(rectrack), base_url="https://testserver") as client:
        assert "secure" in client.get("/login").headers["set-cookie"].lower()


def test_a_new_password_ends_the_sessions_before_it(client: TestClient, rectrack: App) -> None:
    from workflow.services import accounts, find_actor

    sign_in(client, OFFICER)
    with rectrack.session() as session:
        clerk = find_actor(session, CLERK)
        accounts.set_password(
            session, rectrack.table, clerk, rectrack.clock.now(), OFFICER, "a new long password"
        )
    assert client.get("/").status_code == 303


def test_every_page_carries_the_security_headers(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"


def test_the_app_will_not_start_without_a_secret_key(rectrack: App) -> None:
    from dataclasses import replace

    from config import ConfigError

    rectrack.settings = replace(rectrack.settings, web_secret_key=None)
    with pytest.raises(ConfigError, match=r"web\.secret_key"):
        create_app(rectrack)


def test_healthz_says_the_database_is_ready(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
