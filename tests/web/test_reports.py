"""`/reports/{ref}`: the executive answers a whole report in one form, all or nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import select
from websupport import CHAIR, CLERK, EXECUTIVE, OFFICER, as_a_page_says, post, sign_in

from rectrack.app import App
from rectrack.cli.main import main
from workflow.db import new_session
from workflow.models import Event, Response

PAGE = "/reports/CCS/09"
AS_THE_BOARD_DID = {
    "CCS/09/a.decision": "note",
    "CCS/09/a.comment": "The Board will consider this when it decides the Strategy.",
    "CCS/09/b.decision": "agree",
    "CCS/09/b.timescale": "2027-03-31",
    "CCS/09/c.decision": "agree",
    "CCS/09/c.timescale": "2027-03-31",
}


def rows(engine: Engine) -> tuple[int, int]:
    """How many history lines and responses the database holds."""
    with new_session(engine) as session:
        events = session.exec(select(func.count()).select_from(Event)).one()
        responses = session.exec(select(func.count()).select_from(Response)).one()
    return events, responses


@pytest.mark.parametrize("email", [EXECUTIVE, CLERK])
def test_the_executive_and_the_clerk_see_the_response_form(client: TestClient, email: str) -> None:
    sign_in(client, email)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Scrutiny Panel response to the Customer Contact Strategy Report" in page.text
    assert 'name="CCS/09/b.decision"' in page.text


@pytest.mark.parametrize("email", [CHAIR, OFFICER])
def test_others_may_not_see_it(client: TestClient, email: str) -> None:
    sign_in(client, email)
    page = client.get(PAGE)
    assert page.status_code == 403
    assert "This page is for the executive or the clerk." in page.text


def test_a_stranger_is_sent_to_sign_in(client: TestClient) -> None:
    response = client.get(PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/reports/CCS/09"


def test_a_report_that_does_not_exist_is_not_found(client: TestClient) -> None:
    sign_in(client, EXECUTIVE)
    assert client.get("/reports/NOPE/01").status_code == 404


def test_the_heading_runs_the_statutory_clock(client: TestClient) -> None:
    sign_in(client, EXECUTIVE)
    page = client.get(PAGE).text
    assert "4 March 2027" in page  # submitted 5 January: two months beginning that day
    assert "8 days left" in page  # on 24 February


def test_an_overdue_response_says_by_how_many_days(client: TestClient, rectrack: App) -> None:
    from datetime import timedelta

    rectrack.clock.at += timedelta(days=10)  # type: ignore[attr-defined]
    sign_in(client, EXECUTIVE)
    assert "2 days overdue" in client.get(PAGE).text


def test_the_decisions_offered_are_the_workflow_tables_responses(client: TestClient) -> None:
    sign_in(client, EXECUTIVE)
    page = client.get(PAGE).text
    for value in ("agree", "agree_in_part", "disagree", "note"):
        assert f'<option value="{value}">' in page
    assert '<option value="sign_off">' not in page


def test_the_board_answers_the_whole_report_in_one_post(
    client: TestClient, site_engine: Engine
) -> None:
    sign_in(client, EXECUTIVE)
    response = post(client, PAGE, {**AS_THE_BOARD_DID, "on": "2027-02-24"})
    assert response.status_code == 303
    assert response.headers["location"] == PAGE
    page = client.get(PAGE).text
    assert "Responses recorded: CCS/09/a noted, CCS/09/b agreed, CCS/09/c agreed." in page
    assert "Every recommendation of this report has a response." in page
    assert rows(site_engine) == (3 + 3, 3)  # three loaded, three answered


def test_the_history_shows_each_response(client: TestClient) -> None:
    sign_in(client, EXECUTIVE)
    post(client, PAGE, {**AS_THE_BOARD_DID, "on": "2027-02-24"})
    rec = client.get("/recs/CCS/09/b").text
    assert "Agreed on 24 Feb 2027" in rec
    assert "Proposed → Endorsed" in rec


def test_a_row_left_without_a_decision_waits_for_another_day(
    client: TestClient, site_engine: Engine
) -> None:
    sign_in(client, EXECUTIVE)
    answers = {key: value for key, value in AS_THE_BOARD_DID.items() if "/c." not in key}
    assert post(client, PAGE, answers).status_code == 303
    page = client.get(PAGE).text
    assert 'name="CCS/09/c.decision"' in page
    assert 'name="CCS/09/b.decision"' not in page
    assert rows(site_engine)[1] == 2


def test_at_least_one_decision_is_asked_for(client: TestClient, site_engine: Engine) -> None:
    sign_in(client, EXECUTIVE)
    before = rows(site_engine)
    response = post(client, PAGE, {})
    assert response.status_code == 400
    assert "Choose a decision for at least one recommendation" in response.text
    assert 'href="#r1-decision"' in response.text
    assert rows(site_engine) == before


def test_agreeing_without_a_timescale_is_refused_at_its_row(
    client: TestClient, site_engine: Engine
) -> None:
    sign_in(client, EXECUTIVE)
    before = rows(site_engine)
    answers = {**AS_THE_BOARD_DID, "CCS/09/b.timescale": ""}
    response = post(client, PAGE, answers)
    assert response.status_code == 409
    assert "Cannot agree CCS/09/b: a timescale (the date it will be done by) is required" in (
        response.text
    )
    assert 'href="#r2-timescale"' in response.text  # the summary leads to the field
    assert 'id="r2-timescale-error"' in response.text
    assert rows(site_engine) == before  # not even a's note, nor c's agreement


def test_what_was_typed_is_kept_when_refused(client: TestClient) -> None:
    sign_in(client, EXECUTIVE)
    response = post(client, PAGE, {**AS_THE_BOARD_DID, "CCS/09/b.timescale": ""})
    assert "The Board will consider this when it decides the Strategy." in response.text
    assert 'name="CCS/09/c.timescale" type="date" value="2027-03-31"' in response.text


def test_a_decision_in_the_future_is_refused(client: TestClient, site_engine: Engine) -> None:
    sign_in(client, EXECUTIVE)
    before = rows(site_engine)
    response = post(client, PAGE, {**AS_THE_BOARD_DID, "on": "2027-03-01"})
    assert response.status_code == 400
    assert "2027-03-01 is in the future" in response.text
    assert 'id="on-error"' in response.text
    assert rows(site_engine) == before


def test_a_decision_not_in_the_table_is_refused_at_its_row(
    client: TestClient, site_engine: Engine
) -> None:
    sign_in(client, EXECUTIVE)
    before = rows(site_engine)
    response = post(client, PAGE, {**AS_THE_BOARD_DID, "CCS/09/c.decision": "welcome"})
    assert response.status_code == 400
    assert "&#39;welcome&#39; is not a response; choose from agree, agree-in-part" in response.text
    assert 'id="r3-decision-error"' in response.text
    assert rows(site_engine) == before


def test_a_bad_timescale_names_its_row(client: TestClient) -> None:
    sign_in(client, EXECUTIVE)
    response = post(client, PAGE, {**AS_THE_BOARD_DID, "CCS/09/b.timescale": "soon"})
    assert response.status_code == 400
    assert "The timescale &#39;soon&#39; is not a date like 2027-03-31" in response.text
    assert 'id="r2-timescale-error"' in response.text


def test_words_typed_without_a_decision_are_not_lost(client: TestClient) -> None:
    sign_in(client, EXECUTIVE)
    response = post(client, PAGE, {"CCS/09/a.comment": "Later, perhaps."})
    assert response.status_code == 400
    assert "Choose a decision for CCS/09/a, or clear its row" in response.text


def test_a_form_without_its_csrf_token_is_refused(client: TestClient, site_engine: Engine) -> None:
    sign_in(client, EXECUTIVE)
    before = rows(site_engine)
    response = client.post(PAGE, data=AS_THE_BOARD_DID)
    assert response.status_code == 403
    assert rows(site_engine) == before


def test_answered_recommendations_are_listed_with_their_response(client: TestClient) -> None:
    sign_in(client, EXECUTIVE)
    post(client, PAGE, {"CCS/09/a.decision": "note", "CCS/09/a.comment": "<b>Noted</b>"})
    page = client.get(PAGE).text
    assert "Already answered" in page
    assert "“&lt;b&gt;Noted&lt;/b&gt;”" in page  # what a person typed is never markup
    assert 'name="CCS/09/a.decision"' not in page


def test_a_refusal_reads_the_same_on_the_page_and_in_the_cli(
    client: TestClient,
    rectrack: App,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RECTRACK_DATABASE_URL", rectrack.settings.database_url)
    status = main(["respond", "CCS/09/b", "agree", "--by", EXECUTIVE], rectrack.clock)
    said = capsys.readouterr().err.strip().removeprefix("rectrack: error: ")
    assert status == 1
    sign_in(client, EXECUTIVE)
    page = post(client, PAGE, {"CCS/09/b.decision": "agree"}).text
    # The command line names its option where the page points at the field instead.
    assert as_a_page_says(said.replace(" (--timescale)", "")) in page
    assert said.startswith("cannot agree CCS/09/b: a timescale")


def test_the_executives_home_page_leads_to_the_form(client: TestClient) -> None:
    sign_in(client, EXECUTIVE)
    assert f'<a href="{PAGE}">CCS/09: Scrutiny Panel response' in client.get("/").text
