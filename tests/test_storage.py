"""Storage on SQLite and PostgreSQL: the schema, its constraints, what comes back as it went in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from factories import CURRENT_TIME, EXECUTIVE, OFFICER, PANEL, World, make_recommendation
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from rectrack.schema import HEAD, ensure_ready, schema_revision, upgrade
from workflow import store, tracker
from workflow.db import make_engine
from workflow.errors import DatabaseNotReady, NotFound
from workflow.models import Event, Meeting, Response


def test_head_is_the_newest_migration() -> None:
    config = Config()
    config.set_main_option("script_location", "rectrack:migrations")
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_the_migrations_build_exactly_the_tables_of_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_upgrading_a_current_database_changes_nothing(engine: Engine) -> None:
    assert upgrade(engine) == (HEAD, HEAD)
    assert schema_revision(engine) == HEAD


def test_an_empty_database_is_not_ready(tmp_path: Path) -> None:
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DatabaseNotReady, match="is empty; run `rectrack init`"):
        ensure_ready(empty)
    empty.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        pragmas = [
            connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        ]
    engine.dispose()
    assert pragmas[:2] == ["wal", 1]
    assert (pragmas[2] or 0) >= 1000  # milliseconds a writer waits for another to finish


def test_a_sqlite_url_may_set_how_long_a_writer_waits_for_another(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'short.db'}?timeout=0.25")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 250
    engine.dispose()


def test_a_row_pointing_at_nothing_is_refused(session: Session) -> None:
    day = CURRENT_TIME.date()
    orphan = Event(
        recommendation_id=9999, event="x", to_state="p", at=CURRENT_TIME, effective_on=day
    )
    session.add(orphan)
    with pytest.raises(IntegrityError):
        session.commit()


def test_codes_are_unique(world: World) -> None:
    make_recommendation(world, "a")
    with pytest.raises(IntegrityError):
        make_recommendation(world, "a")


def test_instants_come_back_aware_and_in_utc(world: World) -> None:
    board_time = datetime(2027, 4, 20, 18, 0, tzinfo=timezone(timedelta(hours=1)))
    panel_id = store.get_body(session=world.session, name=PANEL).id
    assert panel_id is not None
    world.session.add(Meeting(body_id=panel_id, starts_at=board_time, title="Board"))
    world.session.commit()
    world.session.expire_all()
    starts_at = world.session.exec(select(Meeting.starts_at)).one()
    assert (starts_at, starts_at.utcoffset()) == (board_time, timedelta(0))


def test_dates_come_back_as_dates(world: World) -> None:
    code = make_recommendation(world, target_date=date(2027, 6, 30))
    rec = store.load_state(session=world.session, code=code)
    assert (rec.target_date, rec.original_target_date) == (date(2027, 6, 30), date(2027, 6, 30))


def test_history_data_keeps_its_shape(world: World) -> None:
    code = make_recommendation(world)
    rec = store.load_state(session=world.session, code=code)
    data = {"changes": {"target_date": ["2027-06-30", None]}, "n": 3}
    store.append_event(
        session=world.session,
        rec_id=rec.id,
        event="amend",
        from_state="endorsed",
        to_state="amended",
        effective_on=CURRENT_TIME.date(),
        actor_id=None,
        at=CURRENT_TIME,
        data=data,
    )
    world.session.commit()
    assert world.session.exec(select(Event.data).where(Event.event == "amend")).one() == data


def test_people_are_found_whatever_the_case_of_the_email(world: World) -> None:
    assert store.get_person(session=world.session, email=f" {OFFICER.upper()} ").email == OFFICER


@pytest.mark.parametrize(
    ("find", "message"),
    [
        (lambda s: store.get_person(session=s, email="x@y.example"), "no person with email"),
        (lambda s: store.get_body(session=s, name="Parish"), "no body with name 'Parish'"),
        (lambda s: store.get_report(session=s, reference="X/1"), "no report with reference"),
        (lambda s: store.load_state(session=s, code="X/1/a"), "no recommendation with code"),
    ],
)
def test_looking_up_what_is_not_there_is_not_found(
    world: World, find: Callable[[Session], object], message: str
) -> None:
    with pytest.raises(NotFound, match=message):
        find(world.session)


def test_the_newest_response_is_the_one_that_counts(world: World) -> None:
    code = make_recommendation(world)
    rec_id = store.load_state(session=world.session, code=code).id
    by = world.actor(EXECUTIVE).person_id
    for decision in ("note", "agree"):
        world.session.add(
            Response(
                recommendation_id=rec_id,
                decision=decision,
                by_id=by,
                at=CURRENT_TIME,
                effective_on=CURRENT_TIME.date(),
            )
        )
    world.session.commit()
    assert store.latest_responses(session=world.session)[rec_id].decision == "agree"


def test_the_tracker_lists_by_state_and_owner(world: World) -> None:
    make_recommendation(world, "a", "proposed")
    make_recommendation(world, "b", "in_progress")
    make_recommendation(world, "c", "in_progress", owner=None)
    owner = world.actor(OFFICER).person_id
    selection = tracker.Selection(states=("in_progress",), owner_id=owner)
    rows = tracker.select_rows(session=world.session, selection=selection)
    assert [rec.reference for rec, _ in rows] == ["b"]
