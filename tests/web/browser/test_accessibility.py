"""Every page, as each persona sees it, checked by axe-core in Chromium: no violations."""

from __future__ import annotations

import pytest
from browsing import sign_in, violations
from playwright.sync_api import Page
from websupport import CHAIR, CLERK, EXECUTIVE, OFFICER


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
