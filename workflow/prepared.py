"""Statements compiled once per database and run straight on the driver's cursor.

`Prepared` wraps one Core statement (a SELECT, an INSERT or an UPDATE). It runs in
the transaction of the connection it is given, converts values to and from the
database as Core would, and raises SQLAlchemy's exceptions (`IntegrityError` and the
rest), so callers can treat it as a faster `connection.execute`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import BindParameter, Connection, Dialect, Insert, Select, Update
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

# Use it only for the few statements every state change runs (load, update,
# history row). For those, SQLAlchemy's work on each execution (cache lookup,
# execution context, result set-up: about 10 µs) costs more than SQLite takes to run
# them (about 4 µs); here it is done once per database. The SQL, the conversion of
# each value to and from the database and the exceptions raised are still
# SQLAlchemy's. What is skipped: connection events do not fire for these statements
# and `echo` does not show them. A statement that needs more than its SQL (a
# Python-side default for a column left out, an IN list) runs through Core as usual.

Convert = Callable[[Any], Any] | None
Statement = Select[*tuple[Any, ...]] | Insert | Update


class Prepared:
    """One Core statement; run it with `rowcount()` (DML) or `first()` (a SELECT).

    The transaction is the connection's: run these on the session's connection and
    the session's commit or rollback covers them with everything else it did.
    """

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        self._forms: WeakKeyDictionary[Dialect, dict[tuple[str, ...], _Form | None]] = (
            WeakKeyDictionary()
        )

    def rowcount(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Run an INSERT or UPDATE with `params`; return how many rows it matched.

        Count on it for an UPDATE: an INSERT that falls back to Core reports -1 on
        PostgreSQL, as Core itself does for an INSERT with RETURNING.
        """
        form = self._form(connection, params)
        if form is None:
            return connection.execute(self.statement, params).rowcount
        cursor = form.run(connection, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def first(self, connection: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run a SELECT with `params`; return its first row, converted, or None."""
        form = self._form(connection, params)
        if form is None:
            row = connection.execute(self.statement, params).first()
            return None if row is None else tuple(row)
        cursor = form.run(connection, params)
        try:
            row = cursor.fetchone()
            converters = form.results or form.read_results(self.statement, cursor.description)
        finally:
            cursor.close()
        if row is None:
            return None
        return tuple(
            value if f is None else f(value) for f, value in zip(converters, row, strict=True)
        )

    def _form(self, connection: Connection, params: Mapping[str, Any]) -> _Form | None:
        """The compiled form for these keys, or None if only Core can run it."""
        # An INSERT or UPDATE names the columns it is given, so each set of keys
        # has its own SQL; the call sites pass the same keys every time.
        keys = tuple(params)
        by_keys = self._forms.setdefault(connection.dialect, {})
        if keys not in by_keys:
            by_keys[keys] = _Form.compile(self.statement, connection.dialect, keys)
        return by_keys[keys]


@dataclass
class _Form:
    """The statement as one database takes it: SQL, parameter order, conversions."""

    sql: str
    names: tuple[str, ...]
    binds: tuple[Convert, ...]
    fixed: Mapping[str, Any]
    positional: bool
    dialect: Dialect
    results: tuple[Convert, ...] = ()  # known once the first row's column types are

    @classmethod
    def compile(cls, statement: Statement, dialect: Dialect, keys: Sequence[str]) -> _Form | None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        assert isinstance(compiled, SQLCompiler)
        if _needs_more_than_sql(compiled):
            return None
        # The names as rendered in the SQL: an anonymous bind (a literal value in the
        # statement) is keyed in `binds` by a name of its own, not the one rendered.
        rendered = {name: bind for bind, name in compiled.bind_names.items()}
        names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(rendered)
        values = compiled.construct_params(dict.fromkeys(keys))
        return cls(
            sql=compiled.string,
            names=names,
            binds=tuple(_bind_converter(rendered[name], dialect) for name in names),
            fixed={name: values[name] for name in names if name not in keys},
            positional=dialect.positional,
            dialect=dialect,
        )

    def run(self, connection: Connection, params: Mapping[str, Any]) -> DBAPICursor:
        """Execute on the connection's driver connection, in its transaction."""
        if not connection.in_transaction():
            connection.begin()  # as Connection.execute() would: commit() then covers it
        given = {**self.fixed, **params} if self.fixed else params
        values = [
            given[n] if f is None else f(given[n])
            for n, f in zip(self.names, self.binds, strict=True)
        ]
        parameters = values if self.positional else dict(zip(self.names, values, strict=True))
        cursor = connection.connection.cursor()
        try:
            cursor.execute(self.sql, parameters)
        except self.dialect.loaded_dbapi.Error as error:
            cursor.close()
            raise DBAPIError.instance(
                self.sql, parameters, error, self.dialect.loaded_dbapi.Error, dialect=self.dialect
            ) from error
        return cursor

    def read_results(self, statement: Statement, description: Any) -> tuple[Convert, ...]:
        """Learn each selected column's conversion, given the driver's column types."""
        assert isinstance(statement, Select)
        self.results = tuple(
            column.type.dialect_impl(self.dialect).result_processor(self.dialect, item[1])
            for column, item in zip(statement.selected_columns, description, strict=True)
        )
        return self.results


def _needs_more_than_sql(compiled: SQLCompiler) -> bool:
    """Python-side defaults (a column left out), IN lists and escaped names need Core."""
    return bool(
        compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.post_compile_params
        or compiled.literal_execute_params
        or compiled.escaped_bind_names
    )


def _bind_converter(bind: BindParameter[Any], dialect: Dialect) -> Convert:
    return bind.type.dialect_impl(dialect).bind_processor(dialect)
