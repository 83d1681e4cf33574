"""Engines, sessions and migrations: the only module that creates engines."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session

from workflow.errors import DatabaseNotReady

# The newest migration; tests check it against the migrations directory, so that
# everyday commands need not import Alembic just to know the schema is current.
HEAD = "0004"


def make_engine(url: str) -> Engine:
    """Return an engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint, safe in WAL
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@contextmanager
def new_session(engine: Engine) -> Iterator[Session]:
    """A session that keeps one connection from start to end.

    Each transaction then skips the pool's check-out and reset, which is most of
    what a small write costs beyond SQLite's own work.
    """
    with (
        engine.connect() as connection,
        Session(bind=connection, expire_on_commit=False) as session,
    ):
        yield session


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit what the block did, or roll all of it back if it raised."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def schema_revision(engine: Engine) -> str | None:
    """Return the migration the database is at, or None for an empty database."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None


def ensure_ready(engine: Engine) -> None:
    """Raise DatabaseNotReady unless the schema is at the newest migration."""
    revision = schema_revision(engine)
    if revision != HEAD:
        detail = "is empty" if revision is None else f"is at schema {revision}, not {HEAD}"
        raise DatabaseNotReady(engine.url.render_as_string(hide_password=True), detail)


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest migration; return (before, after)."""
    from alembic import command
    from alembic.config import Config

    before = schema_revision(engine)
    config = Config()
    config.set_main_option("script_location", "workflow:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, HEAD
