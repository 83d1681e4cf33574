"""What the browser tests share: signing in as a person would, and axe-core's verdict."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from websupport import PASSWORD

AXE = Axe()
# WCAG 2.2 A and AA, and axe's best practices besides.
RULES = {"runOnly": {"type": "tag", "values": [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice",
]}}  # fmt: skip


def sign_in(page: Page, email: str) -> None:
    """Sign `email` in through the form, as a browser that held no session before."""
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def violations(page: Page) -> list[str]:
    """What axe-core finds wrong with the page: one line a rule, naming where."""
    results = AXE.run(page, options=RULES)
    return [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in results.response["violations"]
    ]
