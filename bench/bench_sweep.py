"""Usage: python -m bench.bench_sweep [--rows N [N ...]] [--rounds N]  (sweep planning vs sqlite3)

Planning one sweep over a large table: loading the snapshot for the sweep's window
(`notifications.snapshot.load_snapshot`) and `planning.plan` on it, against the raw
driver (`sqlite3`) fetching the same rows with the same joins (owner, report, latest
progress update) in the same run. Each database holds N recommendations, of which
the same ~7,000 can be due at `NOW` under the default settings: 4,000 monitoring
dates within 14 days, 2,500 targets passed, 500 awaiting a response due in the
window, and the digests of the few meetings in the next 7 days. The rest are closed
(80%), open with later dates (19%) or awaiting a later response (1%).

Each size (100,000 and 1,000,000 by default) is seeded with sqlite3 into a migrated
database; both sides must read the same recommendations. The best round of each
side is reported per size, then the sweep's time at the largest size against the
smallest: the sweep's cost should follow what is due, not the size of the table.
Last, EXPLAIN QUERY PLAN shows how SQLite runs each query the loader sent, flagging
any that reads a whole table or every row in one state.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from bench.common import fresh_sqlite, report, timed
from config import Settings, load_workflow_table
from notifications import planning
from notifications.items import Snapshot, Window
from notifications.planning import Plan, Rules
from notifications.snapshot import load_snapshot
from workflow.db import make_engine, new_session

NOW = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)  # a Monday, after the 08:00 send hour
SINCE = NOW - timedelta(minutes=5)  # the previous sweep
TODAY = NOW.date()
PANELS, OFFICERS, PER_REPORT = 20, 2000, 10
EXECUTIVE = PANELS + 1  # the body reports go to; people 1..21 chair the bodies
OPEN_STATES = ("endorsed", "amended", "in_progress", "monitored")
# Kinds of report (10 recommendations each): the first three are due at NOW.
MONITORING, OVERDUE, AWAITING = "monitoring", "overdue", "awaiting"
CLOSED, LATER, AWAITING_LATER = "closed", "later", "awaiting later"
DUE_REPORTS = {MONITORING: 400, OVERDUE: 250, AWAITING: 50}
OTHER_REPORTS = {CLOSED: 80, LATER: 19, AWAITING_LATER: 1}  # weights

RECOMMENDATION = (
    "INSERT INTO recommendation (id, report_id, reference, code, text, owner_id, state,"
    " target_date, original_target_date, monitoring_date, rag, closure_outcome, version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
)
SELECT_RECS = (
    "SELECT r.id, r.code, r.text, r.state, r.target_date, r.monitoring_date,"
    " r.original_target_date, r.rag, p.id, p.reference, p.title, p.from_body_id,"
    " p.to_body_id, p.response_due_on, o.email, o.name,"
    " (SELECT u.note FROM progressupdate u WHERE u.recommendation_id = r.id"
    "  ORDER BY u.id DESC LIMIT 1)"
    " FROM recommendation r JOIN report p ON p.id = r.report_id"
    " LEFT OUTER JOIN person o ON o.id = r.owner_id WHERE "
)
PROGRESS_UPDATE = (
    "INSERT INTO progressupdate (recommendation_id, note, rag, at, effective_on)"
    " VALUES (?, ?, ?, ?, ?)"
)
TEXT = "Publish a customer contact strategy with service standards and report on it yearly."
IS_OPEN = f"r.state IN ({', '.join('?' * len(OPEN_STATES))})"


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def report_kinds(reports: int) -> list[str]:
    """The kind of each report: the due ones spread evenly through the table."""
    rng = random.Random(7)
    due = [kind for kind, count in DUE_REPORTS.items() for _ in range(count)]
    if reports < len(due):
        raise SystemExit(f"--rows must be at least {len(due) * PER_REPORT:,}")
    rng.shuffle(due)
    kinds = rng.choices(list(OTHER_REPORTS), weights=list(OTHER_REPORTS.values()), k=reports)
    stride = reports // len(due)
    for j, kind in enumerate(due):
        kinds[j * stride] = kind
    return kinds


def report_row(ident: int, kind: str) -> tuple[Any, ...]:
    due_on = {AWAITING: -8 + ident % 23, AWAITING_LATER: 15 + ident % 200}.get(
        kind, -30 - ident % 7000
    )
    panel = 1 + ident % PANELS
    submitted = (TODAY + timedelta(days=due_on - 56)).isoformat()
    return (ident, f"R{ident}", f"Report {ident}", panel, EXECUTIVE, submitted, day(due_on))


def dates(kind: str, i: int) -> tuple[str, str | None, str | None, str | None]:
    """State, target date, monitoring date and RAG of recommendation `i` of a report of `kind`."""
    state = OPEN_STATES[2 + i % 2]
    if kind == MONITORING:
        return state, day(60 + i % 300), day(i % 15), "amber"
    if kind == OVERDUE:
        return "in_progress", day(-1 - i % 365), day(30 + i % 300), "red"
    if kind == LATER:
        return OPEN_STATES[i % 4], day(i % 1000), day(15 + i % 1000), "green"
    if kind == CLOSED:
        return "closed", day(-10 - i % 6000), day(-40 - i % 6000), None
    return "proposed", None, None, None


def recommendation_rows(kinds: list[str]) -> Iterator[tuple[Any, ...]]:
    for report_id, kind in enumerate(kinds, start=1):
        for ref in range(PER_REPORT):
            i = (report_id - 1) * PER_REPORT + ref + 1
            state, target, monitoring, rag = dates(kind, i)
            outcome = "implemented" if state == "closed" else None
            owner = EXECUTIVE + 1 + i % OFFICERS
            code = f"R{report_id}/{ref}"
            yield (
                i,
                report_id,
                ref,
                code,
                TEXT,
                owner,
                state,
                target,
                target,
                monitoring,
                rag,
                outcome,
            )


def update_rows(rows: int) -> Iterator[tuple[Any, ...]]:
    at = NOW - timedelta(days=20)
    for i in range(1, rows + 1):
        note = f"Progress on recommendation {i}: the draft is with the board."
        yield i, note, "amber", utc_text(at), at.date().isoformat()


def people() -> Iterator[tuple[Any, ...]]:
    for i in range(1, EXECUTIVE + 1):
        yield i, f"Chair {i}", f"chair{i}@council.example", '["chair"]'
    for i in range(OFFICERS):
        yield EXECUTIVE + 1 + i, f"Officer {i}", f"officer{i}@council.example", '["officer"]'


def bodies() -> Iterator[tuple[Any, ...]]:
    yield from ((i, f"Panel {i}", "scrutiny", i) for i in range(1, PANELS + 1))
    yield EXECUTIVE, "Executive", "executive", EXECUTIVE


def meetings() -> Iterator[tuple[Any, ...]]:
    """Every 28 days for each panel, from 2007 to the end of 2027, at 17:00 UTC."""
    for panel in range(1, PANELS + 1):
        first = datetime(2007, 1, 1, 17, 0, tzinfo=UTC) + timedelta(days=panel)
        for n in range(21 * 13):
            yield panel, utc_text(first + timedelta(days=28 * n)), f"Panel {panel} meeting {n}"


def seed(path: Path, rows: int) -> None:
    """Fill a freshly migrated database at `path` with `rows` recommendations and the rest."""
    fresh_sqlite(path).dispose()
    kinds = report_kinds(rows // PER_REPORT)
    reports = (report_row(ident, kind) for ident, kind in enumerate(kinds, start=1))
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA synchronous=OFF")  # a crash while seeding loses nothing of value
        db.executemany("INSERT INTO person VALUES (?, ?, ?, ?)", people())
        db.executemany("INSERT INTO body VALUES (?, ?, ?, ?)", bodies())
        db.executemany(
            "INSERT INTO meeting (body_id, starts_at, title) VALUES (?, ?, ?)", meetings()
        )
        db.executemany("INSERT INTO report VALUES (?, ?, ?, ?, ?, ?, ?)", reports)
        db.executemany(RECOMMENDATION, recommendation_rows(kinds))
        db.executemany(PROGRESS_UPDATE, update_rows(len(kinds) * PER_REPORT))
        db.commit()


@dataclass
class Figures:
    """The best round of each side at one size, and what the sweep found."""

    load_s: float = float("inf")
    plan_s: float = float("inf")
    raw_s: float = float("inf")
    read: int = 0  # recommendations loaded
    due: int = 0  # notices planned

    @property
    def sweep_s(self) -> float:
        return self.load_s + self.plan_s


def with_rectrack(engine: Engine, rules: Rules) -> tuple[float, float, Snapshot, Plan]:
    """Time loading the window's snapshot, then planning it."""
    with new_session(engine) as session:
        session.connection()  # connect before the clock starts, as the floor does
        start = time.perf_counter()
        snapshot = load_snapshot(session, planning.window(rules, NOW, SINCE), rules)
        loaded = time.perf_counter()
        plan = planning.plan(snapshot, rules, NOW, SINCE)
        planned = time.perf_counter()
    return loaded - start, planned - loaded, snapshot, plan


