"""Real SMTP servers (aiosmtpd) on 127.0.0.1, plain and TLS, the service's parts, and a way
to queue messages."""

from __future__ import annotations

import asyncio
import shutil
import ssl
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from factories import CURRENT_TIME, OFFICER
from locks import LockingTransport, WriteLock
from mailserver import SmtpServer, free_port
from sqlalchemy import Engine

from config import Settings, WorkflowTable, load_workflow_table
from notifications import emails, outbox
from notifications.dispatcher import Dispatcher, DispatchReport
from notifications.notices import Kind, Message
from notifications.rendering import Renderer
from notifications.service import ServiceApp
from notifications.transports import SmtpTransport, Transport, transport_from_settings
from workflow.clock import Clock, FixedClock
from workflow.db import make_engine, new_session, transaction

SENDER = "rectrack@council.example"


@pytest.fixture(scope="session")
def certificates() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server's certificate for 127.0.0.1 and a client's trust in it, from a test CA."""
    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    authority.configure_trust(client)
    return server, client


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def received(smtp_server: SmtpServer) -> list[EmailMessage]:
    """What the SMTP server receives from now on."""
    smtp_server.recorder.messages.clear()
    return smtp_server.recorder.messages


@pytest.fixture
def wire(smtp_server: SmtpServer) -> list[bytes]:
    """The bytes of each message the SMTP server receives from now on."""
    smtp_server.recorder.wire.clear()
    return smtp_server.recorder.wire


@pytest.fixture
def envelopes(smtp_server: SmtpServer) -> list[tuple[str, list[str]]]:
    """The envelope (sender, recipients) of each message the SMTP server receives from now on."""
    smtp_server.recorder.envelopes.clear()
    return smtp_server.recorder.envelopes


@pytest.fixture
def refuse(smtp_server: SmtpServer) -> Iterator[Callable[..., None]]:
    """Return a function that has the SMTP server refuse an address with each reply given.

    The server gives the replies, one an attempt, at RCPT TO, then accepts the address.
    """

    def refuse_with(address: str, *replies: str) -> None:
        smtp_server.recorder.refusals[address] = list(replies)

    yield refuse_with
    smtp_server.recorder.refusals.clear()


@pytest.fixture
def smtp(smtp_server: SmtpServer, received: list[EmailMessage]) -> Callable[..., SmtpTransport]:
    """Return a function making an SmtpTransport to the server; options override."""
    return smtp_server.transport


@pytest.fixture(scope="session")
def plain_login_smtpd() -> Iterator[SmtpServer]:
    """A server that offers no STARTTLS but takes logins over plain text, as some do."""
    server = SmtpServer(free_port())
    server.start(authenticator=server.logins, auth_require_tls=False)
    yield server
    server.stop()


@pytest.fixture
def plain_login_server(plain_login_smtpd: SmtpServer) -> SmtpServer:
    return plain_login_smtpd.clear()


@pytest.fixture(scope="session")
def starttls_smtpd(certificates: tuple[ssl.SSLContext, ssl.SSLContext]) -> Iterator[SmtpServer]:
    """A server that offers STARTTLS and takes mail only after a login over TLS."""
    server_side, client_side = certificates
    server = SmtpServer(free_port(), trust=client_side)
    server.start(tls_context=server_side, authenticator=server.logins, auth_required=True)
    yield server
    server.stop()


@pytest.fixture
def starttls_server(starttls_smtpd: SmtpServer) -> SmtpServer:
    return starttls_smtpd.clear()


@pytest.fixture(scope="session")
def tls_smtpd(
    certificates: tuple[ssl.SSLContext, ssl.SSLContext],
) -> Iterator[SmtpServer]:
    """A server that speaks TLS from the first byte (port 465) and takes logins."""
    server_side, client_side = certificates
    server = SmtpServer(free_port(), trust=client_side)
    # auth_require_tls looks for STARTTLS only: this connection is TLS from the start.
    server.start(ssl_context=server_side, authenticator=server.logins, auth_require_tls=False)
    yield server
    server.stop()


@pytest.fixture
def tls_server(tls_smtpd: SmtpServer) -> SmtpServer:
    return tls_smtpd.clear()


@pytest.fixture
def smtp_later() -> Iterator[tuple[Callable[..., SmtpTransport], Callable[[], list[EmailMessage]]]]:
    """Like `smtp`, to a port where nothing listens until the second function is called.

    That starts the server and returns the list of what it receives.
    """
    server = SmtpServer(free_port())
    yield server.transport, server.start
    server.stop()


def _message(to: str = OFFICER, to_name: str = "Olive Officer", **fields: Any) -> Message:
    values: dict[str, Any] = {
        "kind": Kind.MONITORING_REMINDER,
        "subject": "Monitoring due: CCS/09/a",
        "text": "Recommendation CCS/09/a is due for monitoring.",
        "html": "<p>Recommendation CCS/09/a is due for monitoring.</p>",
    }
    return Message(to=to, to_name=to_name, **{**values, **fields})


@pytest.fixture
def make_message() -> Callable[..., Message]:
    """Return a function making a monitoring reminder; any field may be given."""
    return _message


@pytest.fixture
def sender() -> str:
    return SENDER


@pytest.fixture
def queue(engine: Engine) -> Callable[..., list[int]]:
    """Return a function that enqueues a message to each address given; their ids come back.

    Each is copied to the addresses in `cc`.
    """

    def enqueue(
        *recipients: str, now: datetime = CURRENT_TIME, cc: Sequence[str] = ()
    ) -> list[int]:
        composed = [
            emails.compose(_message(to, cc=tuple(cc)), sender=SENDER, now=now)
            for to in recipients or (OFFICER,)
        ]
        with new_session(engine) as session, transaction(session):
            return [outbox.enqueue(session=session, email=email) for email in composed]

    return enqueue


@dataclass(frozen=True)
class Parts:
    """What the notification service takes from the application: a `service.ServiceApp`."""

    settings: Settings
    engine: Engine
    table: WorkflowTable
    renderer: Renderer
    transport: Transport
    clock: Clock


@pytest.fixture
def make_app(engine: Engine, settings: Settings) -> Callable[..., ServiceApp]:
    """Return a function making the service's parts from the module's `settings`, on `engine`.

    They are made as the application makes them; any of them may be given instead.
    """

    def make(**given: Any) -> ServiceApp:
        made: dict[str, Any] = {
            "settings": settings,
            "engine": engine,
            "table": load_workflow_table(settings.workflow_table),
            "renderer": Renderer(settings.templates_directory),
            "transport": transport_from_settings(settings),
            "clock": FixedClock(CURRENT_TIME),
        }
        return Parts(**(made | given))

    return make


@pytest.fixture
def drain(engine: Engine) -> Callable[..., DispatchReport]:
    """Return a function that runs one dispatcher's drain over `transport`, its clock at `now`.

    Any option of the Dispatcher may be given, a clock among them.
    """

    def run(transport: Transport, now: datetime = CURRENT_TIME, **options: Any) -> DispatchReport:
        options.setdefault("clock", FixedClock(now))
        dispatcher = Dispatcher(transport, sender=SENDER, **options)
        return asyncio.run(dispatcher.drain(engine))

    return run


@pytest.fixture
def busy_db_path(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "busy.db"
    shutil.copy(sqlite_template, path)
    return path


@pytest.fixture
def busy_db(busy_db_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file whose writers wait only 50 ms for another to finish."""
    engine = make_engine(f"sqlite:///{busy_db_path}?timeout=0.05")
    yield engine
    engine.dispose()


@pytest.fixture
def write_lock(busy_db_path: Path) -> Iterator[WriteLock]:
    """Another writer of the `busy_db` file, not holding the lock until told."""
    lock = WriteLock(busy_db_path)
    yield lock
    lock.close()


@pytest.fixture
def locking_transport(write_lock: WriteLock) -> LockingTransport:
    """A MemoryTransport that has `write_lock` taken as it sends its first message."""
    return LockingTransport(write_lock)
