"""`/u/{token}`: the signed link in a reminder, from the tick that mails it to the update."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from websupport import (
    CLERK,
    CODE,
    LINK_LAST_DAY,
    OFFICER,
    REMINDER_AT,
    agree,
    counts,
    csrf_of,
    outbox,
    reminder_link,
)

from notifications import service
from notifications.links import PREVIEW_TOKEN, end_of
from rectrack.app import App
from workflow.records import Actor
from workflow.services import accounts

NASTY = "<script>alert('x')</script>"
_LINK_IN = re.compile(r"http://testserver/u/([A-Za-z0-9_-]+)")


@pytest.fixture
def token(rectrack: App) -> str:
    return reminder_link(rectrack)


def send(client: TestClient, token: str, **fields: str) -> object:
    page = client.get(f"/u/{token}")
    form = {"note": "The action plan is drafted.", "rag": "amber", **fields}
    return client.post(f"/u/{token}", data={**form, "csrf_token": csrf_of(page.text)})


def test_the_reminder_carries_a_link_for_its_owner(rectrack: App, token: str) -> None:
    reminder = next(row for row in outbox(rectrack) if row.kind == "monitoring-reminder")
    assert reminder.recipient == OFFICER
    link = f"http://testserver/u/{token}"
    assert f'<a href="{link}"' in reminder.html_body
    for body in (reminder.text_body, reminder.html_body):
        assert "Report progress without signing in:" in body and link in body
        assert "The link works until Tuesday 4 May 2027." in " ".join(body.split())


def test_the_link_opens_the_recommendation_and_a_form(client: TestClient, token: str) -> None:
    page = client.get(f"/u/{token}")
    assert page.status_code == 200
    assert f"Report progress on {CODE}" in page.text and "Helen Bishop" in page.text
    assert 'name="note"' in page.text and 'name="target_date"' in page.text
    assert "works until 4 May 2027" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"


def test_opening_the_link_writes_nothing(client: TestClient, rectrack: App, token: str) -> None:
    before = counts(rectrack)
    for _ in range(3):  # a mail scanner, then the officer, then again
        assert client.get(f"/u/{token}").status_code == 200
    assert counts(rectrack) == before


def test_sending_keeps_the_update_for_the_clerk(
    client: TestClient, rectrack: App, token: str
) -> None:
    before = counts(rectrack)
    response = send(client, token, target_date="2027-09-30")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Thank you" in response.text  # type: ignore[attr-defined]
    after = counts(rectrack)
    assert after["SubmittedUpdate"] == before["SubmittedUpdate"] + 1
    assert after["used"] == before["used"] + 1
    assert after["ProgressUpdate"] == before["ProgressUpdate"]  # not until the clerk accepts


def test_the_officer_is_mailed_a_confirmation(
    client: TestClient, rectrack: App, token: str
) -> None:
    send(client, token)
    received = [row for row in outbox(rectrack) if row.kind == "update-received"]
    assert [row.recipient for row in received] == [OFFICER]
    assert CODE in received[0].subject and "The action plan is drafted." in received[0].text_body
    service.tick(rectrack)
    assert [row.status for row in outbox(rectrack) if row.kind == "update-received"] == ["sent"]


def test_a_link_sends_one_update(client: TestClient, rectrack: App, token: str) -> None:
    page = client.get(f"/u/{token}")
    form = {"note": "Drafted.", "csrf_token": csrf_of(page.text)}
    assert client.post(f"/u/{token}", data=form).status_code == 200
    before = counts(rectrack)
    again = client.post(f"/u/{token}", data=form)
    assert again.status_code == 410 and "used already" in again.text
    assert client.get(f"/u/{token}").status_code == 410
    assert counts(rectrack) == before


def test_the_link_works_to_the_end_of_its_last_day(
    client: TestClient, rectrack: App, token: str
) -> None:
    last_moment = end_of(LINK_LAST_DAY, rectrack.settings.timezone) - timedelta(seconds=1)
    rectrack.clock.at = last_moment  # type: ignore[attr-defined]
    assert client.get(f"/u/{token}").status_code == 200


def test_an_expired_link_is_refused(client: TestClient, rectrack: App, token: str) -> None:
    page = client.get(f"/u/{token}")
    rectrack.clock.at = end_of(LINK_LAST_DAY, rectrack.settings.timezone)  # type: ignore[attr-defined]
    before = counts(rectrack)
    assert client.get(f"/u/{token}").status_code == 410
    form = {"note": "Late.", "csrf_token": csrf_of(page.text)}
    response = client.post(f"/u/{token}", data=form)
    assert response.status_code == 410 and "This link has expired" in response.text
    assert counts(rectrack) == before


def test_a_forged_link_is_refused(client: TestClient, token: str) -> None:
    response = client.get(f"/u/{token[:-2]}xx")
    assert response.status_code == 403
    assert "This link cannot be used" in response.text and "not one rectrack made" in response.text


def test_a_link_of_another_purpose_is_refused(client: TestClient, rectrack: App) -> None:
    with rectrack.session() as session:
        api = accounts.api_token(
            session, rectrack.table, _clerk(rectrack), rectrack.clock.now(), OFFICER, "sync"
        )
    assert client.get(f"/u/{api}").status_code == 403


def test_a_withdrawn_link_is_refused(client: TestClient, rectrack: App, token: str) -> None:
    with rectrack.session() as session:
        now = rectrack.clock.now()
        withdrawn = accounts.revoke_tokens(
            session, rectrack.table, _clerk(rectrack), now, OFFICER, "update"
        )
    assert withdrawn == 1
    response = client.get(f"/u/{token}")
    assert response.status_code == 410 and "withdrawn" in response.text


def close(app: App) -> None:
    """The clerk withdraws CCS/09/b, as the council endorsed: nothing more is due of it."""
    from workflow import services
    from workflow.services import directory

    clerk = _clerk(app)
    with app.session() as session:
        directory.add_body(session, app.table, clerk, REMINDER_AT, name="Council", kind="council")
        asked = services.Asked(
            event="withdraw", reason="Overtaken.", endorsed_by="Council",
            on=date(2027, 4, 6), outcome="superseded",
        )  # fmt: skip
        services.act(session, app.lifecycle, CODE, clerk, asked, REMINDER_AT)


def test_a_link_for_a_closed_recommendation_is_refused(
    client: TestClient, rectrack: App, token: str
) -> None:
    close(rectrack)
    response = client.get(f"/u/{token}")
    assert response.status_code == 410 and "no longer needs an update" in response.text


def test_a_reminder_cancelled_before_it_went_takes_its_link_with_it(
    client: TestClient, rectrack: App
) -> None:
    from notifications.links import Linking
    from notifications.planning import Rules
    from notifications.sweep import sweep

    def sweep_at(at: datetime) -> None:
        rules = Rules.from_settings(rectrack.settings, rectrack.table)
        sweep(
            rectrack.engine, at, rules=rules, renderer=rectrack.renderer, sender="r@example.org",
            linking=Linking.from_settings(rectrack.settings),
        )  # fmt: skip

    agree(rectrack)
    sweep_at(REMINDER_AT)  # queued, not sent
    (queued,) = [row for row in outbox(rectrack) if row.kind == "monitoring-reminder"]
    token = _LINK_IN.search(queued.text_body).group(1)  # type: ignore[union-attr]
    assert client.get(f"/u/{token}").status_code == 200
    close(rectrack)
    sweep_at(REMINDER_AT + timedelta(minutes=5))
    assert [row.status for row in outbox(rectrack) if row.id == queued.id] == ["cancelled"]
    response = client.get(f"/u/{token}")
    assert response.status_code == 410 and "withdrawn" in response.text


@pytest.mark.parametrize("csrf", [None, "forged"])
def test_a_form_without_its_csrf_token_is_refused(
    client: TestClient, rectrack: App, token: str, csrf: str | None
) -> None:
    client.get(f"/u/{token}")
    before = counts(rectrack)
    form = {"note": "Drafted."} | ({"csrf_token": csrf} if csrf else {})
    response = client.post(f"/u/{token}", data=form)
    assert response.status_code == 403 and "nothing was saved" in response.text
    assert counts(rectrack) == before


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"note": "  "}, "an update needs a note"),
        ({"rag": "purple"}, "must be one of green, amber, red"),
        ({"target_date": "31/12/2027"}, "is not a date like 2027-03-31"),
        ({"target_date": "2400-01-01"}, "is not between 1900 and 2199"),
        ({"target_date": "2027-04-06"}, "A new target date is after today"),
    ],
)
def test_a_refusal_is_shown_with_what_was_typed_and_nothing_written(
    client: TestClient, rectrack: App, token: str, fields: dict[str, str], said: str
) -> None:
    before = counts(rectrack)
    response = send(client, token, **{"note": "Typed & kept.", **fields})
    assert response.status_code == 400  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert "There is a problem" in text and said in text
    if fields.get("note", "x").strip():
        assert "Typed &amp; kept." in text
    assert counts(rectrack) == before
    assert client.get(f"/u/{token}").status_code == 200  # the link still works


def test_what_the_officer_wrote_is_escaped(client: TestClient, token: str) -> None:
    response = send(client, token, note=NASTY)
    assert NASTY not in response.text  # type: ignore[attr-defined]
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in response.text  # type: ignore[attr-defined]


def test_a_link_is_kept_only_with_its_message(rectrack: App, token: str) -> None:
    reminder = next(row for row in outbox(rectrack) if row.kind == "monitoring-reminder")
    with rectrack.session() as session:
        row = accounts.find_token(session, token, "update", rectrack.clock.now())
    assert row.label == f"outbox:{reminder.id}" and row.person_id is not None
    assert row.expires_at == end_of(LINK_LAST_DAY, rectrack.settings.timezone)


def test_simulate_makes_no_link(rectrack: App) -> None:
    agree(rectrack)
    before = counts(rectrack)
    days = service.simulate(rectrack, date(2027, 4, 6), date(2027, 4, 6))
    (reminder,) = [m for day in days for m in day.messages if m.kind == "monitoring-reminder"]
    assert f"http://testserver/u/{PREVIEW_TOKEN}" in reminder.text
    assert counts(rectrack) == before


def _clerk(app: App) -> Actor:
    from workflow import services

    with app.session() as session:
        return services.find_actor(session, CLERK)
