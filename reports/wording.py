"""How the annex words its values: dates, decisions, states, targets, figures.

Pure. The HTML templates (as filters) and the spreadsheet use the same words, so a
clerk reads the same thing in either.
"""

from __future__ import annotations

from datetime import date

from workflow.annex_records import (
    IndicatorRecord,
    MilestoneRecord,
    RecRecord,
    ResponseRecord,
)

NONE = "—"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LONG_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
DECISIONS = {
    "agree": "Agreed",
    "agree_in_part": "Agreed in part",
    "disagree": "Disagreed",
    "note": "Noted",
}


def day(value: date | None) -> str:
    """A day as a table shows it: "20 Apr 2027"."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}" if value else NONE


def long_day(value: date) -> str:
    """A day as a heading says it: "20 April 2027"."""
    return f"{value.day} {_LONG_MONTHS[value.month - 1]} {value.year}"


def words(name: str | None) -> str:
    """A stored name as words: "in_progress" is "In progress"."""
    return name.replace("_", " ").capitalize() if name else NONE


def state(rec: RecRecord) -> str:
    """The state, and how it closed: "Closed (implemented)"."""
    shown = words(rec.state)
    return f"{shown} ({words(rec.outcome).lower()})" if rec.outcome else shown


def decision(response: ResponseRecord | None) -> str:
    if response is None:
        return "Awaiting response"
    return DECISIONS.get(response.decision, words(response.decision))


def response_line(response: ResponseRecord | None) -> str:
    """The decision, its day and by when it will be done: "Agreed 24 Feb 2027, by 30 Jun 2027"."""
    if response is None:
        return "Awaiting response"
    line = f"{decision(response)} {day(response.on)}"
    return line + (f", by {day(response.timescale)}" if response.timescale else "")


def rag(value: str | None) -> str:
    return value.capitalize() if value else "Not set"


def rebasings(rec: RecRecord) -> str:
    """How often the target moved, and who endorsed each: "Re-based 2 times: Panel 25 Mar
    2027; Council 1 May 2027"; empty when it never moved."""
    count = len(rec.rebasings)
    if not count:
        return ""
    times = "once" if count == 1 else f"{count} times"
    each = "; ".join(f"{r.endorsed_by} {day(r.endorsed_on)}" for r in rec.rebasings)
    return f"Re-based {times}: {each}"


def milestone(row: MilestoneRecord) -> str:
    done = f", done {day(row.done_on)}" if row.done_on else ""
    return f"{row.title} (due {day(row.due_on)}{done})"


def figure(value: float | None, unit: str | None) -> str:
    if value is None:
        return NONE
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    if unit in ("£", "$", "€"):
        return f"{unit}{number}"
    return f"{number} {unit}" if unit else number


def indicator(row: IndicatorRecord) -> str:
    """ "Saving: Cashable savings: baseline £0, target £50,000, actual £12,000 (31 Mar 2027)"."""
    measured = f" ({day(row.actual_on)})" if row.actual_on else ""
    return (
        f"{words(row.kind)}: {row.name}: baseline {figure(row.baseline, row.unit)}, "
        f"target {figure(row.target, row.unit)}, actual {figure(row.actual, row.unit)}{measured}"
    )


def action(rec: RecRecord) -> str:
    return rec.action.value if rec.action else NONE


def person(name: str | None) -> str:
    return name or NONE


# What the templates may call, each as a filter of the same name.
FILTERS = (
    "day", "long_day", "words", "state", "decision", "response_line", "rag", "rebasings",
    "milestone", "indicator", "action", "person", "figure",
)  # fmt: skip
