"""What every command needs: the settings, the database, the lifecycle and the clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import click

from config import Settings, WorkflowTable, load_workflow_table
from workflow.clock import Clock, SystemClock

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from workflow.lifecycle import Lifecycle
    from workflow.records import Actor


@dataclass
class App:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def table(self) -> WorkflowTable:
        return load_workflow_table(self.settings.workflow_table)

    @cached_property
    def lifecycle(self) -> Lifecycle:
        from workflow.lifecycle import Lifecycle

        return Lifecycle(self.table)

    @cached_property
    def engine(self) -> Engine:
        from workflow.db import make_engine

        return make_engine(self.settings.database_url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on a database whose schema is current."""
        from workflow.db import ensure_ready, new_session

        ensure_ready(self.engine)
        with new_session(self.engine) as session:
            yield session

    def actor(self, session: Session, email: str | None) -> Actor:
        from workflow.services import find_actor

        if not email:
            raise click.UsageError("say on whose behalf: --by EMAIL (or set RECTRACK_ACTOR)")
        return find_actor(session, email)


pass_app = click.make_pass_decorator(App)
