"""Fixtures: a real SQLite file per test, the real PostgreSQL when RECTRACK_TEST_PG_URL is set."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from factories import CURRENT_TIME, World, make_recommendation, make_world
from runner import Cli
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from config import load_workflow_table
from rectrack.schema import upgrade
from workflow.clock import FixedClock
from workflow.db import make_engine, new_session
from workflow.lifecycle import Lifecycle

LONDON = ZoneInfo("Europe/London")

PG_URL = os.environ.get("RECTRACK_TEST_PG_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.external_service)]


@pytest.fixture(scope="session")
def lifecycle() -> Lifecycle:
    return Lifecycle(load_workflow_table(), LONDON)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(CURRENT_TIME)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test gets a copy of the migrated file."""
    path = tmp_path_factory.mktemp("template") / "rectrack.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    if not PG_URL:
        pytest.skip("RECTRACK_TEST_PG_URL is not set")
    _create_pg_database(PG_URL)
    engine = make_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _create_pg_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    except OperationalError as error:
        pytest.fail(f"RECTRACK_TEST_PG_URL is set but PostgreSQL cannot be reached: {error}")
    finally:
        admin.dispose()


def _truncate(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Engine]:
    """A migrated, empty database: a SQLite file, or the PostgreSQL test database."""
    if request.param == "postgresql":
        pg: Engine = request.getfixturevalue("pg_engine")
        _truncate(pg)
        yield pg
        return
    path = tmp_path / "rectrack.db"
    shutil.copy(sqlite_template, path)
    sqlite = make_engine(f"sqlite:///{path}")
    yield sqlite
    sqlite.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with new_session(engine) as session:
        yield session


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


# The command line, in process, on a SQLite file of its own


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECTRACK_DATABASE_URL", url)
    monkeypatch.delenv("RECTRACK_ACTOR", raising=False)
    monkeypatch.delenv("RECTRACK_CONFIG", raising=False)
    return url


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_url: str) -> Cli:
    return Cli(capsys)


@pytest.fixture
def code(cli: Cli, db_url: str) -> Iterator[str]:
    """An initialised database with the personas and one proposed recommendation."""
    assert cli("init")[0] == 0
    engine = make_engine(db_url)
    with new_session(engine) as session:
        yield make_recommendation(make_world(session), "a")
    engine.dispose()
