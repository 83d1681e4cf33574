"""Alembic environment: run with the connection that `rectrack.schema.upgrade` passes in."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import notifications.models  # noqa: F401 - registers the tables on SQLModel.metadata
import workflow.models  # noqa: F401

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic is run by hand
    raise SystemExit("run migrations with `rectrack init`")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,  # SQLite can only ALTER by copying the table
)
with context.begin_transaction():
    context.run_migrations()
