"""Prepared statements on SQLite and PostgreSQL: the results, errors and transactions of Core."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from factories import CURRENT_TIME, REPORT, World, make_recommendation, make_world
from sqlalchemy import Engine, bindparam, event, func, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from workflow.db import make_engine, new_session
from workflow.models import Event, Recommendation
from workflow.prepared import Prepared

BOARD_TIME = datetime(2027, 4, 20, 18, 0, tzinfo=timezone(timedelta(hours=1)))


def read_history() -> Prepared:
    return Prepared(
        core_select(col(Recommendation.target_date), col(Event.at), col(Event.data))
        .join(Event, col(Event.recommendation_id) == col(Recommendation.id))
        .where(col(Event.event) == bindparam("event"))
    )


def set_by_code() -> Prepared:
    return Prepared(update(Recommendation).where(col(Recommendation.code) == bindparam("the_code")))


def event_values(rec_id: int, **changes: Any) -> dict[str, Any]:
    """Every column of a history row but its id, so no Python-side default is needed."""
    values = {
        "recommendation_id": rec_id,
        "event": "start",
        "from_state": "endorsed",
        "to_state": "in_progress",
        "actor_id": None,
        "at": CURRENT_TIME,
        "note": None,
        "data": {},
    }
    return values | changes


def rec_id_of(session: Session, code: str) -> int:
    rec_id = session.exec(select(Recommendation.id).where(Recommendation.code == code)).one()
    assert rec_id is not None
    return rec_id


@contextmanager
def statements_through_core(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL that Core runs; prepared statements bypass its events."""
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def add_amendment_history(world: World) -> None:
    code = make_recommendation(world, target_date=date(2027, 6, 30))
    rec_id = rec_id_of(world.session, code)
    data = {"changes": {"target_date": ["2027-06-30", None]}, "n": 3}
    world.session.add(Event(**event_values(rec_id, event="amend", at=BOARD_TIME, data=data)))
    world.session.commit()


def test_first_converts_values_exactly_as_core_does(world: World) -> None:
    add_amendment_history(world)
    prepared, connection = read_history(), world.session.connection()
    core = tuple(connection.execute(prepared.statement, {"event": "amend"}).one())
    learning = prepared.first(connection, {"event": "amend"})  # learns the result types
    assert learning == prepared.first(connection, {"event": "amend"}) == core


def test_first_gives_dates_aware_utc_instants_and_json_dicts(world: World) -> None:
    add_amendment_history(world)
    row = read_history().first(world.session.connection(), {"event": "amend"})
    assert row is not None
    target_date, at, data = row
    assert (type(target_date), target_date) == (date, date(2027, 6, 30))
    assert (at, at.utcoffset()) == (BOARD_TIME, timedelta(0))
    assert data == {"changes": {"target_date": ["2027-06-30", None]}, "n": 3}


def test_first_is_none_when_no_row_matches(world: World) -> None:
    assert read_history().first(world.session.connection(), {"event": "nothing"}) is None


def test_rowcount_is_zero_when_the_where_matches_nothing(world: World) -> None:
    params = {"state": "endorsed", "the_code": "NO/SUCH"}
    assert set_by_code().rowcount(world.session.connection(), params) == 0


def test_rowcount_counts_the_rows_an_update_matched(world: World) -> None:
    code = make_recommendation(world)
    params = {"state": "endorsed", "the_code": code}
    assert set_by_code().rowcount(world.session.connection(), params) == 1


def test_a_value_written_into_the_statement_is_sent_with_it(world: World) -> None:
    code = make_recommendation(world)
    where = col(Recommendation.code) == bindparam("the_code")
    prepared = Prepared(update(Recommendation).where(where).values(rag="red"))
    assert prepared.rowcount(world.session.connection(), {"the_code": code}) == 1
    rag = world.session.exec(select(Recommendation.rag).where(where), params={"the_code": code})
    assert rag.one() == "red"


def test_a_duplicate_code_raises_integrity_error(world: World) -> None:
    code = make_recommendation(world, "a")
    values = {"report_id": world.report_id, "reference": "b", "code": code, "text": "again"}
    values |= {"state": "proposed", "version": 1}
    with pytest.raises(IntegrityError):
        Prepared(insert(Recommendation)).rowcount(world.session.connection(), values)


def test_a_row_pointing_at_nothing_raises_integrity_error(session: Session) -> None:
    with pytest.raises(IntegrityError):
        Prepared(insert(Event)).rowcount(session.connection(), event_values(9999))


def test_an_insert_with_every_column_given_skips_core(engine: Engine, world: World) -> None:
    rec_id = rec_id_of(world.session, make_recommendation(world))
    with statements_through_core(engine) as seen:
        Prepared(insert(Event)).rowcount(world.session.connection(), event_values(rec_id))
    assert seen == []


def test_an_insert_leaving_out_a_python_default_falls_back_to_core(
    engine: Engine, world: World
) -> None:
    rec_id = rec_id_of(world.session, make_recommendation(world))
    values = event_values(rec_id)
    del values["data"]  # its default is a new dict each time: only Core makes one
    with statements_through_core(engine) as seen:
        Prepared(insert(Event)).rowcount(world.session.connection(), values)
    assert len(seen) == 1
    assert world.session.exec(select(Event.data).where(Event.event == "start")).one() == {}


def test_a_rollback_undoes_the_prepared_writes(world: World) -> None:
    code = make_recommendation(world)
    connection = world.session.connection()
    set_by_code().rowcount(connection, {"state": "endorsed", "the_code": code})
    Prepared(insert(Event)).rowcount(connection, event_values(rec_id_of(world.session, code)))
    world.session.rollback()
    assert world.session.exec(select(Recommendation.state)).one() == "proposed"
    assert world.session.exec(select(func.count()).select_from(Event)).one() == 1


def test_a_write_on_a_connection_not_yet_in_a_transaction_is_kept_by_its_commit(
    engine: Engine, world: World
) -> None:
    code = make_recommendation(world)
    with engine.connect() as connection:
        set_by_code().rowcount(connection, {"state": "endorsed", "the_code": code})
        connection.commit()
    assert world.session.exec(select(Recommendation.state)).one() == "endorsed"


def test_each_set_of_keys_writes_only_the_columns_it_names(world: World) -> None:
    code = make_recommendation(world)
    prepared, connection = set_by_code(), world.session.connection()
    prepared.rowcount(connection, {"state": "endorsed", "rag": "green", "the_code": code})
    prepared.rowcount(connection, {"state": "in_progress", "the_code": code})
    row = world.session.exec(select(Recommendation.state, Recommendation.rag)).one()
    assert tuple(row) == ("in_progress", "green")


@pytest.fixture
def other_sqlite(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """A second migrated SQLite database, beside the one the `engine` fixture gives."""
    path = tmp_path / "other.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def code_on(engine: Engine, prepared: Prepared) -> tuple[Any, ...] | None:
    with new_session(engine) as session:
        make_recommendation(make_world(session), "a")
        return prepared.first(session.connection(), {"code": f"{REPORT}/a"})


@pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.external_service)], indirect=True
)
def test_one_statement_runs_on_sqlite_and_on_postgresql(
    engine: Engine, other_sqlite: Engine
) -> None:
    prepared = Prepared(
        core_select(col(Recommendation.code), col(Recommendation.state)).where(
            col(Recommendation.code) == bindparam("code")
        )
    )
    expected = (f"{REPORT}/a", "proposed")
    assert code_on(other_sqlite, prepared) == code_on(engine, prepared) == expected
