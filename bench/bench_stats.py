"""Usage: python -m bench.bench_stats [--rows N] [--rounds N]  (stats vs the raw SQL aggregate)

A tracker of `--rows` recommendations (a hundred to a report, reports submitted
over four years) is written straight into a fresh SQLite database, not timed: each
with its `import` line and, by a tenth each, no response; noted; disagreed; agreed
and in progress (two tenths); reported implemented; signed off (two tenths); agreed
in part, re-based and signed off partly implemented; agreed and re-based. Some
responses come after the response due date, and one in fifty of those never
responded to had an agreement undone.

rectrack's side is `services.impact_figures` over all of them, as `rectrack stats`
runs it. The floor is raw `sqlite3` running the same aggregate written by hand, and
fetching the same median inputs, in the same process and run. Both must give the
same figures. The fastest of a few rounds is reported.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

from sqlalchemy import Engine, insert

from bench.common import fresh_sqlite, report
from config import load_workflow_table
from workflow import services
from workflow.db import new_session
from workflow.models import Body, Event, Person, Recommendation, Report, Response

GOAL = "at most 2x the raw SQL aggregate"
NOW = datetime(2028, 3, 1, 12, tzinfo=UTC)
TODAY = NOW.date()
PER_REPORT = 100
FIRST_REPORT = date(2024, 1, 1)
CHUNK = 5_000

# (final state, outcome, the lines after its arrival: (event, from, to)) by the rec's tenth
AGREE = ("agree", "proposed", "endorsed")
START = ("start", "endorsed", "in_progress")
REPORTED = ("report_implemented", "in_progress", "monitored")
SIGNED = ("sign_off", "monitored", "closed")
AMEND = ("amend", "in_progress", "amended")
RESTART = ("start", "amended", "in_progress")
STORIES: list[tuple[str, str | None, tuple[tuple[str, str, str], ...]]] = [
    ("proposed", None, ()),
    ("proposed", None, (("note", "proposed", "proposed"),)),
    ("closed", "rejected", (("disagree", "proposed", "closed"),)),
    ("in_progress", None, (AGREE, START)),
    ("in_progress", None, (AGREE, START)),
    ("monitored", None, (AGREE, START, REPORTED)),
    ("closed", "implemented", (AGREE, START, REPORTED, SIGNED)),
    ("closed", "implemented", (AGREE, START, REPORTED, SIGNED)),
    ("closed", "partly_implemented",
     (("agree_in_part", *AGREE[1:]), START, AMEND, RESTART, REPORTED, SIGNED)),
    ("in_progress", None, (AGREE, START, AMEND, RESTART)),
]  # fmt: skip


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def fill(engine: Engine, count: int) -> None:
    """Write `count` recommendations with their responses and history, in a few statements."""
    reports = (count + PER_REPORT - 1) // PER_REPORT
    recs, responses, lines = [], [], []
    for i in range(count):
        rec, rec_responses, rec_lines = _story(i)
        recs.append(rec)
        responses += rec_responses
        lines += rec_lines
    with engine.begin() as connection:
        connection.execute(
            insert(Person), [_person("clerk", ["clerk"]), _person("officer", ["officer"])]
        )
        connection.execute(insert(Body), [{"name": "Panel", "kind": "scrutiny"},
                                          {"name": "Board", "kind": "executive"}])  # fmt: skip
        connection.execute(insert(Report), [_report(n) for n in range(reports)])
        for table, rows in ((Recommendation, recs), (Response, responses), (Event, lines)):
            for chunk in _chunks(rows):
                connection.execute(insert(table), chunk)


def _person(name: str, roles: list[str]) -> dict[str, Any]:
    return {"name": name, "email": f"{name}@council.example", "roles": roles}


def _submitted(report: int) -> date:
    return FIRST_REPORT + timedelta(days=report)


def _report(n: int) -> dict[str, Any]:
    submitted = _submitted(n)
    return {"reference": f"R/{n}", "title": f"Review {n}", "from_body_id": 1,
            "to_body_id": 2, "submitted_on": submitted,
            "response_due_on": submitted + timedelta(days=59)}  # fmt: skip


def _story(i: int) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Recommendation `i`, its responses and its history lines."""
    state, outcome, steps = STORIES[i % len(STORIES)]
    report = i // PER_REPORT
    submitted = _submitted(report)
    responded = submitted + timedelta(days=20 + i % 60)  # a quarter of them late
    original = responded + timedelta(days=120)
    rebased = any(step[0] == "amend" for step in steps)
    rec = {
        "id": i + 1, "report_id": report + 1, "reference": str(i % PER_REPORT),
        "code": f"R/{report}/{i % PER_REPORT}", "text": "Do the thing", "owner_id": 2,
        "state": state, "closure_outcome": outcome, "version": 1 + len(steps),
        "target_date": original + timedelta(days=90) if rebased else (original if steps else None),
        "original_target_date": original if steps and steps[0][0].startswith("agree") else None,
    }  # fmt: skip
    lines = [_line(i, "import", None, "proposed", submitted)]
    day = responded
    for event, before, after in steps:
        lines.append(_line(i, event, before, after, day))
        day += timedelta(days=30 + i % 100)
    responses = [_response(i, steps[0][0], responded)] if steps else []
    if not steps and i % 50 == 0:  # an agreement recorded, then undone
        responses.append(_response(i, "agree", responded) | {"undone": True})
        lines += [_line(i, "agree", "proposed", "endorsed", responded),
                  _line(i, "undo", "endorsed", "proposed", responded)]  # fmt: skip
    return rec, responses, lines


