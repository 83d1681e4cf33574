"""The web app on each database: a signed-in person changes a recommendation."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from websupport import BOARD_DAY, EXECUTIVE, OFFICER, MovingClock, post, seed, sign_in, web_settings

from rectrack.app import App
from rectrack.web import create_app


def test_the_executive_and_the_owner_act_on_each_database(
    engine: Engine, tmp_path: Path, password_hash: str
) -> None:
    seed(engine, password_hash)
    app = App(web_settings(engine.url.render_as_string(False), tmp_path), MovingClock(BOARD_DAY))
    app.engine = engine
    with TestClient(create_app(app), follow_redirects=False) as client:
        sign_in(client, EXECUTIVE)
        form = {"timescale": "2027-03-31"}
        assert post(client, "/recs/CCS/09/b/events/agree", form, "/recs").status_code == 303
        sign_in(client, OFFICER)
        assert post(client, "/recs/CCS/09/b/events/start", {}, "/recs").status_code == 303
        page = client.get("/recs?state=in_progress").text
        assert "1 recommendation<" in page and "/recs/CCS/09/b" in page
        assert client.get("/healthz").json()["status"] == "ok"
