"""Render a group of notices into one email from the templates of its kind.

Each kind has a triple under `notifications/templates/`: `<kind>-subject.txt`,
`<kind>-body.txt` and `<kind>-body.html`. A council's own directory
(`[templates] directory`) is searched first, so a file there replaces the one
shipped with rectrack of the same name. HTML is autoescaped and text is not; a
variable a template names but the context lacks is an error, not an empty string.

Templates receive plain values only (no database rows): see `build_context`. A
message lists at most `rules.max_items` recommendations, however many its notices
are about, and says how many more there are: one email to an owner of thousands
stays the size of a hundred, and the tracker lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)

from notifications.agenda import agenda_of
from notifications.items import (
    Contact,
    Happening,
    MeetingItem,
    MilestoneItem,
    NotedItem,
    RecItem,
    ReportItem,
    Snapshot,
)
from notifications.notices import Kind, Link, Message, Notice
from notifications.planning import Rules

SUBJECT_MAX = 150
T = TypeVar("T")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def long_date(value: date) -> str:
    """Return a day as people write it: "Tuesday 20 April 2027" (a datetime: its own day)."""
    return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def clock(value: datetime) -> str:
    """Return the time of day of an instant as shown: "18:00" (in its own timezone)."""
    return value.strftime("%H:%M")


def thousands(value: int) -> str:
    """Return a count as people read it: "69,900"."""
    return f"{value:,}"


def one_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """Collapse all whitespace (newlines included) to single spaces; cap the length."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


