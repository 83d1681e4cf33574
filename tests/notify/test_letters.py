"""The mail no notice plans (updates from links, invitations), and the links in reminders."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import UTC, date, datetime
from typing import Any

import pytest
from factories import OFFICER, PANEL, REPORT, rules

from notifications.items import Contact, RecItem, Snapshot
from notifications.letters import OutboxPostbox
from notifications.links import Linking, last_day, links_for
from notifications.notices import Kind, MailKind, Notice
from notifications.rendering import Renderer
from workflow.letters import Letter

RULES = rules()
LINKING = Linking("https://rectrack.example", 14)
NASTY = "<script>alert('x')</script> & \"quoted\""
SENT_AT = datetime(2027, 4, 6, 7, tzinfo=UTC)


def recommendation(monitoring_date: date = date(2027, 4, 20)) -> RecItem:
    owner = Contact(OFFICER, "Olive Officer")
    return RecItem(1, f"{REPORT}/1", "Publish.", "in_progress", REPORT, 1, PANEL, owner,
                   date(2027, 3, 1), monitoring_date)  # fmt: skip


def snapshot_of(rec: RecItem) -> Snapshot:
    return Snapshot((rec,), (), (), ())


def notice(kind: Kind) -> Notice:
    about = date(2027, 4, 20) if kind is Kind.MONITORING_REMINDER else None
    return Notice(kind, "rec:1", OFFICER, "Olive Officer", SENT_AT.date(), SENT_AT, about,
                  recommendation_ids=(1,))  # fmt: skip


def context(kind: MailKind, nasty: str | None = None) -> dict[str, Any]:
    update = {
        "code": nasty or "CCS/09/b",
        "text": nasty or "Publish the figures.",
        "note": nasty or "The plan is drafted.",
        "rag": "amber",
        "proposed_target_date": date(2027, 9, 30),
        "sent_on": date(2027, 4, 6),
    }
    until = datetime(2027, 3, 3, 9, tzinfo=UTC)
    link = {"url": "https://rectrack.example/invite/abc", "until": until, "days": 7}
    return {"update": update, "reason": nasty or "Say when.", "link": link}


@pytest.fixture(scope="module")
def postbox() -> OutboxPostbox:
    return OutboxPostbox(Renderer(), "rectrack@council.example")


@pytest.mark.parametrize("kind", list(MailKind))
def test_every_mail_renders_in_text_and_html(postbox: OutboxPostbox, kind: MailKind) -> None:
    message = postbox.message(Letter(kind.value, OFFICER, "Olive Officer", context(kind)))
    assert message.kind is kind and message.subject and "\n" not in message.subject
    for body in (message.text, message.html):
        assert "Dear Olive Officer" in body
        assert ("CCS/09/b" if kind is not MailKind.INVITATION else "/invite/abc") in body


@pytest.mark.parametrize("kind", list(MailKind))
def test_the_html_escapes_everything_users_wrote(postbox: OutboxPostbox, kind: MailKind) -> None:
    html = postbox.message(Letter(kind.value, OFFICER, NASTY, context(kind, NASTY))).html
    assert "<script>" not in html and "&lt;script&gt;" in html
    ElementTree.fromstring(html)  # well formed, once escaped


def test_a_rejection_tells_the_reason(postbox: OutboxPostbox) -> None:
    letter = Letter("update-rejected", OFFICER, "Olive Officer", context(MailKind.UPDATE_REJECTED))
    assert "Say when." in postbox.message(letter).text


def test_a_reminder_links_each_recommendation_it_lists() -> None:
    snapshot = snapshot_of(recommendation())
    links = links_for([notice(Kind.MONITORING_REMINDER)], snapshot, RULES, LINKING, lambda: "t0k")
    (link,) = links
    assert link.url == "https://rectrack.example/u/t0k" and link.until == date(2027, 5, 4)
    message = Renderer().render([notice(Kind.MONITORING_REMINDER)], snapshot, RULES, links)
    assert message.links == links
    assert "https://rectrack.example/u/t0k" in message.text
    assert "The link works until Tuesday 4 May 2027." in message.html


def test_a_target_overdue_notice_carries_a_link_too() -> None:
    snapshot = snapshot_of(recommendation())
    made = links_for([notice(Kind.TARGET_OVERDUE)], snapshot, RULES, LINKING, lambda: "t0k")
    assert [link.recommendation_id for link in made] == [1]


def test_a_milestone_reminder_carries_no_link() -> None:
    snapshot = snapshot_of(recommendation())
    assert links_for([notice(Kind.MILESTONE_DUE)], snapshot, RULES, LINKING, lambda: "t0k") == ()


def test_an_overdue_link_counts_from_the_day_it_is_sent() -> None:
    # The monitoring date has passed too: the link still has its grace days in full.
    rec = recommendation(date(2027, 3, 1))
    assert last_day(rec, date(2027, 4, 6), 14) == date(2027, 4, 20)
    assert last_day(recommendation(), date(2027, 4, 6), 14) == date(2027, 5, 4)
