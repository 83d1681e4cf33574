"""Engines and sessions: the only module that creates engines."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from workflow.errors import DatabaseBusy

_SQLITE_BUSY, _SQLITE_LOCKED = (
    5,
    6,
)  # primary result codes; extended ones carry them in the low byte
# PostgreSQL: lock_not_available (a lock_timeout ran out) and deadlock_detected.
_POSTGRESQL_BUSY = frozenset({"55P03", "40P01"})

BUSY_TIMEOUT = 10.0  # seconds a SQLite writer waits for another to finish, unless the URL says


def make_engine(url: str) -> Engine:
    """Return an engine for `url`; SQLite gets WAL, foreign keys and a busy timeout.

    The busy timeout is BUSY_TIMEOUT seconds, or the URL's `?timeout=SECONDS`.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url)
        waits = float(str(engine.url.query.get("timeout", BUSY_TIMEOUT)))
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_ms=round(waits * 1000)))
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint, safe in WAL
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms:d}")
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


def is_busy(error: DBAPIError) -> bool:
    """Say if `error` is the database refusing because another writer held it too long."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return getattr(error.orig, "sqlstate", None) in _POSTGRESQL_BUSY


@contextmanager
def busy_as_error() -> Iterator[None]:
    """Raise DatabaseBusy, one sentence, for the database's "locked" or "busy" refusal.

    Other errors pass as they are. Whatever transaction the refusal interrupted has
    been rolled back by then (see `transaction`).
    """
    try:
        yield
    except DBAPIError as error:
        if not is_busy(error):
            raise
        raise DatabaseBusy(_first_line(error)) from error


def _first_line(error: DBAPIError) -> str:
    lines = str(error.orig).strip().splitlines()
    return lines[0] if lines else type(error.orig).__name__
