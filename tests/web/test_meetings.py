"""`/meetings/{id}`: the committee's review at a meeting, for its chair and the clerk."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import select
from websupport import CHAIR, CLERK, EXECUTIVE, OFFICER, OTHER_OFFICER, post, sign_in

from rectrack.app import App
from workflow import services
from workflow.db import new_session
from workflow.models import Amendment, Event, Meeting
from workflow.services import Asked

OTHER_CHAIR = "cllr.price@oxford.example"  # chairs the City Executive Board
PANEL_DECIDES = datetime(2027, 4, 20, 18, 30, tzinfo=UTC)  # 19:30 in London
SIGN_OFF, AMEND = "sign_off", "amend"


def meeting_of(engine: Engine, day: date) -> int:
    with new_session(engine) as session:
        for meeting in session.exec(select(Meeting)):
            if meeting.starts_at.date() == day and meeting.id is not None:
                return meeting.id
    raise AssertionError(f"no meeting on {day}")


def do(rectrack: App, code: str, by: str, asked: services.Asked) -> None:
    """Fire one event through the services, as the people of the demo did."""
    with rectrack.session() as session:
        actor = services.actor_for(session, by)
        services.act(session, rectrack.lifecycle, code, actor, asked, rectrack.clock.now())


def history(engine: Engine) -> int:
    with new_session(engine) as session:
        return session.exec(select(func.count()).select_from(Event)).one()


@pytest.fixture
def panel(rectrack: App, site_engine: Engine) -> str:
    """The page of the panel's 20 April meeting, on its evening: the board answered in
    February, the owners started, and b was reported done."""
    do(rectrack, "CCS/09/a", EXECUTIVE, Asked("note", comment="The Board will consider this."))
    for code in ("CCS/09/b", "CCS/09/c"):
        do(rectrack, code, EXECUTIVE, Asked("agree", timescale=date(2027, 3, 31)))
    rectrack.clock.at = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    do(rectrack, "CCS/09/b", OFFICER, Asked("start"))
    do(rectrack, "CCS/09/c", "helen.rowlands@oxford.example", Asked("start"))
    rectrack.clock.at = datetime(2027, 4, 16, 9, 5, tzinfo=UTC)  # type: ignore[attr-defined]
    do(rectrack, "CCS/09/b", OFFICER, Asked("report_implemented", note="The action plan is ready."))
    rectrack.clock.at = PANEL_DECIDES  # type: ignore[attr-defined]
    return f"/meetings/{meeting_of(site_engine, date(2027, 4, 20))}"


def action(page: str, code: str, event: str) -> str:
    return f"{page}/recs/{code}/events/{event}"


@pytest.mark.parametrize("email", [CHAIR, CLERK])
def test_the_chair_and_the_clerk_see_the_review(client: TestClient, panel: str, email: str) -> None:
    sign_in(client, email)
    page = client.get(panel)
    assert page.status_code == 200
    assert "Customer Contact Strategy: monitoring after the Quarter four milestones" in page.text
    assert 'Due for review <span class="muted">(2)</span>' in page.text


@pytest.mark.parametrize("email", [OTHER_CHAIR, EXECUTIVE, OFFICER, OTHER_OFFICER])
def test_others_may_not_see_it(client: TestClient, panel: str, email: str) -> None:
    sign_in(client, email)
    page = client.get(panel)
    assert page.status_code == 403
    assert "only the chair of the Value and Performance Scrutiny Committee or the clerk" in (
        page.text
    )


def test_a_stranger_is_sent_to_sign_in(client: TestClient, panel: str) -> None:
    response = client.get(panel)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={panel}"


def test_a_meeting_that_does_not_exist_is_not_found(client: TestClient) -> None:
    sign_in(client, CLERK)
    assert client.get("/meetings/999").status_code == 404
    assert client.get("/meetings/first").status_code == 404


def test_each_due_item_offers_what_the_chair_may_decide(client: TestClient, panel: str) -> None:
    sign_in(client, CHAIR)
    page = client.get(panel).text
    assert f'action="{action(panel, "CCS/09/b", SIGN_OFF)}"' in page
    assert f'action="{action(panel, "CCS/09/b", "reopen")}"' in page
    assert f'action="{action(panel, "CCS/09/c", AMEND)}"' in page
    assert f'action="{action(panel, "CCS/09/c", SIGN_OFF)}"' not in page  # c is in progress
    assert "/events/report_implemented" not in page  # the owner's, not the committee's
    assert "The action plan is ready." in page  # b's latest word, from its owner


def test_the_forms_carry_the_meetings_body_and_day(client: TestClient, panel: str) -> None:
    sign_in(client, CHAIR)
    page = client.get(panel).text
    assert '<input type="hidden" name="endorsed_by" value="Value and Performance' in page
    assert '<input type="hidden" name="on" value="2027-04-20">' in page


def test_noted_recommendations_await_the_committees_conclusion(
    client: TestClient, panel: str
) -> None:
    sign_in(client, CHAIR)
    page = client.get(panel).text
    assert "Noted by the executive, awaiting the committee" in page
    assert f'action="{action(panel, "CCS/09/a", "conclude")}"' in page


def test_the_chair_signs_b_off(client: TestClient, panel: str, rectrack: App) -> None:
    sign_in(client, CHAIR)
    form = {"outcome": "implemented", "on": "2027-04-20"}
    response = post(client, action(panel, "CCS/09/b", SIGN_OFF), form, page=panel)
    assert response.status_code == 303
    assert response.headers["location"] == panel
    assert "CCS/09/b: sign off recorded; it is now closed (implemented)." in client.get(panel).text
    with rectrack.session() as session:
        rec = services.show_recommendation(session, "CCS/09/b")
    assert (rec["state"], rec["closure_outcome"]) == ("closed", "implemented")
    assert rec["history"][-1]["effective_on"] == "2027-04-20"


def test_the_chair_amends_c_endorsed_by_the_panel_that_day(
    client: TestClient, panel: str, rectrack: App
) -> None:
    sign_in(client, CHAIR)
    form = {
        "reason": "The panel will review the indicators' first figures in July.",
        "monitoring_date": "2027-07-13",
        "endorsed_by": "Value and Performance Scrutiny Committee",
        "on": "2027-04-20",
    }
    assert post(client, action(panel, "CCS/09/c", AMEND), form, page=panel).status_code == 303
    with rectrack.session() as session:
        [amendment] = session.exec(select(Amendment)).all()
        rec = services.show_recommendation(session, "CCS/09/c")
    assert amendment.endorsed_on == date(2027, 4, 20)
    assert (rec["state"], rec["monitoring_date"]) == ("amended", "2027-07-13")
    assert "Nothing is due" not in client.get(panel).text  # b is still due


def test_a_refusal_is_shown_at_its_form_and_nothing_is_written(
    client: TestClient, panel: str, site_engine: Engine
) -> None:
    sign_in(client, CHAIR)
    before = history(site_engine)
    form = {"endorsed_by": "Value and Performance Scrutiny Committee", "on": "2027-04-20"}
    response = post(client, action(panel, "CCS/09/c", AMEND), form, page=panel)
    assert response.status_code == 409
    assert "Cannot amend CCS/09/c: a reason is required" in response.text
    assert 'href="#i2-amend-reason"' in response.text
    assert 'id="i2-amend-reason-error"' in response.text
    assert history(site_engine) == before


def test_another_chair_may_not_decide_at_the_panels_meeting(
    client: TestClient, panel: str, site_engine: Engine
) -> None:
    sign_in(client, OTHER_CHAIR)
    before = history(site_engine)
    board = f"/meetings/{meeting_of(site_engine, date(2027, 2, 24))}"  # a page of theirs
    response = post(client, action(panel, "CCS/09/b", SIGN_OFF), {"on": "2027-04-20"}, page=board)
    assert response.status_code == 403
    assert history(site_engine) == before


def test_the_clerk_records_the_decision_on_the_panels_behalf(
    client: TestClient, panel: str
) -> None:
    sign_in(client, CLERK)
    form = {"reason": "The plan lacks costs.", "on": "2027-04-20"}
    response = post(client, action(panel, "CCS/09/b", "reopen"), form, page=panel)
    assert response.status_code == 303
    assert "CCS/09/b: reopen recorded; it is now in progress." in client.get(panel).text


def test_a_decision_without_its_csrf_token_is_refused(
    client: TestClient, panel: str, site_engine: Engine
) -> None:
    sign_in(client, CHAIR)
    before = history(site_engine)
    response = client.post(action(panel, "CCS/09/b", SIGN_OFF), data={"on": "2027-04-20"})
    assert response.status_code == 403
    assert history(site_engine) == before


def test_what_people_typed_is_escaped(client: TestClient, panel: str, rectrack: App) -> None:
    note = "<script>alert(1)</script>"
    with rectrack.session() as session:
        actor = services.actor_for(session, OFFICER)
        now = rectrack.clock.now()
        services.add_update(session, rectrack.lifecycle, "CCS/09/b", actor, note, "green", now)
    sign_in(client, CHAIR)
    page = client.get(panel).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_home_page_leads_the_chair_to_the_meeting(
    client: TestClient, panel: str, rectrack: App
) -> None:
    rectrack.clock.at = datetime(2027, 4, 20, 8, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    sign_in(client, CHAIR)
    home = client.get("/").text
    assert f'<a href="{panel}">' in home
    assert "2 recommendations due for review" in home