class Renderer:
    """One Jinja environment: a council's templates first, then rectrack's own."""

    def __init__(self, templates_directory: Path | None = None) -> None:
        # Found from this module, not the package: under an editable install the tests'
        # folder of the same name can stand in for the `notifications` package itself.
        loaders: list[BaseLoader] = [PackageLoader(__name__, "templates")]
        if templates_directory is not None:
            loaders.insert(0, FileSystemLoader(templates_directory))
        self.environment = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            auto_reload=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.environment.filters.update(long_date=long_date, clock=clock, thousands=thousands)

    def render_template(self, name: str, context: dict[str, Any]) -> str:
        """Render one template by name (the council's copy if it has one)."""
        return self.environment.get_template(name).render(context)

    def render(
        self,
        notices: Sequence[Notice],
        snapshot: Snapshot,
        rules: Rules,
        links: Sequence[Link] = (),
    ) -> Message:
        """Render one group (one kind, one recipient) into one message, carrying `links`
        (each shown with the recommendation it is for).

        Raises ValueError if the notices are not one group, and jinja2's
        UndefinedError if a template names a variable the context lacks. Names and
        addresses are taken as they are: composing the email checks its headers.
        """
        first = _one_group(notices)
        context = build_context(notices, snapshot, rules, links)
        kind = first.kind.value
        return Message(
            kind=first.kind,
            to=first.recipient,
            to_name=first.recipient_name,
            subject=one_line(self.render_template(f"{kind}-subject.txt", context)),
            text=self.render_template(f"{kind}-body.txt", context),
            html=self.render_template(f"{kind}-body.html", context),
            cc=tuple(dict.fromkeys(address for notice in notices for address in notice.cc)),
            links=tuple(links),
        )

    def render_mail(self, kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """The subject, text and HTML of a mail that no notice plans (`MailKind`)."""
        subject = one_line(self.render_template(f"{kind}-subject.txt", context))
        text = self.render_template(f"{kind}-body.txt", context)
        return subject, text, self.render_template(f"{kind}-body.html", context)


def _one_group(notices: Sequence[Notice]) -> Notice:
    if not notices:
        raise ValueError("there is nothing to render: no notices")
    first = notices[0]
    if any((n.kind, n.recipient) != (first.kind, first.recipient) for n in notices):
        raise ValueError("one message is for one kind of notice and one recipient")
    return first


def listed_recommendations(
    notices: Sequence[Notice], snapshot: Snapshot, rules: Rules
) -> list[RecItem]:
    """The recommendations a message of `notices` lists: those of all the notices, each once,
    ordered by monitoring, then target date, then code; the first `rules.max_items`.
    """
    ids = dict.fromkeys(rec_id for notice in notices for rec_id in notice.recommendation_ids)
    ordered = sorted((snapshot.recommendation(rec_id) for rec_id in ids), key=_rec_order)
    return ordered[: rules.max_items]


def build_context(
    notices: Sequence[Notice], snapshot: Snapshot, rules: Rules, links: Sequence[Link] = ()
) -> dict[str, Any]:
    """Return the template variables for one group of notices, listing `rules.max_items` at most.

    `recommendations`: those of all the notices, each once, ordered by monitoring,
    then target date, then code: the first `max_items` of them. `count` is how many
    there are in all, and `more` how many are not listed. Each has its `link` (its
    `url`, and `until`, the last day it works) from `links`, or None.

    `notices`: an entry for each of the first `max_items` notices (`notice_count` is
    how many there are in all), with its `due_day`, the date it warns `about` (or
    None), its `meeting` (digests), `report` (responses) or `milestone` (milestones
    due), each None when the notice is of another kind, and its own
    `recommendations` in its order: as many as the message still lists after the
    entries before, with `count` and `more` for this notice alone.

    A digest's entry also has its `agenda` (see `notifications.agenda`): `due`,
    `noted`, `overdue`, `rebased`, `turned_red` and `closed`, each with the `listed`
    entries, their `count` and how many `more` are not listed; `since` (the previous
    meeting's day, or None), `counted_from` (the first day `since` covers) and
    whether anything `happened` since. Its `recommendations` are those due for review.
    """
    first, limit = notices[0], rules.max_items
    count = len({rec_id for notice in notices for rec_id in notice.recommendation_ids})
    by_rec = {link.recommendation_id: link for link in links}
    listed = listed_recommendations(notices, snapshot, rules)
    return {
        "kind": first.kind.value,
        "recipient": {"name": first.recipient_name, "email": first.recipient},
        "notices": _notice_entries(notices[:limit], snapshot, rules),
        "notice_count": len(notices),
        "recommendations": [_recommendation(rec, by_rec.get(rec.id)) for rec in listed],
        "count": count,
        "more": max(count - limit, 0),
    }


def _notice_entries(
    notices: Sequence[Notice], snapshot: Snapshot, rules: Rules
) -> list[dict[str, Any]]:
    """An entry for each notice, listing its recommendations while `max_items` allows."""
    entries, room = [], rules.max_items
    for notice in notices:
        if notice.kind is Kind.CHAIR_DIGEST:
            room, entry = _digest_entry(notice, room, snapshot, rules)
            entries.append(entry)
            continue
        listed = notice.recommendation_ids[:room]
        room -= len(listed)
        entries.append(_notice_entry(notice, listed, snapshot, rules))
    return entries


def _digest_entry(
    notice: Notice, room: int, snapshot: Snapshot, rules: Rules
) -> tuple[int, dict[str, Any]]:
    """A digest's entry: its meeting and agenda, listing what `room` allows; the room left.

    `recommendations`, `count` and `more` are those due for review, as before the
    digest had an agenda, so that a council's own template of then still reads true.
    """
    meeting = snapshot.meeting(int(notice.item.rpartition(":")[2]))
    made = agenda_of(snapshot, meeting, rules)
    room_left = _Room(room)
    agenda: dict[str, Any] = {
        "due": room_left.take(made.due, _recommendation),
        "noted": room_left.take(made.noted, _noted),
        "overdue": room_left.take(made.overdue, _overdue_report),
        "since": made.since,
        "counted_from": made.counted_from,
        "rebased": room_left.take(made.rebased, _happening),
        "turned_red": room_left.take(made.turned_red, _happening),
        "closed": room_left.take(made.closed, _happening),
    }
    agenda["happened"] = any(agenda[name]["count"] for name in ("rebased", "turned_red", "closed"))
    due = agenda["due"]
    entry = {
        "due_day": notice.due_day,
        "about": notice.about,
        "meeting": _meeting(meeting, rules),
        "report": None,
        "agenda": agenda,
        "recommendations": due["listed"],
        "count": due["count"],
        "more": due["more"],
    }
    return room_left.room, entry


class _Room:
    """What a message may still list: each section takes its share in turn."""

    def __init__(self, room: int) -> None:
        self.room = room

    def take(self, items: Sequence[T], shown: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
        listed = [shown(item) for item in items[: max(self.room, 0)]]
        self.room -= len(listed)
        return {"listed": listed, "count": len(items), "more": len(items) - len(listed)}


def _noted(noted: NotedItem) -> dict[str, Any]:
    return {"rec": _recommendation(noted.rec), "on": noted.noted_on, "comment": noted.comment}


def _overdue_report(report: ReportItem) -> dict[str, Any]:
    codes = [rec.code for rec in report.proposed]
    return {**_report(report), "awaiting": codes, "count": len(codes)}


def _happening(happening: Happening) -> dict[str, Any]:
    return {
        "rec": _recommendation(happening.rec),
        "on": happening.on,
        "target_before": happening.target_before,
        "target_after": happening.target_after,
        "endorsed_by": happening.by,
        "outcome": happening.outcome.replace("_", " ") if happening.outcome else None,
    }


def _notice_entry(
    notice: Notice, listed: Sequence[int], snapshot: Snapshot, rules: Rules
) -> dict[str, Any]:
    item_id = int(notice.item.rpartition(":")[2])
    is_digest = notice.kind is Kind.CHAIR_DIGEST
    is_response = notice.kind in (Kind.RESPONSE_DUE, Kind.RESPONSE_OVERDUE)
    is_milestone = notice.kind is Kind.MILESTONE_DUE
    count = len(notice.recommendation_ids)
    return {
        "due_day": notice.due_day,
        "about": notice.about,
        "meeting": _meeting(snapshot.meeting(item_id), rules) if is_digest else None,
        "report": _report(snapshot.report(item_id)) if is_response else None,
        "milestone": _milestone(snapshot.milestone(item_id), snapshot) if is_milestone else None,
        "recommendations": [_recommendation(snapshot.recommendation(i)) for i in listed],
        "count": count,
        "more": count - len(listed),
    }


def _contact(person: Contact | None) -> dict[str, str] | None:
    return {"name": person.name, "email": person.email} if person else None


def _meeting(meeting: MeetingItem, rules: Rules) -> dict[str, Any]:
    return {
        "body": meeting.body_name,
        "title": meeting.title,
        "starts_at": meeting.starts_at.astimezone(rules.tz),
        "chair": _contact(meeting.chair),
    }


def _report(report: ReportItem) -> dict[str, Any]:
    return {
        "reference": report.reference,
        "title": report.title,
        "response_due_on": report.response_due_on,
        "to_body": report.to_body_name,
        "chair": _contact(report.chair),
    }


def _milestone(milestone: MilestoneItem, snapshot: Snapshot) -> dict[str, Any]:
    return {
        "number": milestone.number,
        "title": milestone.title,
        "due_on": milestone.due_on,
        "recommendation": snapshot.recommendation(milestone.recommendation_id).code,
    }


def _recommendation(rec: RecItem, link: Link | None = None) -> dict[str, Any]:
    moved = rec.original_target_date not in (None, rec.target_date)
    return {
        "id": rec.id,
        "code": rec.code,
        "text": rec.text,
        "report": rec.report_reference,
        "body": rec.body_name,
        "owner": _contact(rec.owner),
        "state": rec.state.replace("_", " "),
        "target_date": rec.target_date,
        "original_target_date": rec.original_target_date if moved else None,
        "monitoring_date": rec.monitoring_date,
        "rag": rec.rag,
        "latest_update": rec.latest_update,
        "link": {"url": link.url, "until": link.until} if link else None,
    }


def _rec_order(rec: RecItem) -> tuple[date, date, str]:
    return (rec.monitoring_date or date.max, rec.target_date or date.max, rec.code)
