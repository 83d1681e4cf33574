"""Queries and writes. Every function takes a keyword-only session and never commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, bindparam, func, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from config.addresses import normal
from workflow.errors import NotFound
from workflow.models import (
    Body,
    Event,
    IndicatorReading,
    Person,
    Recommendation,
    Report,
    Response,
)


def get_person(*, session: Session, email: str) -> Person:
    person = session.exec(select(Person).where(Person.email == normal(email))).first()
    if person is None:
        raise NotFound("person", "email", email)
    return person


def get_body(*, session: Session, name: str) -> Body:
    body = session.exec(select(Body).where(Body.name == name)).first()
    if body is None:
        raise NotFound("body", "name", name)
    return body


def get_report(*, session: Session, reference: str) -> Report:
    report = session.exec(select(Report).where(Report.reference == reference)).first()
    if report is None:
        raise NotFound("report", "reference", reference)
    return report


def get_recommendation(*, session: Session, code: str) -> Recommendation:
    rec = session.exec(select(Recommendation).where(Recommendation.code == code)).first()
    if rec is None:
        raise NotFound("recommendation", "code", code)
    return rec


def body_names_of_kinds(*, session: Session, kinds: Sequence[str]) -> frozenset[str]:
    """Return the names of the bodies of these kinds (those that may endorse anything)."""
    if not kinds:
        return frozenset()
    return frozenset(session.exec(select(Body.name).where(col(Body.kind).in_(kinds))))


def body_ids(*, session: Session, names: Iterable[str]) -> dict[str, int]:
    """Return the ids of the bodies of these names, by name; a name no body has is left out."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    query = select(Body.name, Body.id).where(col(Body.name).in_(wanted))
    return {name: ident for name, ident in session.exec(query) if ident}


def codes_by_id(*, session: Session, ids: Iterable[int | None] | None = None) -> dict[int, str]:
    """Return recommendations' codes by id: those of `ids` (None left out), or all."""
    query = select(Recommendation.id, Recommendation.code)
    if ids is not None:
        wanted = sorted({ident for ident in ids if ident is not None})
        if not wanted:
            return {}
        query = query.where(col(Recommendation.id).in_(wanted))
    return {ident: code for ident, code in session.exec(query) if ident}


def readings(
    *, session: Session, indicator_ids: Iterable[int | None] | None = None
) -> dict[int, list[IndicatorReading]]:
    """Each indicator's readings, oldest first (by the day, then as recorded), by its id."""
    query = select(IndicatorReading).order_by(col(IndicatorReading.on), col(IndicatorReading.id))
    if indicator_ids is not None:
        wanted = [ident for ident in indicator_ids if ident is not None]
        if not wanted:
            return {}
        query = query.where(col(IndicatorReading.indicator_id).in_(wanted))
    found: dict[int, list[IndicatorReading]] = {}
    for row in session.exec(query):
        found.setdefault(row.indicator_id, []).append(row)
    return found


def emails_by_id(*, session: Session) -> dict[int, str]:
    return {pid: email for pid, email in session.exec(select(Person.id, Person.email)) if pid}


def body_names_by_id(*, session: Session) -> dict[int, str]:
    return {bid: name for bid, name in session.exec(select(Body.id, Body.name)) if bid}


def related(*, session: Session, model: type[Any], recommendation_id: int) -> list[Any]:
    """Return one kind of row attached to a recommendation, oldest first."""
    query = select(model).where(model.recommendation_id == recommendation_id).order_by(model.id)
    return list(session.exec(query))


def latest_responses(*, session: Session) -> dict[int, Response]:
    """Return each recommendation's most recent response, by recommendation id."""
    newest = (
        select(func.max(Response.id))
        .where(~col(Response.undone))
        .group_by(col(Response.recommendation_id))
    )
    rows = session.exec(select(Response).where(col(Response.id).in_(newest)))
    return {row.recommendation_id: row for row in rows}


@dataclass(frozen=True)
class RecState:
    """What a change to a recommendation reads: its identity, state, version and dates."""

    id: int
    code: str
    state: str
    version: int
    owner_email: str | None
    text: str
    target_date: date | None
    original_target_date: date | None
    monitoring_date: date | None
    body: str  # the body that made it: its report's from body
    chair_email: str | None  # that body's chair, whose chair's acts are on it
    last_response: str | None  # the decision of its latest response, if any
    submitted_on: date  # the day its report was submitted: nothing of it happened before
    rag: str | None
    closure_outcome: str | None

    def values(self, columns: Iterable[str]) -> dict[str, Any]:
        """The current values of `columns`, as JSON holds them: what an undo restores."""
        return {name: _plain(getattr(self, name)) for name in columns}


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


