"""The tracker and a recommendation's page: who sees what, the forms, their refusals."""

from __future__ import annotations

import pytest
from factories import row_counts
from fastapi.testclient import TestClient
from markupsafe import escape
from runner import Cli
from websupport import (
    BOARD_DAY,
    CHAIR,
    CLERK,
    EXECUTIVE,
    OFFICER,
    OTHER_OFFICER,
    as_a_page_says,
    post,
    sign_in,
)

from rectrack.app import App

PERSONAS = [CLERK, EXECUTIVE, CHAIR, OFFICER]


def counts(rectrack: App) -> dict[str, int]:
    with rectrack.session() as session:
        return row_counts(session)


def state_of(rectrack: App, code: str) -> str:
    from workflow import services

    with rectrack.session() as session:
        return str(services.show_recommendation(session, code)["state"])


@pytest.mark.parametrize("path", ["/", "/recs", "/recs/CCS/09/b"])
def test_signed_out_every_page_leads_to_sign_in(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("email", PERSONAS)
@pytest.mark.parametrize("path", ["/", "/recs", "/recs/CCS/09/b"])
def test_every_page_is_shown_to_every_member_of_staff(
    client: TestClient, email: str, path: str
) -> None:
    sign_in(client, email)
    response = client.get(path)
    assert response.status_code == 200
    assert "<h1>" in response.text


def test_the_tracker_lists_filters_and_searches(client: TestClient) -> None:
    sign_in(client, CLERK)
    assert client.get("/recs").text.count('href="/recs/CCS/09/') == 3
    assert "1 recommendation<" in client.get("/recs?q=indicators").text
    assert "0 recommendations" in client.get("/recs?state=closed").text
    assert "3 recommendations" in client.get("/recs?awaiting=true").text


def test_a_filter_the_tracker_cannot_hold_is_a_message(client: TestClient) -> None:
    sign_in(client, CLERK)
    response = client.get("/recs?state=lost")
    assert response.status_code == 400
    assert "&#39;lost&#39; is not a state" in response.text


def test_an_unknown_recommendation_is_a_page_not_found(client: TestClient) -> None:
    sign_in(client, CLERK)
    response = client.get("/recs/CCS/09/z")
    assert response.status_code == 404
    assert "no recommendation with code" in response.text


def test_each_person_is_offered_only_the_events_theirs_to_fire(client: TestClient) -> None:
    sign_in(client, EXECUTIVE)
    page = client.get("/recs/CCS/09/b").text
    assert "/events/agree" in page and "/events/sign_off" not in page
    sign_in(client, OTHER_OFFICER)
    page = client.get("/recs/CCS/09/b").text
    assert "/events/" not in page and "/updates" not in page


def test_the_executive_agrees_a_recommendation(client: TestClient, rectrack: App) -> None:
    sign_in(client, EXECUTIVE)
    form = {"timescale": "2027-03-31", "comment": "", "on": ""}
    response = post(client, "/recs/CCS/09/b/events/agree", form, page="/recs/CCS/09/b")
    assert response.status_code == 303
    assert state_of(rectrack, "CCS/09/b") == "endorsed"
    page = client.get("/recs/CCS/09/b").text
    assert "CCS/09/b: agree recorded; it is now endorsed." in page  # the message after the change
    assert "24 Feb 2027 · Cllr Van Nooijen" in page  # in the history, by name


def test_a_refusal_is_shown_at_its_form_and_writes_nothing(
    client: TestClient, rectrack: App
) -> None:
    sign_in(client, EXECUTIVE)
    before = counts(rectrack)
    form = {"comment": "Typed"}
    response = post(client, "/recs/CCS/09/b/events/agree_in_part", form, "/recs/CCS/09/b")
    assert response.status_code == 409
    assert "There is a problem" in response.text
    refusal = "Cannot agree_in_part CCS/09/b: a timescale (the date it will be done by) is required"
    assert refusal in response.text
    assert 'id="agree_in_part-timescale-error"' in response.text  # beside the field it is about
    assert ">Typed</textarea>" in response.text  # what was typed is kept
    assert counts(rectrack) == before


def test_bad_input_is_shown_naming_its_field(client: TestClient, rectrack: App) -> None:
    sign_in(client, EXECUTIVE)
    before = counts(rectrack)
    form = {"timescale": "31/03/2027"}
    response = post(client, "/recs/CCS/09/b/events/agree", form, "/recs/CCS/09/b")
    assert response.status_code == 400
    assert "The timescale &#39;31/03/2027&#39; is not a date like 2027-03-31" in response.text
    assert counts(rectrack) == before


def test_a_day_in_the_future_is_refused(client: TestClient, rectrack: App) -> None:
    sign_in(client, EXECUTIVE)
    form = {"timescale": "2027-03-31", "on": "2027-03-01"}
    response = post(client, "/recs/CCS/09/b/events/agree", form, "/recs/CCS/09/b")
    assert response.status_code == 400
    assert "2027-03-01 is in the future" in response.text


def test_a_form_for_a_version_since_changed_is_refused(client: TestClient, rectrack: App) -> None:
    sign_in(client, CLERK)
    page = "/recs/CCS/09/b"
    stale = {"timescale": "2027-03-31", "version": "1"}
    assert post(client, "/recs/CCS/09/b/events/agree", stale, page).status_code == 303
    response = post(client, "/recs/CCS/09/b/events/start", {"version": "1"}, page)
    assert response.status_code == 409
    assert "changed by someone else meanwhile" in response.text


def test_a_person_not_allowed_is_refused_with_the_rule(client: TestClient, rectrack: App) -> None:
    sign_in(client, OTHER_OFFICER)
    before = counts(rectrack)
    response = post(client, "/recs/CCS/09/b/events/agree", {"timescale": "2027-03-31"}, "/recs")
    assert response.status_code == 403
    assert "only an executive or a clerk may agree" in response.text
    assert counts(rectrack) == before


def test_an_event_form_without_its_csrf_token_is_refused(client: TestClient, rectrack: App) -> None:
    sign_in(client, EXECUTIVE)
    before = counts(rectrack)
    response = client.post("/recs/CCS/09/b/events/agree", data={"timescale": "2027-03-31"})
    assert response.status_code == 403
    assert counts(rectrack) == before


def test_the_owner_writes_a_progress_update(client: TestClient, rectrack: App) -> None:
    sign_in(client, OFFICER)
    form = {"note": "Draft plan agreed.", "rag": "amber"}
    assert post(client, "/recs/CCS/09/b/updates", form, "/recs/CCS/09/b").status_code == 303
    page = client.get("/recs/CCS/09/b").text
    assert "Draft plan agreed." in page and "Amber" in page


def test_an_update_without_a_note_is_refused(client: TestClient, rectrack: App) -> None:
    sign_in(client, OFFICER)
    before = counts(rectrack)
    response = post(client, "/recs/CCS/09/b/updates", {"note": " "}, "/recs/CCS/09/b")
    assert response.status_code == 409
    assert "a note is required" in response.text
    assert counts(rectrack) == before


def test_everything_people_wrote_is_escaped(client: TestClient) -> None:
    sign_in(client, OFFICER)
    note = "<script>alert('x')</script>"
    post(client, "/recs/CCS/09/b/updates", {"note": note}, "/recs/CCS/09/b")
    page = client.get("/recs/CCS/09/b").text
    assert note not in page
    assert str(escape(note)) in page


def test_a_refusal_reads_the_same_on_the_page_and_on_the_command_line(
    client: TestClient, rectrack: App, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    sign_in(client, EXECUTIVE)
    page = post(client, "/recs/CCS/09/b/events/agree", {}, "/recs/CCS/09/b").text
    os.environ["RECTRACK_DATABASE_URL"] = rectrack.settings.database_url
    try:
        status, _, err = Cli(capsys, BOARD_DAY)("respond", "CCS/09/b", "agree", "--by", EXECUTIVE)
    finally:
        del os.environ["RECTRACK_DATABASE_URL"]
    sentence = "cannot agree CCS/09/b: a timescale (the date it will be done by) is required"
    assert status == 1 and sentence in err
    assert as_a_page_says(sentence) in page