def with_raw_sqlite(db: sqlite3.Connection, rules: Rules) -> tuple[float, set[int]]:
    """Time the raw fetch; return it and the ids of the recommendations fetched."""
    window = planning.window(rules, NOW, SINCE)
    found: dict[int, tuple[Any, ...]] = {}
    seconds = timed(lambda: found.update(raw_fetch(db, window, rules)))
    return seconds, set(found)


def raw_fetch(db: sqlite3.Connection, window: Window, rules: Rules) -> dict[int, tuple[Any, ...]]:
    """Fetch the window's rows as a hand-written program would: the same joins, one query each."""
    db.execute(
        "SELECT b.id, b.name, p.email, p.name FROM body b LEFT JOIN person p ON p.id = b.chair_id"
    ).fetchall()
    start, end = (utc_text(at) for at in window.meeting_days.instants(rules.tz))
    meetings = db.execute(
        "SELECT id, body_id, starts_at, title FROM meeting"
        " WHERE starts_at >= ? AND starts_at < ? ORDER BY starts_at, id",
        (start, end),
    ).fetchall()
    rows: dict[int, tuple[Any, ...]] = {}
    for where, params, states in due_queries(window, rules, meetings):
        for row in db.execute(SELECT_RECS + where, params):
            if row[3] in states:
                rows.setdefault(row[0], row)
    return rows