def _line(i: int, event: str, before: str | None, after: str, on: date) -> dict[str, Any]:
    return {"recommendation_id": i + 1, "event": event, "from_state": before, "to_state": after,
            "actor_id": 1, "at": NOW, "effective_on": min(on, TODAY), "data": {}}  # fmt: skip


def _response(i: int, decision: str, on: date) -> dict[str, Any]:
    return {"recommendation_id": i + 1, "decision": decision, "by_id": 1, "at": NOW,
            "effective_on": on, "undone": False}  # fmt: skip


def with_rectrack(engine: Engine) -> tuple[float, tuple[Any, ...]]:
    table = load_workflow_table()
    with new_session(engine) as session:
        start = time.perf_counter()
        figures = services.impact_figures(session, table, TODAY)
        seconds = time.perf_counter() - start
    counts = (figures.made, figures.responded, figures.responded_in_time,
              *(count for _, count in figures.decisions), figures.implemented,
              figures.implemented_in_part, figures.by_original_target, figures.after_rebasing,
              figures.rebased, figures.open, figures.overdue)  # fmt: skip
    return seconds, (*counts, figures.median_days_to_sign_off, figures.median_slippage_days)


_LINE = ("SELECT max(id) FROM event e WHERE e.recommendation_id = r.id"
         " AND e.from_state IS NOT NULL AND e.event != 'undo'")  # fmt: skip
_JOINS = f"""
FROM recommendation r JOIN report p ON p.id = r.report_id
LEFT JOIN response l ON l.id = (SELECT max(id) FROM response x
                                WHERE x.recommendation_id = r.id AND NOT x.undone)
LEFT JOIN event c ON c.id = ({_LINE} AND e.to_state = 'closed')
LEFT JOIN event m ON m.id = ({_LINE} AND e.to_state = 'monitored'
                              AND e.from_state != 'monitored')
"""
_DONE = "r.closure_outcome IN ('implemented', 'partly_implemented')"
_REBASED = ("r.original_target_date IS NOT NULL"
            " AND (r.target_date IS NULL OR r.target_date != r.original_target_date)")  # fmt: skip
_OPEN = "r.state IN ('endorsed', 'amended', 'in_progress', 'monitored')"
_ON = "coalesce(m.effective_on, c.effective_on)"
RAW_COUNTS = f"""
SELECT count(*), count(l.id),
  count(CASE WHEN EXISTS (SELECT 1 FROM response x WHERE x.recommendation_id = r.id
        AND NOT x.undone AND x.effective_on <= p.response_due_on) THEN 1 END),
  count(CASE WHEN l.decision = 'agree' THEN 1 END),
  count(CASE WHEN l.decision = 'agree_in_part' THEN 1 END),
  count(CASE WHEN l.decision = 'disagree' THEN 1 END),
  count(CASE WHEN l.decision = 'note' THEN 1 END),
  count(CASE WHEN {_DONE} THEN 1 END),
  count(CASE WHEN r.closure_outcome = 'partly_implemented' THEN 1 END),
  count(CASE WHEN {_DONE} AND {_ON} <= r.original_target_date THEN 1 END),
  count(CASE WHEN {_DONE} AND {_ON} > r.original_target_date AND {_REBASED} THEN 1 END),
  count(CASE WHEN {_REBASED} THEN 1 END),
  count(CASE WHEN {_OPEN} THEN 1 END),
  count(CASE WHEN {_OPEN} AND r.target_date < ? THEN 1 END)
""" + _JOINS  # fmt: skip
RAW_SIGN_OFF = "SELECT l.effective_on, c.effective_on" + _JOINS + (
    f"WHERE {_DONE} AND c.id IS NOT NULL")  # fmt: skip
RAW_SLIPPAGE = ("SELECT r.original_target_date, r.target_date FROM recommendation r"
                f" JOIN report p ON p.id = r.report_id WHERE {_REBASED}"
                " AND r.target_date IS NOT NULL")  # fmt: skip


def _median(rows: list[tuple[str | None, str | None]]) -> float | None:
    days = [(date.fromisoformat(b) - date.fromisoformat(a)).days for a, b in rows if a and b]
    return float(median(days)) if days else None


def with_sqlite3(database: Path) -> tuple[float, tuple[Any, ...]]:
    with closing(sqlite3.connect(database)) as connection:
        start = time.perf_counter()
        counts = connection.execute(RAW_COUNTS, (TODAY.isoformat(),)).fetchone()
        sign_off = _median(connection.execute(RAW_SIGN_OFF).fetchall())
        slippage = _median(connection.execute(RAW_SLIPPAGE).fetchall())
        seconds = time.perf_counter() - start
    return seconds, (*counts, sign_off, slippage)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp, "stats.db")
        engine = fresh_sqlite(database)
        fill(engine, args.rows)
        ours, floor = [], []
        for _ in range(args.rounds):  # alternating, so both share whatever else runs
            ours.append(with_rectrack(engine))
            floor.append(with_sqlite3(database))
        engine.dispose()
    if ours[0][1] != floor[0][1]:
        raise SystemExit(f"the two sides differ: {ours[0][1]} != {floor[0][1]}")
    best, raw = min(s for s, _ in ours), min(s for s, _ in floor)
    report(
        f"stats over {args.rows:,} recommendations on SQLite (best of {args.rounds} rounds)",
        [("rectrack stats", best * 1000, "ms"), ("raw sqlite3, same aggregate", raw * 1000, "ms")],
        best / raw,
        GOAL,
    )


if __name__ == "__main__":
    main()
