"""Seed 003's story, played in Chromium by each persona, the reminder's link caught by a
real SMTP server (aiosmtpd), and every page on the way checked by axe-core.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from browsing import sign_in, violations
from mailserver import SmtpServer, free_port
from playwright.sync_api import Browser, Page, expect
from websupport import CHAIR, CLERK, EXECUTIVE, OFFICER

from config import StartTls
from notifications import service
from rectrack.app import App
from workflow import services


@pytest.fixture
def mail_server() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def by_smtp(rectrack: App, mail_server: SmtpServer) -> App:
    """The app sending its mail to the loopback SMTP server."""
    rectrack.settings = replace(
        rectrack.settings, mail_transport="smtp", mail_smtp_host="127.0.0.1",
        mail_smtp_port=mail_server.port, mail_smtp_starttls=StartTls.NEVER,
    )  # fmt: skip
    return rectrack


def at(rectrack: App, when: str) -> None:
    rectrack.clock.at = datetime.fromisoformat(when).astimezone(UTC)  # type: ignore[attr-defined]


def state_of(rectrack: App, code: str) -> str:
    with rectrack.session() as session:
        return str(services.show_recommendation(session, code)["state"])


def accessible(page: Page) -> None:
    assert violations(page) == [], page.url


def link_in(messages: list[EmailMessage], to: str) -> str:
    """The update link in the monitoring reminder sent to `to`."""
    for message in messages:
        if to in message["To"] and "monitor" in message["Subject"].lower():
            body = message.get_body(("plain",))
            assert body is not None
            found = re.search(r"https?://\S+/u/[\w-]+", body.get_content())
            assert found, "the reminder carries no update link"
            return found.group(0)
    raise AssertionError(f"no monitoring reminder to {to}: {[m['Subject'] for m in messages]}")


def test_each_persona_plays_their_part(
    by_smtp: App, site: str, browser: Browser, mail_server: SmtpServer
) -> None:
    rectrack = by_smtp
    context = browser.new_context(base_url=site, viewport={"width": 1100, "height": 900})
    page = context.new_page()

    # 24 February: the board responds to the whole report from the executive's work.
    at(rectrack, "2027-02-24T17:30:00+00:00")
    sign_in(page, EXECUTIVE)
    accessible(page)
    page.get_by_role("link", name="CCS/09: ").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Customer Contact Strategy")
    accessible(page)
    page.locator("#r1-decision").select_option("note")
    page.locator("#r1-comment").fill("The Board will consider this when it decides the Strategy.")
    for row in ("r2", "r3"):
        page.locator(f"#{row}-decision").select_option("agree")
        page.locator(f"#{row}-timescale").fill("2027-03-31")
    page.get_by_role("button", name="Record the responses").click()
    expect(page.get_by_role("status")).to_contain_text("CCS/09/b agreed")
    assert state_of(rectrack, "CCS/09/b") == "endorsed"

    # The owner starts hers.
    sign_in(page, OFFICER)
    page.goto("/recs/CCS/09/b")
    page.locator("summary", has_text="Start").click()
    page.get_by_role("button", name="Start").click()
    expect(page.locator("h1")).to_contain_text("In progress")
    accessible(page)

    # 6 April, 08:00: the service sends the reminder of two weeks before the meeting.
    at(rectrack, "2027-04-06T08:00:00+01:00")
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop holds this thread; tick runs its own
        report = pool.submit(service.tick, rectrack).result()
    assert not report.problems()
    link = link_in(mail_server.recorder.messages, OFFICER)

    # Later that morning she follows the link: no account, no password.
    at(rectrack, "2027-04-06T10:00:00+01:00")
    stranger = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
    stranger.goto(link)
    expect(stranger.locator("h1")).to_contain_text("CCS/09/b")
    accessible(stranger)
    stranger.get_by_label("What has been done, and what is next").fill(
        "Action plan published, with short, medium and long term objectives."
    )
    stranger.get_by_label("RAG status now").select_option("green")
    stranger.get_by_role("button", name="Send the update").click()
    expect(stranger.locator("h1")).to_have_text("Thank you")
    accessible(stranger)
    stranger.context.close()

    # The clerk accepts it: it becomes her progress update.
    sign_in(page, CLERK)
    page.goto("/updates/pending")
    accessible(page)
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text("now a progress update")  # done
    page.goto("/recs/CCS/09/b")
    expect(page.locator(".timeline")).to_contain_text("Action plan published")

    # She reports it implemented before the panel's meeting.
    sign_in(page, OFFICER)
    page.goto("/recs/CCS/09/b")
    page.locator("summary", has_text="Report implemented").click()
    page.get_by_label("Commentary").fill("The action plan is ready for the panel's review.")
    page.get_by_role("button", name="Report implemented").click()
    expect(page.locator("h1")).to_contain_text("Monitored")

    # 20 April: the panel's chair signs it off at the meeting's page.
    at(rectrack, "2027-04-20T19:30:00+01:00")
    sign_in(page, CHAIR)
    page.get_by_role("link", name="20 Apr 2027").click()
    page.wait_for_url("**/meetings/*")
    accessible(page)
    decision = page.locator("details", has=page.locator("summary", has_text="Sign off"))
    decision.locator("summary").click()
    decision.get_by_label("Outcome").select_option("implemented")
    decision.get_by_role("button", name="Sign off").click()
    expect(page.get_by_role("status")).to_contain_text("CCS/09/b")
    accessible(page)
    assert state_of(rectrack, "CCS/09/b") == "closed"
    context.close()
