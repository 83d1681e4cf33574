"""The composition root: settings in; engine, lifecycle, renderer, transport and clock out.

Every front end (the command line, the web app) builds one `App` and hands it, or a
session of it, to the services. Nothing here parses input or prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from config import Settings, WorkflowTable, WorkflowTableError, load_workflow_table
from workflow.clock import Clock, SystemClock, local_day

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from notifications.rendering import Renderer
    from notifications.transports import Transport
    from workflow.letters import Postbox
    from workflow.lifecycle import Lifecycle


@dataclass
class App:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def table(self) -> WorkflowTable:
        """The workflow table in force, its needs and effects known to rectrack."""
        from workflow.services import check_table

        path = self.settings.workflow_table
        table = load_workflow_table(path)
        try:
            check_table(table)
        except WorkflowTableError as error:
            raise WorkflowTableError(
                error.path, error.reason, str(path) if path else None
            ) from None
        return table

    @cached_property
    def lifecycle(self) -> Lifecycle:
        from workflow.lifecycle import Lifecycle

        return Lifecycle(self.table, self.settings.timezone)

    @cached_property
    def engine(self) -> Engine:
        from workflow.db import make_engine

        return make_engine(self.settings.database_url)

    @cached_property
    def renderer(self) -> Renderer:
        from notifications.rendering import Renderer

        return Renderer(self.settings.templates_directory)

    @cached_property
    def transport(self) -> Transport:
        from notifications.transports import transport_from_settings

        return transport_from_settings(self.settings)

    @cached_property
    def postbox(self) -> Postbox:
        """Where the use cases post their mail: the outbox, rendered from the templates."""
        from notifications.letters import OutboxPostbox

        return OutboxPostbox(self.renderer, self.settings.mail_sender)

    def today(self) -> date:
        """The day it is now in the council's time zone."""
        return local_day(self.clock.now(), self.settings.timezone)

    def ensure_ready(self) -> None:
        """Raise DatabaseNotReady unless the database is migrated to the newest schema."""
        from rectrack.schema import ensure_ready

        ensure_ready(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on a database whose schema is current."""
        from workflow.db import new_session

        self.ensure_ready()
        with new_session(self.engine) as session:
            yield session
