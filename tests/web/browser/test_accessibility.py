"""Every page, as each persona sees it, checked by axe-core in Chromium: no violations."""

from __future__ import annotations

import pytest
from browsing import sign_in, violations
from playwright.sync_api import Page
from websupport import CHAIR, CLERK, EXECUTIVE, OFFICER

from rectrack.app import App


def test_the_sign_in_page_passes_axe(page: Page) -> None:
    page.goto("/login")
    assert violations(page) == []


def test_a_refused_sign_in_passes_axe(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(OFFICER)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("There is a problem").wait_for()
    assert violations(page) == []


@pytest.mark.parametrize("email", [CLERK, EXECUTIVE, CHAIR, OFFICER])
@pytest.mark.parametrize("path", ["/", "/recs", "/recs/CCS/09/b", "/recs?state=proposed&q=panel"])
def test_each_page_passes_axe_for_each_persona(page: Page, email: str, path: str) -> None:
    sign_in(page, email)
    page.goto(path)
    assert violations(page) == []


def test_a_refused_form_passes_axe(page: Page) -> None:
    sign_in(page, CLERK)
    page.goto("/recs/CCS/09/b")
    page.get_by_text("Agree", exact=True).first.click()
    page.get_by_role("button", name="Agree").click()
    page.get_by_text("There is a problem").wait_for()
    assert violations(page) == []


def test_the_phone_layout_passes_axe(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, OFFICER)
    for path in ("/", "/recs", "/recs/CCS/09/b"):
        page.goto(path)
        assert violations(page) == [], path


def _meeting_id(rectrack: App, day: str) -> int:
    from sqlmodel import select

    from workflow.models import Meeting

    with rectrack.session() as session:
        meetings = session.exec(select(Meeting)).all()
    return next(m.id or 0 for m in meetings if m.starts_at.date().isoformat() == day)


@pytest.mark.parametrize(
    ("email", "path"),
    [
        (EXECUTIVE, "/reports/CCS/09"),
        (CHAIR, "/meetings/{panel}"),
        (CLERK, "/meetings/{panel}"),
        (CLERK, "/updates/pending"),
        (CLERK, "/annex"),
        (CLERK, "/stats"),
        (OFFICER, "/calendar"),
        (OFFICER, "/reports/CCS/09"),  # refused: the page that says so
        (OFFICER, "/recs/CCS/09/zz"),  # not found
    ],
)
def test_every_other_page_passes_axe(page: Page, rectrack: App, email: str, path: str) -> None:
    sign_in(page, email)
    page.goto(path.format(panel=_meeting_id(rectrack, "2027-04-20")))
    assert violations(page) == []


def test_the_pages_reached_by_a_link_pass_axe(page: Page, rectrack: App) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from websupport import reminder_link

    with ThreadPoolExecutor(1) as pool:  # Playwright's loop holds this thread; tick runs its own
        token = pool.submit(reminder_link, rectrack).result()
    page.goto(f"/u/{token}")
    assert violations(page) == []
    page.get_by_role("button", name="Send the update").click()  # no note: refused
    page.get_by_text("There is a problem").wait_for()
    assert violations(page) == []
    page.get_by_label("What has been done, and what is next").fill("The plan is drafted.")
    page.get_by_role("button", name="Send the update").click()
    page.get_by_role("heading", name="Thank you").wait_for()  # sent: htmx swaps the page in
    assert violations(page) == []
    page.goto(f"/u/{token}")  # used: the page that says so
    page.get_by_text("used already").wait_for()
    assert violations(page) == []
    sign_in(page, CLERK)
    page.goto("/updates/pending")  # with the update to decide
    assert violations(page) == []


def test_the_public_page_passes_axe(page: Page, rectrack: App) -> None:
    from dataclasses import replace

    rectrack.settings = replace(rectrack.settings, web_public=True)
    page.goto("/public")
    assert violations(page) == []


def test_no_page_logs_an_error_in_the_browser(page: Page) -> None:
    """Nothing the Content-Security-Policy blocks, no script error: htmx runs as it should."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, CLERK)
    for path in ("/", "/recs", "/recs/CCS/09/b", "/annex", "/stats", "/updates/pending"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Tracker").click()  # a boosted link: htmx swaps the page
    page.wait_for_url("**/recs")
    assert page.evaluate("typeof window.htmx") == "object"  # loaded under the policy
    assert errors == []


def test_the_invitation_passes_axe(page: Page, rectrack: App) -> None:
    from websupport import OTHER_OFFICER, invitation_token

    page.goto(f"/invite/{invitation_token(rectrack, OTHER_OFFICER)}")
    assert violations(page) == []
    page.get_by_role("button").last.click()  # no password: refused
    page.get_by_text("There is a problem").wait_for()
    assert violations(page) == []
