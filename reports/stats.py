"""The annual report's figures laid out: a text table for people, JSON for machines.

Pure: it is handed the figures (`workflow.papers.ImpactFigures`) and only words them.
Each percentage says what it is of, since the figures count different wholes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from workflow.papers import ImpactFigures

# How the annual report words a response, by the workflow event that records it.
DECISION_WORDS = {
    "agree": "Agreed",
    "agree_in_part": "Agreed in part",
    "disagree": "Disagreed",
    "note": "Noted",
}

Line = tuple[str, str, str]  # figure, value, share


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` in per cent, to one decimal; None of nothing."""
    return round(100 * part / whole, 1) if whole else None


def decision_words(decision: str) -> str:
    return DECISION_WORDS.get(decision, decision.replace("_", " ").capitalize())


def lines(figures: ImpactFigures) -> list[Line]:
    """The figures as (what, how many, share of what) lines, in the report's order."""
    f = figures

    def share(part: int, whole: int, of: str) -> str:
        value = percent(part, whole)
        return "" if value is None else f"{value:g}% of {of}"

    return [
        ("Recommendations made", f"{f.made:,}", ""),
        ("Responded to", f"{f.responded:,}", share(f.responded, f.made, "made")),
        ("Responded within the response period", f"{f.responded_in_time:,}",
         share(f.responded_in_time, f.made, "made")),
        *((decision_words(name), f"{count:,}", share(count, f.responded, "responded"))
          for name, count in f.decisions),
        ("Implemented (in full or in part)", f"{f.implemented:,}",
         share(f.implemented, f.made, "made")),
        ("  of which in part", f"{f.implemented_in_part:,}",
         share(f.implemented_in_part, f.implemented, "implemented")),
        ("  by the original target", f"{f.by_original_target:,}",
         share(f.by_original_target, f.implemented, "implemented")),
        ("  only after re-basing", f"{f.after_rebasing:,}",
         share(f.after_rebasing, f.implemented, "implemented")),
        ("Re-based", f"{f.rebased:,}", share(f.rebased, f.made, "made")),
        ("Median days from response to sign-off", _days(f.median_days_to_sign_off), ""),
        ("Median slippage in days (of those re-based)", _days(f.median_slippage_days), ""),
        (f"Open on {f.today.isoformat()}", f"{f.open:,}", share(f.open, f.made, "made")),
        (f"Overdue on {f.today.isoformat()}", f"{f.overdue:,}", share(f.overdue, f.open, "open")),
    ]  # fmt: skip


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def heading(figures: ImpactFigures) -> str:
    """What the figures cover: the reports submitted in the period, of one body or all."""
    whose = f" by {figures.body}" if figures.body else ""
    start, end = figures.start, figures.end
    if start and end:
        when = f"submitted from {start.isoformat()} to {end.isoformat()}"
    elif start or end:
        when = f"submitted from {start.isoformat()}" if start else f"submitted up to {end}"
    else:
        when = "of every report"
    return f"Recommendations made{whose}: {when}"


def text(figures: ImpactFigures) -> str:
    """The figures as an aligned table under a heading."""
    rows = lines(figures)
    return "\n".join([heading(figures), "", *_aligned(rows, ("FIGURE", "COUNT", "SHARE"))])


def _aligned(rows: Sequence[Line], headers: Line) -> list[str]:
    widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(3)]
    return [
        f"{row[0].ljust(widths[0])}  {row[1].rjust(widths[1])}  {row[2]}".rstrip()
        for row in (headers, *rows)
    ]


def as_json(figures: ImpactFigures) -> dict[str, Any]:
    """The figures with their percentages, each named for what it is of."""
    f = figures
    return {
        "from": _iso(f.start),
        "to": _iso(f.end),
        "body": f.body,
        "as_of": f.today.isoformat(),
        "made": f.made,
        "responded": _counted(f.responded, f.made),
        "responded_in_time": _counted(f.responded_in_time, f.made),
        "decisions": {name: _counted(count, f.responded) for name, count in f.decisions},
        "implemented": _counted(f.implemented, f.made),
        "implemented_in_part": _counted(f.implemented_in_part, f.implemented),
        "implemented_by_original_target": _counted(f.by_original_target, f.implemented),
        "implemented_after_rebasing": _counted(f.after_rebasing, f.implemented),
        "rebased": _counted(f.rebased, f.made),
        "median_days_response_to_sign_off": f.median_days_to_sign_off,
        "median_slippage_days": f.median_slippage_days,
        "open": _counted(f.open, f.made),
        "overdue": _counted(f.overdue, f.open),
    }


def _counted(part: int, whole: int) -> dict[str, Any]:
    return {"count": part, "percent": percent(part, whole)}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
