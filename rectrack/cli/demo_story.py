"""The story `rectrack demo` tells: what the board, the officers and the panel do in 2027.

It follows the seed panel report: the City Executive Board answers the panel's three
recommendations at its meeting on 24 February (noting the first, agreeing the other
two by 31 March), decides the first in part a fortnight later, the owners start, the
panel re-bases the target of the indicators, the action plan runs late and is
reported done just before the panel's monitoring meeting on 20 April, where the
panel signs it off and sets the indicators' next review for July.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from workflow.records import Change

if TYPE_CHECKING:
    from sqlmodel import Session

    from workflow.lifecycle import Lifecycle
    from workflow.records import Actor

LOADED_ON = date(2027, 1, 6)  # the day after the report went to the board
ENDS_ON = date(2027, 4, 27)  # a week after the panel's monitoring meeting
BOARD_MEETS = time(17, 0)
PANEL_DECIDES = time(19, 30)  # the panel meets at 18:00


@dataclass(frozen=True)
class Step:
    """One thing someone does: an event of the workflow, or a progress update."""

    on: date
    rec: str  # the recommendation's reference within the report: "a", "b" or "c"
    who: str  # "executive", "owner" or "chair" (of the panel that made the report)
    event: str
    note: str | None = None
    at: time = time(10, 0)  # local time, after that day's notices went out
    timescale: date | None = None
    rag: str | None = None
    changes: Mapping[str, date] = field(default_factory=dict)
    endorsed_on: date | None = None


STORY: tuple[Step, ...] = (
    Step(
        date(2027, 2, 24),
        "a",
        "executive",
        "note",
        "The Board will consider this when it decides the Strategy, noting the evidence on "
        "one-stop shops.",
        at=BOARD_MEETS,
    ),
    Step(
        date(2027, 2, 24),
        "b",
        "executive",
        "agree",
        "The business cases and the action plan will set these objectives down.",
        at=BOARD_MEETS,
        timescale=date(2027, 3, 31),
    ),
    Step(
        date(2027, 2, 24),
        "c",
        "executive",
        "agree",
        "We welcome the panel's involvement in the implementation phase.",
        at=BOARD_MEETS,
        timescale=date(2027, 3, 31),
    ),
    Step(date(2027, 3, 1), "b", "owner", "start"),
    Step(date(2027, 3, 1), "c", "owner", "start"),
    Step(
        date(2027, 3, 10),
        "a",
        "executive",
        "agree_in_part",
        "Not agreed: more one-stop shops, which exit interviews do not support. Agreed: "
        "local services through libraries and advice centres where cost effective.",
        timescale=date(2027, 9, 30),
    ),
    Step(date(2027, 3, 15), "a", "owner", "start"),
    Step(
        date(2027, 3, 19),
        "b",
        "owner",
        "progress_update",
        "Draft action plan agreed with the Executive Director; quarterly objectives set.",
        rag="amber",
    ),
    Step(
        date(2027, 3, 26),
        "c",
        "chair",
        "amend",
        "The contact centre business case moved the time base.",
        changes={"target_date": date(2027, 6, 30)},
        endorsed_on=date(2027, 3, 25),
    ),
    Step(
        date(2027, 4, 2),
        "b",
        "owner",
        "progress_update",
        "The action plan waits on the last business case; publication by mid-April.",
        rag="red",
    ),
    Step(
        date(2027, 4, 15),
        "c",
        "owner",
        "progress_update",
        "Indicators drafted with baselines: cost per contact, savings, first-contact resolution.",
        rag="green",
    ),
    Step(
        date(2027, 4, 16),
        "b",
        "owner",
        "progress_update",
        "Action plan published, with short, medium and long term objectives.",
        rag="green",
    ),
    Step(
        date(2027, 4, 16),
        "b",
        "owner",
        "report_implemented",
        "The action plan is ready for the panel's review on 20 April.",
        at=time(10, 5),
    ),
    Step(date(2027, 4, 20), "b", "chair", "sign_off", at=PANEL_DECIDES),
    Step(
        date(2027, 4, 20),
        "c",
        "chair",
        "amend",
        "The panel will review the indicators' first figures at its July meeting.",
        at=PANEL_DECIDES,
        changes={"monitoring_date": date(2027, 7, 13)},
        endorsed_on=date(2027, 4, 20),
    ),
)


class Happened(NamedTuple):
    """A step done: when, to what, what and by whom, and a line about it."""

    at: datetime
    code: str
    event: str
    by: str  # the person's name
    detail: str


def perform(
    step: Step,
    session: Session,
    lifecycle: Lifecycle,
    document: Mapping[str, Any],
    tz: ZoneInfo,
) -> Happened:
    """Do `step` through the services, at its local time in `tz`; say what happened."""
    from workflow import services

    rec = _recommendation(document, step.rec)
    code, person = rec_code(rec), _person(document, rec, step.who)
    actor = services.find_actor(session, person["email"])
    at = datetime.combine(step.on, step.at, tzinfo=tz)
    if step.event == services.PROGRESS_UPDATE:
        services.add_update(session, lifecycle, code, actor, step.note or "", step.rag, at)
        return Happened(at, code, "progress update", person["name"], f"RAG {step.rag}: {step.note}")
    outcome = services.fire(session, lifecycle, code, _change(step, actor, document), at)
    states = f"{outcome.before} -> {outcome.after}"
    return Happened(at, code, step.event, person["name"], states + _what(step))


def _change(step: Step, actor: Actor, document: Mapping[str, Any]) -> Change:
    endorsed_by = _panel(document) if step.endorsed_on else None
    return Change(
        step.event,
        actor,
        note=step.note,
        timescale=step.timescale,
        endorsed_by=endorsed_by,
        endorsed_on=step.endorsed_on,
        changes=step.changes,
    )


def _what(step: Step) -> str:
    """The dates a step sets, then its note: the part of it a reader of the timeline needs."""
    dates = [f"by {step.timescale}"] if step.timescale else []
    dates += [f"{name.replace('_', ' ')} {day}" for name, day in step.changes.items()]
    said = [", ".join(dates)] if dates else []
    said += [step.note] if step.note else []
    return f": {'; '.join(said)}" if said else ""


def who_is_who(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each person of the example and what they are in it: roles, chairs, recommendations."""
    return [(person["name"], _part(document, person)) for person in document["people"]]


