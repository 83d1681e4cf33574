"""Printing: JSON for machines, aligned plain text for people."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import click


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def done(changed: Mapping[str, Any], line: str, as_json: bool) -> None:
    """Say what a change did: the record as JSON, or one line for people."""
    if as_json:
        emit_json(changed)
    else:
        click.echo(line)


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    """Return rows as left-aligned columns under their headers."""
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)
    ]
    lines = [headers, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=False)).rstrip()
        for line in lines
    )


def shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


_SINGULAR = {"people": "person", "bodies": "body", "history": "history line"}


def counted(counts: Mapping[str, int]) -> str:
    """Return counts as words: "1 report, 3 recommendations"; "nothing" when all are 0."""
    words = [f"{n} {_noun(name, n)}" for name, n in counts.items() if n]
    return ", ".join(words) or "nothing"


def _noun(name: str, n: int) -> str:
    if name == "history":
        return "history line" + ("" if n == 1 else "s")
    return (_SINGULAR.get(name) or name.removesuffix("s")) if n == 1 else name


TRACKER_HEADERS = ("CODE", "STATE", "OWNER", "TARGET", "MONITOR", "RAG", "RECOMMENDATION")


def tracker(recs: Sequence[Mapping[str, Any]]) -> str:
    if not recs:
        return "No recommendations."
    rows = [
        (
            rec["code"],
            rec["state"] + (f" ({rec['closure_outcome']})" if rec["closure_outcome"] else ""),
            rec["owner"] or "-",
            rec["target_date"] or "-",
            rec["monitoring_date"] or "-",
            rec["rag"] or "-",
            shorten(rec["text"], 60),
        )
        for rec in recs
    ]
    return table(rows, TRACKER_HEADERS)


def detail(rec: Mapping[str, Any], tz: ZoneInfo) -> str:
    """One recommendation as a clerk reads it: the facts, the response, then everything else.

    Times are shown in the council's zone `tz`; the JSON keeps them as UTC instants.
    """
    lines = [f"{rec['code']}  ({rec['state']})", "", rec["text"], ""]
    lines += _facts(rec)
    lines += _section("Responses", rec["responses"], partial(_response, tz=tz))
    lines += _section("Progress updates", rec["updates"], partial(_update, tz=tz))
    lines += _section("Amendments", rec["amendments"], _amendment)
    lines += _section("Milestones", rec["milestones"], _milestone)
    lines += _section("Indicators", rec["indicators"], _indicator)
    lines += _section("History", rec["history"], partial(_history, tz=tz))
    return "\n".join(lines)


def _local(at: str, tz: ZoneInfo, with_time: bool = False) -> str:
    """An ISO instant as the day (and time) it was in `tz`."""
    moment = datetime.fromisoformat(at).astimezone(tz)
    return moment.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def _facts(rec: Mapping[str, Any]) -> list[str]:
    slip = rec["slippage_days"]
    target = rec["target_date"] or "-"
    if rec["original_target_date"] and rec["original_target_date"] != rec["target_date"]:
        moved = f"{slip:+d} days, re-based {rec['rebasings']}x"
        target += f" (originally {rec['original_target_date']}, {moved})"
    facts = [
        ("Report", rec["report"]),
        ("Owner", rec["owner"] or "-"),
        ("Lead member", rec["lead_member"] or "-"),
        ("Target date", target),
        ("Monitoring date", rec["monitoring_date"] or "-"),
        ("RAG", rec["rag"] or "-"),
        ("Outcome", rec["closure_outcome"] or "-"),
    ]
    if rec.get("exempt"):
        facts.append(("Exempt", rec["exempt_reason"]))
    return [f"{name + ':':<17}{value}" for name, value in facts]


def _section(title: str, items: Sequence[Mapping[str, Any]], line: Any) -> list[str]:
    if not items:
        return []
    return ["", f"{title}:", *(f"  {line(item)}" for item in items)]


def _response(r: Mapping[str, Any], tz: ZoneInfo) -> str:
    timescale = f" by {r['timescale']}" if r["timescale"] else ""
    comment = f": {r['comment']}" if r["comment"] else ""
    return f"{_day(r, tz)} {r['decision']}{timescale} ({r['by'] or '-'}){comment}"


def _update(u: Mapping[str, Any], tz: ZoneInfo) -> str:
    rag = f" [{u['rag']}]" if u["rag"] else ""
    return f"{_day(u, tz)}{rag} {u['note']} ({u['by'] or '-'})"


def _day(line: Mapping[str, Any], tz: ZoneInfo, with_time: bool = False) -> str:
    """The day it happened, and when it was recorded if that was another day."""
    recorded = _local(line["at"], tz, with_time)
    if recorded.startswith(line["effective_on"]):
        return recorded
    return f"{line['effective_on']} (recorded {recorded})"


def _amendment(a: Mapping[str, Any]) -> str:
    changes = "; ".join(f"{field} {old} -> {new}" for field, (old, new) in a["changes"].items())
    return f"{a['endorsed_on']} endorsed by {a['endorsed_by']}: {changes} (reason: {a['reason']})"


def _milestone(m: Mapping[str, Any]) -> str:
    done = f", done {m['done_on']}" if m["done_on"] else ""
    return f"{m['title']} (due {m['due_on'] or '-'}{done})"


def _indicator(i: Mapping[str, Any]) -> str:
    unit = f" {i['unit']}" if i["unit"] else ""
    figures = ", ".join(
        f"{key} {_figure(i[key], unit)}" for key in ("baseline", "target", "actual")
    )
    return f"{i['kind']}: {i['name']} ({figures})"


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return number + unit


def _history(h: Mapping[str, Any], tz: ZoneInfo) -> str:
    states = f"{h['from_state'] or '-'} -> {h['to_state']}"
    note = f": {h['note']}" if h["note"] else ""
    return f"{_day(h, tz, with_time=True)} {h['event']} {states} ({h['actor'] or '-'}){note}"