_Owner, _Chair = aliased(Person), aliased(Person)
_LAST_RESPONSE = (
    core_select(col(Response.decision))
    .where(col(Response.recommendation_id) == col(Recommendation.id), ~col(Response.undone))
    .order_by(col(Response.id).desc())
    .limit(1)
    .correlate(Recommendation)
    .scalar_subquery()
)

# State changes are the hot path: Core statements built once, run on the session's
# own connection and transaction rather than through the unit of work. SQLAlchemy
# caches each one's compiled form, so a change costs no compilation.
_LOAD_STATE = (
    core_select(
        col(Recommendation.id),
        col(Recommendation.code),
        col(Recommendation.state),
        col(Recommendation.version),
        col(_Owner.email),
        col(Recommendation.text),
        col(Recommendation.target_date),
        col(Recommendation.original_target_date),
        col(Recommendation.monitoring_date),
        col(Body.name),
        col(_Chair.email),
        _LAST_RESPONSE,
        col(Report.submitted_on),
        col(Recommendation.rag),
        col(Recommendation.closure_outcome),
    )
    .join(Report, col(Report.id) == col(Recommendation.report_id))
    .join(Body, col(Body.id) == col(Report.from_body_id))
    .outerjoin(_Owner, col(_Owner.id) == col(Recommendation.owner_id))
    .outerjoin(_Chair, col(_Chair.id) == col(Body.chair_id))
    .where(col(Recommendation.code) == bindparam("code"))
)


def load_state(*, session: Session, code: str) -> RecState:
    row = session.connection().execute(_LOAD_STATE, {"code": code}).first()
    if row is None:
        raise NotFound("recommendation", "code", code)
    values: tuple[Any, ...] = tuple(row)  # the id is typed optional, but a stored row has one
    return RecState(*values)


def column_values(*, session: Session, rec_id: int, columns: Iterable[str]) -> dict[str, Any]:
    """A recommendation's stored values of `columns`, as JSON holds them: what an undo keeps."""
    table = Recommendation.__table__  # type: ignore[attr-defined]
    names = list(columns)
    query = select(*(table.c[name] for name in names)).where(table.c.id == rec_id)
    row = session.connection().execute(query).one()
    return {name: _plain(value) for name, value in zip(names, row, strict=True)}


# The optimistic lock: the SET clause comes from the parameters given, so one
# statement serves every change, and it matches no row if the version has moved.
_SAVE_STATE = update(Recommendation).where(
    col(Recommendation.id) == bindparam("rec_id"),
    col(Recommendation.version) == bindparam("seen_version"),
)


def save_state(*, session: Session, rec: RecState, values: Mapping[str, Any]) -> bool:
    """Write `values` and bump the version, only if nobody else has meanwhile; say if so."""
    params = {**values, "version": rec.version + 1, "rec_id": rec.id, "seen_version": rec.version}
    return session.connection().execute(_SAVE_STATE, params).rowcount == 1


@cache
def _insert(model: type[SQLModel]) -> Insert:
    return insert(model)


def add_row(*, session: Session, model: type[SQLModel], values: Mapping[str, Any]) -> None:
    """Insert one row with a Core statement (a history line, a response, an amendment)."""
    session.connection().execute(_insert(model), dict(values))


def mark_undone(*, session: Session, model: type[Any], recommendation_id: int) -> None:
    """Mark the latest row of `model` (a response, amendment or update) not yet undone."""
    latest = (
        select(func.max(model.id))
        .where(model.recommendation_id == recommendation_id, ~col(model.undone))
        .scalar_subquery()
    )
    session.connection().execute(update(model).where(model.id == latest).values(undone=True))


def append_event(
    *,
    session: Session,
    rec_id: int,
    event: str,
    from_state: str | None,
    to_state: str,
    actor_id: int | None,
    at: datetime,
    effective_on: date,
    note: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Add a line to a recommendation's history, which is never updated or deleted.

    `at` is when it is recorded; `effective_on` the day it happened.
    """
    values = {
        "recommendation_id": rec_id,
        "event": event,
        "from_state": from_state,
        "to_state": to_state,
        "actor_id": actor_id,
        "at": at,
        "effective_on": effective_on,
        "note": note,
        "data": dict(data or {}),
    }
    add_row(session=session, model=Event, values=values)
