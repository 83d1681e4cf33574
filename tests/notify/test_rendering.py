"""Rendering: every template with strict undefined, HTML escaped, text plain, subjects one line."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from factories import BOARD, CHAIR, CLERK, EXECUTIVE, OFFICER, PANEL, REPORT, rules
from jinja2 import UndefinedError

from notifications.items import (
    AgendaRecords,
    Contact,
    Happened,
    Happening,
    MeetingItem,
    MilestoneItem,
    NotedItem,
    RecItem,
    ReportItem,
    Snapshot,
)
from notifications.notices import Kind, Notice
from notifications.rendering import SUBJECT_MAX, Renderer, build_context

RULES = rules(clerk=CLERK)
NASTY = "<script>alert('x')</script> & \"quoted\""
MEETING_AT = datetime(2027, 4, 20, 17, 0, tzinfo=UTC)  # 18:00 in London (summer time)
MILESTONE_DUE = date(2027, 4, 13)


def recommendation(rec_id: int = 1, **fields: object) -> RecItem:
    values: dict[str, object] = {
        "code": f"{REPORT}/{rec_id}",
        "text": "Publish the customer contact figures every quarter.",
        "state": "in_progress",
        "report_reference": REPORT,
        "body_id": 1,
        "body_name": PANEL,
        "owner": Contact(OFFICER, "Olive Officer"),
        "target_date": date(2027, 3, 1),
        "original_target_date": date(2027, 1, 29),
        "monitoring_date": date(2027, 4, 20),
        "rag": "amber",
        "latest_update": "The first quarter's figures are out.",
    }
    return RecItem(rec_id, **(values | fields))  # type: ignore[arg-type]


def snapshot_of(
    rec: RecItem, meeting_title: str = "Quarterly monitoring", milestone_title: str = "Plan out"
) -> Snapshot:
    chair = Contact(CHAIR, "Charlotte Chair")
    meeting = MeetingItem(7, 1, PANEL, MEETING_AT, meeting_title, chair)
    proposed = rec._replace(id=2, code=f"{REPORT}/2", state="proposed")
    report = ReportItem(4, REPORT, "Customer Contact Strategy", date(2027, 3, 4), BOARD, chair)
    milestone = MilestoneItem(9, rec.id, 2, milestone_title, MILESTONE_DUE)
    reports = (replace(report, proposed=(proposed,)),)
    return Snapshot((rec,), (meeting,), reports, (milestone,))


def notice(kind: Kind, recipient: str = OFFICER, name: str = "Olive Officer") -> Notice:
    item, ids, about = {
        Kind.MONITORING_REMINDER: ("rec:1", (1,), date(2027, 4, 20)),
        Kind.TARGET_OVERDUE: ("rec:1", (1,), None),
        Kind.CHAIR_DIGEST: ("meeting:7", (1,), date(2027, 4, 20)),
        Kind.RESPONSE_DUE: ("report:4", (2,), date(2027, 3, 4)),
        Kind.RESPONSE_OVERDUE: ("report:4", (2,), None),
        Kind.MILESTONE_DUE: ("milestone:9", (1,), MILESTONE_DUE),
    }[kind]
    send_at = datetime(2027, 4, 6, 7, tzinfo=UTC)
    cc = (CLERK,) if kind is Kind.TARGET_OVERDUE else ()
    return Notice(kind, item, recipient, name, date(2027, 4, 6), send_at, about, cc, ids)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("part", ["subject.txt", "body.txt", "body.html"])
def test_every_template_renders_from_a_fixture_context(
    renderer: Renderer, kind: Kind, part: str
) -> None:
    context = build_context([notice(kind)], snapshot_of(recommendation()), RULES)
    rendered = renderer.render_template(f"{kind.value}-{part}", context)
    assert rendered.strip() and (part == "subject.txt" or f"{REPORT}/" in rendered)


def test_a_variable_the_context_lacks_is_an_error(renderer: Renderer) -> None:
    context = build_context(
        [notice(Kind.MONITORING_REMINDER)], snapshot_of(recommendation()), RULES
    )
    del context["recipient"]
    with pytest.raises(UndefinedError):
        renderer.render_template("monitoring-reminder-body.txt", context)


@pytest.mark.parametrize("kind", list(Kind))
def test_the_message_lists_each_recommendation_with_its_details(
    renderer: Renderer, kind: Kind
) -> None:
    awaiting = kind in (Kind.RESPONSE_DUE, Kind.RESPONSE_OVERDUE)
    message = renderer.render([notice(kind)], snapshot_of(recommendation()), RULES)
    code, state = (f"{REPORT}/2", "proposed") if awaiting else (f"{REPORT}/1", "in progress")
    for body in (message.text, message.html):
        assert code in body and "Publish the customer contact figures" in body
        assert "Olive Officer" in body and state in body
        assert "Tuesday 20 April 2027" in body and "Monday 1 March 2027" in body
        assert "Friday 29 January 2027" in body and "The first quarter" in body


def test_the_digest_says_when_the_meeting_is_in_local_time(renderer: Renderer) -> None:
    message = renderer.render([notice(Kind.CHAIR_DIGEST)], snapshot_of(recommendation()), RULES)
    assert message.subject == (
        f"Agenda for {PANEL} on Tuesday 20 April 2027: 1 recommendation due for review"
    )
    assert "Tuesday 20 April 2027 at 18:00" in " ".join(message.text.split())


def test_a_meeting_without_a_title_reads_well(renderer: Renderer) -> None:
    snapshot = snapshot_of(recommendation(), meeting_title="")
    message = renderer.render([notice(Kind.CHAIR_DIGEST)], snapshot, RULES)
    assert "18:00. Below are the recommendations" in " ".join(message.text.split())


@pytest.mark.parametrize("kind", list(Kind))
def test_the_html_escapes_everything_users_wrote(renderer: Renderer, kind: Kind) -> None:
    rec = recommendation(
        code=NASTY, text=NASTY, body_name=NASTY, latest_update=NASTY, owner=Contact(OFFICER, NASTY)
    )
    snapshot = snapshot_of(rec, NASTY, NASTY)
    html = renderer.render([notice(kind, name=NASTY)], snapshot, RULES).html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&amp;" in html and "&#34;quoted&#34;" in html and "&#39;x&#39;" in html
    assert NASTY in "".join(ElementTree.fromstring(html).itertext())  # well formed, once escaped


def test_the_text_body_is_not_escaped(renderer: Renderer) -> None:
    rec = recommendation(text=NASTY)
    text = renderer.render([notice(Kind.MONITORING_REMINDER)], snapshot_of(rec), RULES).text
    assert NASTY in text
    assert "&amp;" not in text and "&lt;" not in text and "&#" not in text


def test_the_text_body_is_wrapped_for_a_mail_client(renderer: Renderer) -> None:
    rec = recommendation(text="The council should publish its figures. " * 12)
    text = renderer.render([notice(Kind.MONITORING_REMINDER)], snapshot_of(rec), RULES).text
    assert max(len(line) for line in text.splitlines()) <= 78


def test_a_subject_with_a_line_break_becomes_one_line(renderer: Renderer) -> None:
    rec = recommendation(code="CCS/09/a\r\nBcc: everyone@example.org")
    message = renderer.render([notice(Kind.TARGET_OVERDUE)], snapshot_of(rec), RULES)
    assert message.subject == "Target date passed: CCS/09/a Bcc: everyone@example.org"


def test_a_long_subject_is_cut_short(renderer: Renderer) -> None:
    rec = recommendation(code="CCS/" + "9" * 300)
    subject = renderer.render([notice(Kind.TARGET_OVERDUE)], snapshot_of(rec), RULES).subject
    assert len(subject) == SUBJECT_MAX and subject.endswith("…")


def test_one_message_holds_one_kind_for_one_recipient(renderer: Renderer) -> None:
    mixed = [notice(Kind.MONITORING_REMINDER), notice(Kind.MONITORING_REMINDER, EXECUTIVE)]
    with pytest.raises(ValueError, match="one kind of notice and one recipient"):
        renderer.render(mixed, snapshot_of(recommendation()), RULES)


def test_a_group_of_notices_makes_one_message_listing_each(renderer: Renderer) -> None:
    first, second = recommendation(1), recommendation(3, code=f"{REPORT}/c")
    snapshot = replace(snapshot_of(first), recommendations=(first, second))
    notices = [
        notice(Kind.MONITORING_REMINDER),
        replace(notice(Kind.MONITORING_REMINDER), item="rec:3", recommendation_ids=(3,)),
    ]
    message = renderer.render(notices, snapshot, RULES)
    assert (
        message.subject
        == "Monitoring reminder: 2 recommendations, the first on Tuesday 20 April 2027"
    )
    assert message.text.count(f"* {REPORT}/") == 2
    assert (message.to, message.to_name, message.cc) == (OFFICER, "Olive Officer", ())


def test_a_milestone_due_names_the_milestone_its_recommendation_and_its_day(
    renderer: Renderer,
) -> None:
    message = renderer.render([notice(Kind.MILESTONE_DUE)], snapshot_of(recommendation()), RULES)
    assert message.subject == f"Milestone due on Tuesday 13 April 2027: {REPORT}/1, Plan out"
    said = f"Milestone 2 of your recommendation {REPORT}/1 is due on Tuesday 13 April 2027:"
    assert said in " ".join(message.text.split())
    assert said in " ".join("".join(ElementTree.fromstring(message.html).itertext()).split())


def test_milestones_due_are_listed_soonest_first(renderer: Renderer) -> None:
    notices, snapshot = due(Kind.MILESTONE_DUE, 2)
    later = snapshot.milestones[0]._replace(due_on=MILESTONE_DUE + timedelta(days=1))
    snapshot = replace(snapshot, milestones=(later, snapshot.milestones[1]))
    message = renderer.render(notices, snapshot, RULES)
    assert message.subject == "Milestones due: 2, the first on Tuesday 13 April 2027"
    text, listed = message.text, "Tuesday 13 April 2027: {}, milestone 1"
    assert text.index(listed.format(f"{REPORT}/2")) < text.index(f"{REPORT}/1, milestone 1")


def test_the_overdue_notice_copies_the_clerk(renderer: Renderer) -> None:
    message = renderer.render([notice(Kind.TARGET_OVERDUE)], snapshot_of(recommendation()), RULES)
    assert message.cc == (CLERK,)


# A message lists `max_items` recommendations at most


def due(kind: Kind, count: int) -> tuple[list[Notice], Snapshot]:
    """`count` recommendations as one group of `kind`: a notice each, or one listing them all."""
    recs = tuple(
        recommendation(n, code=f"{REPORT}/{n}", monitoring_date=date(2027, 4, 20) + timedelta(n))
        for n in range(1, count + 1)
    )
    fixture = snapshot_of(recommendation())
    # A meeting after them all: a digest lists those monitored by the meeting's day.
    meetings = tuple(
        replace(m, starts_at=m.starts_at + timedelta(days=10)) for m in fixture.meetings
    )
    milestones = tuple(MilestoneItem(rec.id, rec.id, 1, "Plan out", MILESTONE_DUE) for rec in recs)
    reports = (replace(fixture.reports[0], proposed=recs),)
    snapshot = Snapshot(recs, meetings, reports, milestones)
    ids = tuple(rec.id for rec in recs)
    if kind in (Kind.MONITORING_REMINDER, Kind.TARGET_OVERDUE, Kind.MILESTONE_DUE):
        item = "milestone" if kind is Kind.MILESTONE_DUE else "rec"
        return [
            replace(notice(kind), item=f"{item}:{n}", recommendation_ids=(n,)) for n in ids
        ], snapshot
    return [replace(notice(kind), recommendation_ids=ids)], snapshot


@pytest.mark.parametrize("kind", list(Kind))
def test_a_message_lists_max_items_and_says_how_many_more(renderer: Renderer, kind: Kind) -> None:
    notices, snapshot = due(kind, 5)
    message = renderer.render(notices, snapshot, replace(RULES, max_items=2))
    assert message.text.count(f"* {REPORT}/") == 2
    assert "And 3 more: see the tracker." in message.text
    assert "And 3 more: see the tracker." in message.html


@pytest.mark.parametrize("kind", list(Kind))
def test_a_message_within_max_items_lists_them_all(renderer: Renderer, kind: Kind) -> None:
    notices, snapshot = due(kind, 5)
    message = renderer.render(notices, snapshot, replace(RULES, max_items=5))
    assert message.text.count(f"* {REPORT}/") == 5 and "more: see the tracker" not in message.text


def test_the_recommendations_listed_are_those_monitored_soonest(renderer: Renderer) -> None:
    notices, snapshot = due(Kind.MONITORING_REMINDER, 5)
    message = renderer.render(notices[::-1], snapshot, replace(RULES, max_items=2))
    assert f"* {REPORT}/1 " in message.text and f"* {REPORT}/2 " in message.text


def test_counts_are_written_with_thousands_separators(renderer: Renderer) -> None:
    notices, snapshot = due(Kind.MONITORING_REMINDER, 1200)
    message = renderer.render(notices, snapshot, RULES)
    assert message.subject.startswith("Monitoring reminder: 1,200 recommendations")
    assert "And 1,100 more: see the tracker." in message.text


def test_a_message_about_thousands_is_the_size_of_one_about_max_items(renderer: Renderer) -> None:
    few, many = (renderer.render(*due(Kind.MONITORING_REMINDER, n), RULES) for n in (100, 5000))
    assert len(many.text) < len(few.text) + 100 and len(many.html) < len(few.html) + 200


def test_a_councils_own_template_wins(tmp_path: Path) -> None:
    (tmp_path / "monitoring-reminder-subject.txt").write_text("Council reminder: {{ count }}")
    message = Renderer(tmp_path).render(
        [notice(Kind.MONITORING_REMINDER)], snapshot_of(recommendation()), RULES
    )
    assert message.subject == "Council reminder: 1"
    assert "The scrutiny panel will monitor" in message.text


def full_agenda() -> Snapshot:
    """A digest's snapshot with something in every section of the agenda."""
    due = recommendation()
    noted = recommendation(2, code=f"{REPORT}/2", state="proposed", text=NASTY)
    awaiting = recommendation(3, code=f"{REPORT}/3", state="proposed")
    moved, red, closed = (recommendation(n, code=f"{REPORT}/{n}") for n in (4, 5, 6))
    late = ReportItem(9, "CCS/11", "Digital by default", date(2027, 3, 4), BOARD, None, (awaiting,))
    records = AgendaRecords(
        previous_meetings={7: date(2027, 3, 2)},
        noted=(NotedItem(noted, date(2027, 2, 10), "Noted & under review."),),
        overdue=(late,),
        happenings=(
            Happening(Happened.REBASED, moved, date(2027, 3, 20), date(2027, 6, 1), None, by=PANEL),
            Happening(Happened.TURNED_RED, red, date(2027, 3, 10)),
            Happening(Happened.CLOSED, closed, date(2027, 3, 30), outcome="not_implemented"),
        ),
    )
    return replace(snapshot_of(due), agenda=records)


