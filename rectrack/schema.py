"""The database's schema: the one Alembic chain of every package's tables, and its head."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from workflow.errors import DatabaseNotReady, DatabaseUnreachable

# The newest migration; tests check it against the migrations directory, so that
# everyday commands need not import Alembic just to know the schema is current.
HEAD = "0012"


def schema_revision(engine: Engine) -> str | None:
    """Return the migration the database is at, or None for an empty database.

    A SQLite file that does not exist is empty, and is not made by asking. Raise
    DatabaseUnreachable if the database cannot be connected to at all.
    """
    if _missing_sqlite_file(engine):
        return None
    with _connected(engine) as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def _connected(engine: Engine) -> Iterator[Connection]:
    try:
        connection = engine.connect()
    except DBAPIError as error:
        raise DatabaseUnreachable(_shown(engine), _first_line(error)) from None
    with connection:
        yield connection


def _missing_sqlite_file(engine: Engine) -> bool:
    """Say if the URL names a SQLite file not made yet, in a folder that exists.

    A folder that does not exist is left for connecting to report.
    """
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return False
    path = Path(database)
    return not path.exists() and path.parent.is_dir()


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _first_line(error: DBAPIError) -> str:
    lines = str(error.orig).strip().splitlines()
    return lines[0] if lines else type(error.orig).__name__


def ensure_ready(engine: Engine) -> None:
    """Raise DatabaseNotReady unless the schema is at the newest migration."""
    revision = schema_revision(engine)
    if revision != HEAD:
        detail = "is empty" if revision is None else f"is at schema {revision}, not {HEAD}"
        raise DatabaseNotReady(_shown(engine), detail)


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest migration; return (before, after)."""
    from alembic import command
    from alembic.config import Config

    before = schema_revision(engine)
    config = Config()
    config.set_main_option("script_location", "rectrack:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, HEAD
