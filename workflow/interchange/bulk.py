"""Writing many recommendations fast: Core executemany in chunks, no per-row query.

Per chunk: the recommendations in one statement; the ids of those that carry
related lists in one query; each related table in one statement; and the `import`
history line of every recommendation that came without history in one
INSERT ... SELECT.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, insert, literal, null, select, update

from workflow.interchange.records import RecommendationRecord, Related
from workflow.interchange.related import RelatedRows
from workflow.models import Event, Indicator, IndicatorReading, Recommendation

CHUNK = 5_000
Progress = Callable[[int], None]

_event = Event.__table__  # type: ignore[attr-defined]
_rec = Recommendation.__table__  # type: ignore[attr-defined]
_LAST_ID = select(func.coalesce(func.max(_rec.c.id), 0))
_SINCE = select(_rec.c.code, _rec.c.id).where(_rec.c.id > bindparam("floor"))
# Every recommendation committed by anyone has a history line (it is written in the
# same transaction), and this import writes given history before this statement.
# So the recommendations above the floor without any history are exactly this
# chunk's recommendations that came without it, whatever else runs meanwhile.
_IMPORT_LINES = insert(_event).from_select(
    [
        "recommendation_id",
        "event",
        "from_state",
        "to_state",
        "actor_id",
        "at",
        "effective_on",
        "note",
        "data",
    ],
    select(
        _rec.c.id,
        literal("import", _event.c.event.type),
        null(),
        _rec.c.state,
        bindparam("actor_id", type_=_event.c.actor_id.type),
        bindparam("at", type_=_event.c.at.type),
        bindparam("effective_on", type_=_event.c.effective_on.type),
        null(),
        bindparam("data", type_=_event.c.data.type),
    ).where(
        _rec.c.id > bindparam("floor"),
        ~exists().where(_event.c.recommendation_id == _rec.c.id),
    ),
)


@dataclass(frozen=True)
class Ids:
    """The ids that recommendations and what they carry refer to, read once."""

    people: dict[str, int]
    bodies: dict[str, int]
    reports: dict[str, int]


def write_recommendations(
    connection: Connection,
    recs: Sequence[RecommendationRecord],
    ids: Ids,
    import_line: dict[str, Any],
    progress: Progress | None,
) -> None:
    """Write recommendations chunk by chunk; `import_line` holds the line's actor_id and at."""
    done = 0
    for chunk in _chunks(recs, CHUNK):
        _write_chunk(connection, chunk, ids, import_line)
        done += len(chunk)
        if progress is not None:
            progress(done)
    _write_parents(connection, [(rec.code, rec.parent) for rec in recs if rec.parent])


_SET_PARENT = (
    update(_rec)
    .where(_rec.c.code == bindparam("child"))
    .values(parent_id=select(_rec.c.id).where(_rec.c.code == bindparam("parent")).scalar_subquery())
)


def _write_parents(connection: Connection, pairs: Sequence[tuple[str, str]]) -> None:
    """Point each child at its parent, once every recommendation of the import is in."""
    if pairs:
        connection.execute(_SET_PARENT, [{"child": c, "parent": p} for c, p in pairs])


def _write_chunk(
    connection: Connection,
    chunk: list[RecommendationRecord],
    ids: Ids,
    import_line: dict[str, Any],
) -> None:
    floor = connection.execute(_LAST_ID).scalar_one()
    connection.execute(insert(_rec), [_row(rec, ids) for rec in chunk])
    carrying = [rec for rec in chunk if rec.related]
    if carrying:
        _write_related(connection, carrying, ids, floor)
    if any(not rec.related or not rec.related.history for rec in chunk):
        connection.execute(_IMPORT_LINES, {**import_line, "floor": floor, "data": {}})


def _row(rec: RecommendationRecord, ids: Ids) -> dict[str, Any]:
    people = ids.people
    return {
        "report_id": ids.reports[rec.report],
        "reference": rec.reference,
        "code": rec.code,
        "text": rec.text,
        "priority": rec.priority,
        "group_name": rec.group,
        "owner_id": people[rec.owner] if rec.owner else None,
        "lead_member_id": people[rec.lead_member] if rec.lead_member else None,
        "state": rec.state,
        "target_date": rec.target_date,
        "original_target_date": rec.original_target_date,
        "monitoring_date": rec.monitoring_date,
        "rag": rec.rag,
        "closure_outcome": rec.closure_outcome,
        "exempt": rec.exempt,
        "exempt_reason": rec.exempt_reason,
        "version": 1,
    }


def _write_related(
    connection: Connection, recs: list[RecommendationRecord], ids: Ids, floor: int
) -> None:
    # Codes are unique, so looking ours up among all rows above the floor is exact.
    rec_ids: dict[str, int] = {
        code: rec_id for code, rec_id in connection.execute(_SINCE, {"floor": floor})
    }
    rows = RelatedRows(ids.people, ids.bodies)
    for rec in recs:
        assert isinstance(rec.related, Related)
        rows.add(rec_ids[rec.code], rec.related)
    for model, values in rows.tables():
        connection.execute(insert(model), values)
    _write_readings(connection, rows.readings)


def _write_readings(
    connection: Connection, readings: list[tuple[int, list[dict[str, Any]]]]
) -> None:
    """Each indicator's readings, now its id is known: its recommendation's indicators in order."""
    if not any(series for _, series in readings):
        return
    rec_ids = sorted({rec_id for rec_id, _ in readings})
    query = (
        select(Indicator.__table__.c.id, Indicator.__table__.c.recommendation_id)  # type: ignore[attr-defined]
        .where(Indicator.__table__.c.recommendation_id.in_(rec_ids))  # type: ignore[attr-defined]
        .order_by(Indicator.__table__.c.id)  # type: ignore[attr-defined]
    )
    ids: dict[int, list[int]] = {}
    for ident, rec_id in connection.execute(query):
        ids.setdefault(rec_id, []).append(ident)
    taken: dict[int, int] = {}
    rows = []
    for rec_id, series in readings:
        position = taken.get(rec_id, 0)
        taken[rec_id] = position + 1
        rows += [{**reading, "indicator_id": ids[rec_id][position]} for reading in series]
    if rows:
        connection.execute(insert(IndicatorReading), rows)


def _chunks(
    items: Sequence[RecommendationRecord], size: int
) -> Iterator[list[RecommendationRecord]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