def due_queries(
    window: Window, rules: Rules, meetings: list[Any]
) -> Iterator[tuple[str, tuple[Any, ...], tuple[str, ...]]]:
    """Each query of the window (see `items.Window`): WHERE, parameters, states kept."""
    monitoring, responses = window.monitoring_dates, window.response_due_dates
    yield (
        f"{IS_OPEN} AND r.monitoring_date BETWEEN ? AND ?",
        (*OPEN_STATES, monitoring.first.isoformat(), monitoring.last.isoformat()),
        OPEN_STATES,
    )
    targets = (*OPEN_STATES, window.targets_until.isoformat())
    yield f"{IS_OPEN} AND r.target_date <= ?", targets, OPEN_STATES
    # By report: SQLite would take `state = 'proposed'` to the state index, all of them.
    yield (
        "r.report_id IN (SELECT id FROM report WHERE response_due_on BETWEEN ? AND ?)",
        (responses.first.isoformat(), responses.last.isoformat()),
        ("proposed",),
    )
    if meetings:
        days = last_meeting_days(meetings, rules)
        of_body = " OR ".join(["(p.from_body_id = ? AND r.monitoring_date <= ?)"] * len(days))
        params = [value for body_day in days.items() for value in body_day]
        where = f"{IS_OPEN} AND r.monitoring_date <= ? AND ({of_body})"
        yield where, (*OPEN_STATES, max(days.values()), *params), OPEN_STATES


def last_meeting_days(meetings: list[Any], rules: Rules) -> dict[int, str]:
    """The day of each body's last meeting in the window: its digest lists what is due by then."""
    days: dict[int, str] = {}
    for _id, body_id, starts_at, _title in meetings:
        at = datetime.fromisoformat(starts_at).replace(tzinfo=UTC)
        days[body_id] = max(at.astimezone(rules.tz).date().isoformat(), days.get(body_id, ""))
    return days


def utc_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def loaded_ids(snapshot: Snapshot) -> set[int]:
    proposed = {rec.id for report in snapshot.reports for rec in report.proposed}
    return {rec.id for rec in snapshot.recommendations} | proposed