def test_the_digest_has_a_heading_for_each_section_of_the_agenda(renderer: Renderer) -> None:
    message = renderer.render([notice(Kind.CHAIR_DIGEST)], full_agenda(), RULES)
    for body in (message.text, message.html.replace("&#39;", "'")):
        for heading in (
            "Due for review",
            "Noted: awaiting the committee's conclusion",
            "Responses overdue",
            "Since the last meeting on Tuesday 2 March 2027",
            "Re-based (1)",
            "Turned red (1)",
            "Closed (1)",
        ):
            assert heading in body
    assert "to none, endorsed by" in message.text and "not implemented" in message.text
    assert NASTY not in message.html and "&lt;script&gt;" in message.html


def test_the_digests_subject_counts_each_section(renderer: Renderer) -> None:
    message = renderer.render([notice(Kind.CHAIR_DIGEST)], full_agenda(), RULES)
    assert message.subject.endswith(
        ": 1 due for review, 1 noted, 1 response overdue, 3 changes since last met"
    )


def test_an_agenda_lists_max_items_across_its_sections(renderer: Renderer) -> None:
    message = renderer.render(
        [notice(Kind.CHAIR_DIGEST)], full_agenda(), replace(RULES, max_items=2)
    )
    assert "* CCS/09/1 " in message.text and "* CCS/09/2:" in message.text
    assert "CCS/09/4" not in message.text and "And 1 more: see the tracker." in message.text