def _part(document: Mapping[str, Any], person: Mapping[str, Any]) -> str:
    email = person["email"]
    chairs = [f"the {b['name']}" for b in document["bodies"] if b["chair"] == email]
    owns = [rec_code(r) for r in document["recommendations"] if r.get("owner") == email]
    roles = ", ".join(person["roles"])
    if chairs:
        return f"{roles} of {' and '.join(chairs)}"
    return f"{roles}, the owner of {', '.join(owns)}" if owns else roles


def _recommendation(document: Mapping[str, Any], reference: str) -> Mapping[str, Any]:
    return next(rec for rec in document["recommendations"] if rec["reference"] == reference)


def _person(document: Mapping[str, Any], rec: Mapping[str, Any], who: str) -> dict[str, str]:
    """The person who does a step: the owner, the panel's chair, or the first executive."""
    people: list[dict[str, Any]] = document["people"]
    if who == "owner":
        return next(p for p in people if p["email"] == rec["owner"])
    if who == "chair":
        panel = _panel(document)
        chair = next(body["chair"] for body in document["bodies"] if body["name"] == panel)
        return next(p for p in people if p["email"] == chair)
    return next(p for p in people if who in p["roles"])


def _panel(document: Mapping[str, Any]) -> str:
    return str(document["reports"][0]["from_body"])


def rec_code(rec: Mapping[str, Any]) -> str:
    """The code a recommendation of the interchange document gets: its own, or REPORT/REF."""
    return str(rec.get("code") or f"{rec['report']}/{rec['reference']}")


class WebStep(NamedTuple):
    """One part of the story played in the web app: what to do, and the command first."""

    what: str
    command: str


# After `demo --web`: each part of the story, with the day the web app serves it as.
WEB_STEPS = (
    WebStep(
        "The board meets: the executive (cllr.vannooijen) responds to CCS/09 from My work,"
        " and the owners start",
        "web --now 2027-02-24T17:00:00+00:00",
    ),
    WebStep(
        "Two weeks before the panel's meeting the service sends the monitoring reminders",
        "tick --now 2027-04-06T08:00:00+01:00 --force",
    ),
    WebStep(
        "Helen Bishop follows the link in her reminder and reports progress; the clerk"
        " accepts it at Pending updates; she reports CCS/09/b implemented",
        "web --now 2027-04-06T10:00:00+01:00",
    ),
    WebStep(
        "The panel meets: its chair (cllr.armitage) signs CCS/09/b off at the meeting's page",
        "web --now 2027-04-20T19:30:00+01:00",
    ),
)
