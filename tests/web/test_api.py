"""The JSON API: bearer tokens, the tracker and one recommendation, the four changes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from runner import Cli
from websupport import BOARD_DAY, CHAIR, CLERK, EXECUTIVE, OFFICER, OTHER_OFFICER

from rectrack.app import App
from workflow.services import accounts, find_actor

REC = "CCS/09/b"  # owned by OFFICER, proposed


def token_for(rectrack: App, email: str) -> str:
    with rectrack.session() as session:
        clerk = find_actor(session, CLERK)
        return accounts.api_token(session, rectrack.table, clerk, BOARD_DAY, email, "tests")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def as_clerk(rectrack: App) -> dict[str, str]:
    return bearer(token_for(rectrack, CLERK))


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], rectrack: App, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The command line on the web app's database, at the web app's time."""
    monkeypatch.setenv("RECTRACK_DATABASE_URL", rectrack.settings.database_url)
    monkeypatch.delenv("RECTRACK_CONFIG", raising=False)
    monkeypatch.chdir(Path(rectrack.settings.database_url.removeprefix("sqlite:///")).parent)
    return Cli(capsys, BOARD_DAY)


def show(client: TestClient, headers: dict[str, str], code: str = REC) -> dict[str, Any]:
    response = client.get(f"/api/v1/recs/{code}", headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


# Who may call


def test_a_call_without_a_token_is_asked_for_one(client: TestClient) -> None:
    response = client.get("/api/v1/recs")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["error"]


def test_an_unknown_token_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/recs", headers=bearer("not-a-token"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_revoked_token_is_refused(client: TestClient, rectrack: App) -> None:
    token = token_for(rectrack, OFFICER)
    assert client.get("/api/v1/recs", headers=bearer(token)).status_code == 200
    with rectrack.session() as session:
        clerk = find_actor(session, CLERK)
        accounts.revoke_tokens(session, rectrack.table, clerk, BOARD_DAY, OFFICER, "api")
    response = client.get("/api/v1/recs", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["error"] == accounts_refused()


def accounts_refused() -> str:
    from rectrack.web.api.auth import REFUSED

    return REFUSED


def test_a_signed_in_session_is_not_a_token(client: TestClient) -> None:
    from websupport import sign_in

    sign_in(client, CLERK)
    assert client.get("/api/v1/recs").status_code == 401


# Reading


def test_the_list_is_what_recs_list_json_prints(
    client: TestClient, as_clerk: dict[str, str], cli: Cli
) -> None:
    response = client.get("/api/v1/recs", headers=as_clerk)
    assert response.status_code == 200
    assert response.json() == cli.json("recs", "list")


def test_the_list_takes_the_filters_of_recs_list(
    client: TestClient, as_clerk: dict[str, str], cli: Cli
) -> None:
    query = {"owner": OFFICER, "state": ["proposed", "endorsed"], "awaiting_response": "true"}
    response = client.get("/api/v1/recs", params=query, headers=as_clerk)
    expected = cli.json(
        "recs", "list", "--owner", OFFICER, "--state", "proposed", "--state", "endorsed",
        "--awaiting-response",
    )  # fmt: skip
    assert response.json() == expected
    assert [row["code"] for row in expected] == [REC]


def test_a_filter_it_cannot_use_is_bad_input(client: TestClient, as_clerk: dict[str, str]) -> None:
    response = client.get("/api/v1/recs", params={"state": "lost"}, headers=as_clerk)
    assert response.status_code == 400
    assert response.json()["field"] == "state"


def test_one_is_what_recs_show_json_prints(
    client: TestClient, as_clerk: dict[str, str], cli: Cli
) -> None:
    assert show(client, as_clerk) == cli.json("recs", "show", REC)


def test_an_unknown_code_is_not_found(client: TestClient, as_clerk: dict[str, str]) -> None:
    response = client.get("/api/v1/recs/CCS/09/zz", headers=as_clerk)
    assert response.status_code == 404
    assert response.json() == {
        "error": "there is no recommendation with code 'CCS/09/zz'",
        "field": None,
    }


# Changing


def test_the_executive_responds(client: TestClient, rectrack: App) -> None:
    body = {"decision": "agree", "timescale": "2027-09-30", "comment": "Yes.", "on": "2027-02-23"}
    response = client.post(
        f"/api/v1/recs/{REC}/respond", json=body, headers=bearer(token_for(rectrack, EXECUTIVE))
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "code": REC, "event": "agree", "from_state": "proposed", "to_state": "endorsed",
        "by": EXECUTIVE,
    }  # fmt: skip
    assert show(client, bearer(token_for(rectrack, CLERK)))["state"] == "endorsed"


def test_a_response_without_its_timescale_is_refused_and_nothing_written(
    client: TestClient, rectrack: App, as_clerk: dict[str, str]
) -> None:
    before = show(client, as_clerk)
    response = client.post(
        f"/api/v1/recs/{REC}/respond", json={"decision": "agree"}, headers=as_clerk
    )
    assert response.status_code == 409
    assert response.json()["field"] == "timescale"
    assert show(client, as_clerk) == before


def test_an_officer_may_not_respond(
    client: TestClient, rectrack: App, as_clerk: dict[str, str]
) -> None:
    body = {"decision": "agree", "timescale": "2027-09-30"}
    response = client.post(
        f"/api/v1/recs/{REC}/respond", json=body, headers=bearer(token_for(rectrack, OFFICER))
    )
    assert response.status_code == 403
    assert response.json()["error"].startswith("cannot agree CCS/09/b: only ")
    assert show(client, as_clerk)["state"] == "proposed"


def test_a_decision_that_is_not_one_is_bad_input(
    client: TestClient, as_clerk: dict[str, str]
) -> None:
    body = {"decision": "shrug"}
    response = client.post(f"/api/v1/recs/{REC}/respond", json=body, headers=as_clerk)
    assert response.status_code == 400
    assert response.json()["field"] == "decision"


def test_a_field_the_command_does_not_take_is_bad_input(
    client: TestClient, as_clerk: dict[str, str]
) -> None:
    body = {"decision": "agree", "timescale": "2027-09-30", "timescael": "x"}
    response = client.post(f"/api/v1/recs/{REC}/respond", json=body, headers=as_clerk)
    assert response.status_code == 400
    assert response.json()["field"] == "timescael"


def test_a_date_that_is_not_one_is_bad_input(client: TestClient, as_clerk: dict[str, str]) -> None:
    body = {"decision": "agree", "timescale": "soon"}
    response = client.post(f"/api/v1/recs/{REC}/respond", json=body, headers=as_clerk)
    assert response.status_code == 400
    assert response.json()["field"] == "timescale"


def agreed(client: TestClient, headers: dict[str, str], code: str = REC) -> None:
    body = {"decision": "agree", "timescale": "2027-09-30", "on": "2027-02-23"}
    assert (
        client.post(f"/api/v1/recs/{code}/respond", json=body, headers=headers).status_code == 200
    )


def test_the_owner_fires_start(client: TestClient, rectrack: App, as_clerk: dict[str, str]) -> None:
    agreed(client, as_clerk)
    response = client.post(
        f"/api/v1/recs/{REC}/fire",
        json={"event": "start"},
        headers=bearer(token_for(rectrack, OFFICER)),
    )
    assert response.status_code == 200, response.text
    assert response.json()["to_state"] == "in_progress"


def test_another_officer_may_not_fire_start(
    client: TestClient, rectrack: App, as_clerk: dict[str, str]
) -> None:
    agreed(client, as_clerk)
    response = client.post(
        f"/api/v1/recs/{REC}/fire", json={"event": "start"},
        headers=bearer(token_for(rectrack, OTHER_OFFICER)),
    )  # fmt: skip
    assert response.status_code == 403
    assert show(client, as_clerk)["state"] == "endorsed"


def test_an_event_from_the_wrong_state_is_refused(
    client: TestClient, as_clerk: dict[str, str]
) -> None:
    response = client.post(f"/api/v1/recs/{REC}/fire", json={"event": "sign_off"}, headers=as_clerk)
    assert response.status_code == 409
    assert "it is proposed" in response.json()["error"]


def test_the_owner_writes_a_progress_update(
    client: TestClient, rectrack: App, as_clerk: dict[str, str]
) -> None:
    agreed(client, as_clerk)
    body = {"note": "Draft plan agreed with partners.", "rag": "amber"}
    response = client.post(
        f"/api/v1/recs/{REC}/update", json=body, headers=bearer(token_for(rectrack, OFFICER))
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "code": REC,
        "event": "progress_update",
        "rag": "amber",
        "by": OFFICER,
    }
    assert show(client, as_clerk)["rag"] == "amber"


def test_an_update_with_a_rag_that_is_not_one_is_refused(
    client: TestClient, as_clerk: dict[str, str]
) -> None:
    agreed(client, as_clerk)
    before = show(client, as_clerk)
    body = {"note": "Going well.", "rag": "purple"}
    response = client.post(f"/api/v1/recs/{REC}/update", json=body, headers=as_clerk)
    assert response.status_code == 409
    assert response.json()["field"] == "rag"
    assert show(client, as_clerk) == before


def test_the_chair_records_an_amendment(
    client: TestClient, rectrack: App, as_clerk: dict[str, str]
) -> None:
    agreed(client, as_clerk)
    body = {
        "target_date": "2027-12-31", "reason": "The plan's time base moved.",
        "endorsed_by": "Value and Performance Scrutiny Committee", "on": "2027-02-24",
    }  # fmt: skip
    response = client.post(
        f"/api/v1/recs/{REC}/amend", json=body, headers=bearer(token_for(rectrack, CHAIR))
    )
    assert response.status_code == 200, response.text
    assert response.json()["to_state"] == "amended"
    assert show(client, as_clerk)["target_date"] == "2027-12-31"


def test_an_amendment_by_another_body_is_refused_and_nothing_written(
    client: TestClient, as_clerk: dict[str, str]
) -> None:
    agreed(client, as_clerk)
    before = show(client, as_clerk)
    body = {
        "target_date": "2027-12-31",
        "reason": "Moved.",
        "endorsed_by": "City Executive Board",
        "on": "2027-02-24",
    }
    response = client.post(f"/api/v1/recs/{REC}/amend", json=body, headers=as_clerk)
    assert response.status_code == 409
    assert response.json()["field"] == "endorsed_by"
    assert show(client, as_clerk) == before


def test_an_amendment_needs_its_endorsement(client: TestClient, as_clerk: dict[str, str]) -> None:
    response = client.post(f"/api/v1/recs/{REC}/amend", json={"reason": "Moved."}, headers=as_clerk)
    assert response.status_code == 400
    assert response.json()["field"] == "endorsed_by"


# Its description


def test_the_openapi_document_lists_every_route(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert set(spec["paths"]) == {
        "/recs", "/recs/{code}", "/recs/{code}/respond", "/recs/{code}/fire",
        "/recs/{code}/update", "/recs/{code}/amend",
    }  # fmt: skip
    assert spec["servers"] == [{"url": "/api/v1"}]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_the_docs_page_loads_its_assets_from_this_site(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 4
    for asset in assets:
        assert asset.startswith("/"), asset  # same origin
        assert client.get(asset).status_code == 200, asset
