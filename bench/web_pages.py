"""Usage: python -m bench.web_pages [--requests N]  (the pages' server time vs their own work)

A site of 1,000 recommendations (`bench.web_site`) is loaded, not timed, and a clerk
signs in. Then two pages are asked for, `--requests` times each:

- `/recs`, the tracker (all 1,000 read, the first page of 50 shown), and
- `/recs/CODE`, a recommendation with its history and forms,

from the real web app in process (a Starlette TestClient with the signed-in
session's cookie). Its server time is measured around the ASGI app: from the call
to the last byte handed on, sessions, security headers, routing, dependencies, the
thread the route runs in and the template response included. The floor is the same
page's own work without the framework: a session, the same service calls and the
same Jinja render of the same template with the same context. Each request is
followed by one of the floor, so that a busy machine slows both alike; each floor
page is checked to be the bytes the app sent.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from jinja2 import Environment
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from bench.common import fresh_sqlite
from bench.web_site import CODE, EMAIL, NOW, PASSWORD, csrf_of, seed_site, site_settings
from rectrack.app import App
from rectrack.web import create_app
from rectrack.web.pages.recs import TrackerQuery, rec_context, tracker_context
from rectrack.web.templating import templates
from workflow import services
from workflow.clock import FixedClock
from workflow.db import new_session
from workflow.services.accounts import SignedIn, session_person

Page = Callable[[], bytes]


class ServerTime:
    """The ASGI app, timed from each call to its return (the response's last byte sent)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.times: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.times.append(time.perf_counter() - start)


class Floor:
    """The pages' own work: the service calls and the render, with no web framework."""

    def __init__(self, app: App, viewer: SignedIn, csrf: str) -> None:
        self.app, self.viewer, self.csrf = app, viewer, csrf
        self.env: Environment = templates(app.settings.templates_directory).env

    def render(self, name: str, **context: Any) -> bytes:
        context = {"nav": None, **context, "viewer": self.viewer, "today": self.app.today()}
        context |= {"csrf_token": self.csrf, "flash": None, "request": _NoQuery}
        return self.env.get_template(name).render(context).encode()

    def tracker(self) -> bytes:
        app, query = self.app, TrackerQuery()
        with new_session(app.engine) as session:
            rows = services.list_recommendations(session, app.table, app.today(), query.filters)
            context = tracker_context(app, session, query, rows)
        return self.render("recs.html", **context)

    def recommendation(self) -> bytes:
        with new_session(self.app.engine) as session:
            context = rec_context(self.app, session, self.viewer, CODE)
        return self.render("rec.html", **context)


class _NoQuery:
    """What the templates read of the request: an address with no query."""

    query_params = QueryParams("")


def signed_in(client: TestClient) -> str:
    """Sign the clerk in; return the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    form = {"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form).status_code == 303
    return csrf_of(client.get("/recs").text)


def the_viewer(app: App) -> SignedIn:
    with new_session(app.engine) as session:
        viewer = session_person(session, 1, 1)
    assert viewer is not None
    return viewer


def pair(
    client: TestClient, timer: ServerTime, path: str, floor: Page, n: int
) -> tuple[list[float], list[float]]:
    """Ask the app for `path` and the floor for its page in turn, n times after 20 unmeasured."""
    ours: list[float] = []
    theirs: list[float] = []
    for i in range(n + 20):
        response = client.get(path)
        start = time.perf_counter()
        page = floor()
        elapsed = time.perf_counter() - start
        assert response.status_code == 200 and response.content == page, path
        if i >= 20:
            ours.append(timer.times[-1])
            theirs.append(elapsed)
    return ours, theirs


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def show(title: str, ours: list[float], floor: list[float]) -> None:
    print(f"\n{title} ({len(ours)} requests)")
    for name, times in (("the web app (server time)", ours), ("floor: services + render", floor)):
        median, high = statistics.median(times) * 1000, p95(times) * 1000
        print(f"  {name:<28} median {median:8.2f} ms   p95 {high:8.2f} ms")
    ratio = statistics.median(ours) / statistics.median(floor)
    print(f"  {'ratio of medians':<28} {ratio:8.2f}x   (p95: {p95(ours) / p95(floor):.2f}x)")
    print("  goal: at most 1.5x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    n = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "web.db")
        seed_site(fresh_sqlite(path))
        app = App(site_settings(f"sqlite:///{path}"), FixedClock(NOW))
        timer = ServerTime(create_app(app))
        with TestClient(timer, base_url="http://testserver", follow_redirects=False) as client:
            floor = Floor(app, the_viewer(app), signed_in(client))
            ours, theirs = pair(client, timer, "/recs", floor.tracker, n)
            show("/recs: the tracker of 1,000 recommendations, first page", ours, theirs)
            ours, theirs = pair(client, timer, f"/recs/{CODE}", floor.recommendation, n)
            show(f"/recs/{CODE}: one recommendation, its history and forms", ours, theirs)


if __name__ == "__main__":
    main()
