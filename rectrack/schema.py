"""The database's schema: the one Alembic chain of every package's tables, and its head."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from workflow.errors import DatabaseNotReady

# The newest migration; tests check it against the migrations directory, so that
# everyday commands need not import Alembic just to know the schema is current.
HEAD = "0005"


def schema_revision(engine: Engine) -> str | None:
    """Return the migration the database is at, or None for an empty database.

    A SQLite file that does not exist is empty, and is not made by asking.
    """
    if _missing_sqlite_file(engine):
        return None
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None


def _missing_sqlite_file(engine: Engine) -> bool:
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return False
    return not Path(database).exists()


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
    config.set_main_option("script_location", "rectrack:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, HEAD