def measure(path: Path, rounds: int, rules: Rules) -> Figures:
    """Run both sides `rounds` times, in turn; both must read the same recommendations.

    Each side keeps one connection, and so SQLite's page cache, from round to round.
    """
    engine, best = make_engine(f"sqlite:///{path}"), Figures()
    with closing(sqlite3.connect(path)) as db:
        for _ in range(rounds):
            load_s, plan_s, snapshot, plan = with_rectrack(engine, rules)
            raw_s, raw_ids = with_raw_sqlite(db, rules)
            if loaded_ids(snapshot) != raw_ids:
                raise SystemExit("the loader and the raw fetch read different recommendations")
            if load_s + plan_s < best.sweep_s:
                best.load_s, best.plan_s = load_s, plan_s
            best.raw_s, best.read, best.due = min(best.raw_s, raw_s), len(raw_ids), len(plan.due)
    engine.dispose()
    return best


def loader_statements(engine: Engine, rules: Rules) -> list[tuple[str, Any]]:
    """The SQL and parameters the loader sends to the driver for one sweep."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, _many: bool) -> None:
        sent.append((sql, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with new_session(engine) as session:
            load_snapshot(session, planning.window(rules, NOW, SINCE), rules)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sent


def explain(path: Path, rules: Rules) -> None:
    """Print how SQLite runs each of the loader's queries, flagging what reads a whole table.

    A full SCAN reads the table; a SEARCH bounded by the state alone reads every row
    in that state, which grows with the table too. The body table is short.
    """
    engine = make_engine(f"sqlite:///{path}")
    statements = loader_statements(engine, rules)
    engine.dispose()
    print("\nEXPLAIN QUERY PLAN of the loader's queries")
    with closing(sqlite3.connect(path)) as db:
        for n, (sql, params) in enumerate(statements, start=1):
            steps = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            unbounded = [step for step in steps if reads_a_table(step)]
            verdict = "GROWS WITH THE TABLE: " + "; ".join(unbounded) if unbounded else "bounded"
            print(f"  query {n}: {verdict}")
            for step in steps:
                print(f"    {step}")


def reads_a_table(step: str) -> bool:
    full_scan = step.startswith("SCAN") and not step.startswith("SCAN body")
    return full_scan or step.endswith("(state=?)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rules = Rules.from_settings(Settings.defaults(), load_workflow_table())
    results = dict[int, Figures]()
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sorted(args.rows):
            path = Path(tmp) / f"sweep-{rows}.db"
            print(f"seeding {rows:,} recommendations: {timed(partial(seed, path, rows)):.0f} s")
            results[rows] = measure(path, args.rounds, rules)
            print_size(rows, args.rounds, results[rows])
        print_growth(results)
        explain(path, rules)


def print_size(rows: int, rounds: int, figures: Figures) -> None:
    report(
        f"Sweep planning over {rows:,} recommendations ({figures.read:,} read,"
        f" {figures.due:,} notices due, best of {rounds} rounds)",
        [
            ("rectrack load_snapshot", figures.load_s * 1e3, "ms"),
            ("rectrack planning.plan", figures.plan_s * 1e3, "ms"),
            ("rectrack sweep planning (both)", figures.sweep_s * 1e3, "ms"),
            ("raw sqlite3 fetch of the same rows", figures.raw_s * 1e3, "ms"),
        ],
        figures.sweep_s / figures.raw_s,
        "at most 2x the raw floor",
    )


def print_growth(results: dict[int, Figures]) -> None:
    small, large = results[min(results)], results[max(results)]
    if small is large:
        return
    report(
        f"Sweep planning as the table grows from {min(results):,} to {max(results):,} rows",
        [
            (f"sweep planning, {min(results):,} rows", small.sweep_s * 1e3, "ms"),
            (f"sweep planning, {max(results):,} rows", large.sweep_s * 1e3, "ms"),
            (f"raw sqlite3 fetch, {min(results):,} rows", small.raw_s * 1e3, "ms"),
            (f"raw sqlite3 fetch, {max(results):,} rows", large.raw_s * 1e3, "ms"),
        ],
        large.sweep_s / small.sweep_s,
        "about 1x (the same due): cost follows what is due, not the table",
    )


if __name__ == "__main__":
    main()
