"""The people and papers every test shares: a clerk, an executive, an officer, a chair."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from config import Settings, load_workflow_table
from notifications.planning import Rules
from workflow import services
from workflow.models import Body, Event, Person, Recommendation, Report
from workflow.records import Actor

CURRENT_TIME = datetime(2027, 2, 1, 9, 30, tzinfo=UTC)

CLERK = "clerk@council.example"
EXECUTIVE = "exec@council.example"
OFFICER = "officer@council.example"
OTHER_OFFICER = "other.officer@council.example"
CHAIR = "chair@council.example"

PANEL = "Value and Performance Scrutiny Committee"
BOARD = "City Executive Board"
REPORT = "CCS/09"


PEOPLE = {
    CLERK: ("Clara Clerk", ["clerk"]),
    EXECUTIVE: ("Evan Executive", ["executive"]),
    OFFICER: ("Olive Officer", ["officer"]),
    OTHER_OFFICER: ("Otto Officer", ["officer"]),
    CHAIR: ("Charlotte Chair", ["chair"]),
}


def persona(email: str) -> Actor:
    """One of the personas as an Actor, for tests of the pure core (no database)."""
    return Actor(email, frozenset(PEOPLE[email][1]))


def rules(**overrides: Any) -> Rules:
    """The planning rules of the default settings and workflow table, with `overrides`."""
    return replace(Rules.from_settings(Settings.defaults(), load_workflow_table()), **overrides)


def row_counts(session: Session) -> dict[str, int]:
    """How many rows each table holds: what a refused change must leave alone."""
    tables = SQLModel.metadata.sorted_tables
    return {t.name: session.exec(select(func.count()).select_from(t)).one() for t in tables}


@dataclass
class World:
    session: Session
    report_id: int

    def actor(self, email: str) -> Actor:
        return services.find_actor(self.session, email)


def make_world(session: Session) -> World:
    """Add the personas, the panel, the board and one report, and commit them."""
    ids = {}
    for email, (name, roles) in PEOPLE.items():
        person = Person(name=name, email=email, roles=roles)
        session.add(person)
        session.flush()
        ids[email] = person.id
    panel = Body(name=PANEL, kind="scrutiny", chair_id=ids[CHAIR])
    board = Body(name=BOARD, kind="executive", chair_id=ids[EXECUTIVE])
    session.add_all([panel, board])
    session.flush()
    assert panel.id is not None and board.id is not None
    report = Report(
        reference=REPORT,
        title="Customer Contact Strategy",
        from_body_id=panel.id,
        to_body_id=board.id,
        submitted_on=date(2027, 1, 5),
        response_due_on=date(2027, 3, 4),
    )
    session.add(report)
    session.commit()
    assert report.id is not None
    return World(session, report.id)


def make_recommendation(
    world: World,
    reference: str = "a",
    state: str = "proposed",
    owner: str | None = OFFICER,
    target_date: date | None = None,
    monitoring_date: date | None = None,
) -> str:
    """Add a recommendation in any state, as an import would; return its code."""
    session = world.session
    owner_id = services.find_actor(session, owner).person_id if owner else None
    rec = Recommendation(
        report_id=world.report_id,
        reference=reference,
        code=f"{REPORT}/{reference}",
        text=f"Recommendation {reference}",
        owner_id=owner_id,
        state=state,
        target_date=target_date,
        original_target_date=target_date,
        monitoring_date=monitoring_date,
    )
    session.add(rec)
    session.flush()
    assert rec.id is not None
    session.add(
        Event(
            recommendation_id=rec.id,
            event="import",
            to_state=state,
            at=CURRENT_TIME,
            effective_on=CURRENT_TIME.date(),
        )
    )
    session.commit()
    return rec.code
