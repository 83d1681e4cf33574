"""A tracker like seed 000's: reports of 15 key and 85 individual recommendations each.

Most were agreed and re-based once by the committee, each has a status commentary
with a RAG, the key ones milestones and an indicator, and a few are exempt. Used by
`bench_annex` and to look at the papers (`python -m bench.annex_data FILE.db [N]`).
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, insert
from sqlmodel import Session

from bench.common import fresh_sqlite
from workflow.db import new_session
from workflow.models import (
    Amendment,
    Body,
    Event,
    Indicator,
    Milestone,
    Person,
    ProgressUpdate,
    Recommendation,
    Report,
    Response,
)

PER_REPORT, KEY = 100, 15
AT = datetime(2027, 3, 26, 9, 0, tzinfo=UTC)
MET = date(2027, 3, 25)  # the committee's meeting: the amendments' endorsement
AREAS = ("ENV", "ICT", "HR", "FIN", "CUS", "PRO")
TEXTS = (
    "Provide staff facilities for the Customer Contact Centre team, including a rest area.",
    "Introduce a single telephone number for all council services, with call routing by "
    "service and an out-of-hours message that says when the lines reopen.",
    "Review the opening hours of the one-stop shops against the evidence of demand from "
    "exit interviews, and consult the public before any change.",
    "Publish service standards for first-contact resolution and report performance to "
    "this committee each quarter, with the cost per contact and the savings achieved "
    "against the business case, so that members can judge value for money.",
    "Train front-line staff in the new customer relationship management system.",
)
NOTES = (
    "On track: the specification is agreed with the preferred partner.",
    "Delayed by the contract negotiations; the new timetable follows the Project Plan "
    "arising from the Customer Contact Implementation Plan.",
    "No longer relevant in its original form: delivered through the Contact Centre.",
    "Completed; evidence is with the Head of Customer and Information Services.",
)
RAGS = ("green", "amber", "red", "green")
STATES = ("in_progress", "amended", "monitored", "in_progress", "endorsed", "proposed")


def seed(engine: Engine, count: int) -> None:
    """Load `count` recommendations (whole reports of 100, the last one cut short)."""
    with new_session(engine) as session:
        people = _people(session)
        session.commit()
        connection = session.connection()
        for first in range(0, count, PER_REPORT):
            report_id = _report(connection, first // PER_REPORT)
            for i in range(first, min(first + PER_REPORT, count)):
                _recommendation(connection, report_id, i, people)
        session.commit()


def _people(session: Session) -> list[int]:
    names = ["Clara Clerk", "Mr Nutley", "Dr Gooding", "Helen Bishop", "Cllr Van Nooijen"]
    rows = [
        Person(name=name, email=f"p{i}@council.example", roles=["officer", "clerk"])
        for i, name in enumerate(names)
    ]
    session.add_all(rows)
    session.add(Body(name="Scrutiny Management Committee", kind="scrutiny"))
    session.add(Body(name="Executive", kind="executive"))
    session.flush()
    return [row.id or 0 for row in rows]


def _report(connection: Connection, n: int) -> int:
    result = connection.execute(
        insert(Report).values(
            reference=f"CIS.{12 + n}/03",
            title="Customer Contact Best Value Review: action plan",
            from_body_id=1,
            to_body_id=2,
            submitted_on=date(2027, 1, 5),
            response_due_on=date(2027, 3, 4),
        )
    )
    return _id(result)


def _id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _recommendation(connection: Connection, report_id: int, i: int, people: list[int]) -> None:
    n = i % PER_REPORT
    key = n < KEY
    report = f"CIS.{12 + i // PER_REPORT}/03"
    reference = f"{n + 1}" if key else f"CC-09-{AREAS[i % 6]}-{n:02d}"
    state = STATES[i % len(STATES)]
    baseline = date(2027, 3, 31) + timedelta(days=30 * (i % 6))
    rebased = state != "proposed" and i % 4 != 0
    target = baseline + timedelta(days=90) if rebased else baseline
    values = {
        "report_id": report_id,
        "reference": reference,
        "code": f"{report}/{reference}",
        "text": TEXTS[i % len(TEXTS)],
        "group_name": "key" if key else "individual",
        "owner_id": people[1 + i % 3],
        "lead_member_id": people[4],
        "state": state,
        "target_date": target if state != "proposed" else None,
        "original_target_date": baseline if state != "proposed" else None,
        "monitoring_date": date(2027, 4, 20) + timedelta(days=7 * (i % 8)),
        "rag": RAGS[i % 4] if state != "proposed" else None,
        "exempt": i % 37 == 5,
        "exempt_reason": "Paragraph 3: information relating to the financial or business "
        "affairs of any particular person"
        if i % 37 == 5
        else None,
        "version": 1,
    }
    rec_id = _id(connection.execute(insert(Recommendation).values(values)))
    _around(connection, rec_id, i, state, key, baseline, target, rebased, people)


def _around(
    connection: Connection,
    rec_id: int,
    i: int,
    state: str,
    key: bool,
    baseline: date,
    target: date,
    rebased: bool,
    people: list[int],
) -> None:
    """Its history line, response, amendment, update, milestones and indicator."""
    line = {"recommendation_id": rec_id, "event": "import", "to_state": state, "at": AT}
    connection.execute(insert(Event).values(line | {"effective_on": AT.date(), "data": {}}))
    if state == "proposed":
        return
    decision = "agree_in_part" if i % 5 == 1 else "agree"
    comment = "Agreed, subject to the contract with the preferred partner." if i % 5 == 1 else None
    when = {"at": AT, "effective_on": date(2027, 2, 24)}
    connection.execute(
        insert(Response).values(
            recommendation_id=rec_id, decision=decision, timescale=baseline, comment=comment,
            by_id=people[2], **when,
        )
    )  # fmt: skip
    if rebased:
        changes = {"target_date": [baseline.isoformat(), target.isoformat()]}
        connection.execute(
            insert(Amendment).values(
                recommendation_id=rec_id, reason="The time base moved", endorsed_by_id=1,
                endorsed_on=MET, changes=changes, by_id=people[0], at=AT,
            )
        )  # fmt: skip
    connection.execute(
        insert(ProgressUpdate).values(
            recommendation_id=rec_id, note=NOTES[i % len(NOTES)], rag=RAGS[i % 4],
            by_id=people[1 + i % 3], at=AT, effective_on=MET,
        )
    )  # fmt: skip
    if key:
        _key_monitoring(connection, rec_id, baseline)


def _key_monitoring(connection: Connection, rec_id: int, baseline: date) -> None:
    for title, due in (("Business case approved", baseline), ("Go live", baseline + timedelta(60))):
        connection.execute(
            insert(Milestone).values(recommendation_id=rec_id, title=title, due_on=due)
        )
    connection.execute(
        insert(Indicator).values(
            recommendation_id=rec_id, kind="saving", name="Cashable savings", unit="£",
            baseline=0, target=50_000, actual=12_500,
        )
    )  # fmt: skip


if __name__ == "__main__":
    path, count = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 100
    seed(fresh_sqlite(path), count)
    print(f"{path}: {count} recommendations")
