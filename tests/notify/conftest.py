"""A real SMTP server (aiosmtpd) on 127.0.0.1, the service's parts, and a way to queue messages."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from factories import CURRENT_TIME, OFFICER
from sqlalchemy import Engine

from config import Settings, WorkflowTable, load_workflow_table
from notifications import emails, outbox
from notifications.dispatcher import Dispatcher, DispatchReport
from notifications.notices import Kind, Message
from notifications.rendering import Renderer
from notifications.service import ServiceApp
from notifications.transports import SmtpTransport, Transport, transport_from_settings
from workflow.clock import Clock, FixedClock
from workflow.db import new_session, transaction

SENDER = "rectrack@council.example"


class Recorder:
    """An SMTP handler that keeps each message it accepts in `messages`.

    Like a real server it adds a header, X-Peer here, naming the client's end of the
    connection, so tests can tell connections apart. The address drives the reply:
    a sender "blocked…" gets 553; a recipient "temp…" gets 451, "perm…" gets 550 and
    "drop…" has the connection cut; all else is accepted.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.wire: list[bytes] = []  # each message as it came over the connection
        self.envelopes: list[tuple[str, list[str]]] = []  # each MAIL FROM and its RCPT TOs

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("blocked"):
            return "553 5.7.1 sender not allowed"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("temp"):
            return "451 4.3.0 try again later"
        if address.startswith("perm"):
            return "550 5.1.1 no such user"
        if address.startswith("drop"):
            server.transport.close()
            return "421 4.3.0 closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.wire.append(envelope.content)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        message["X-Peer"] = ":".join(map(str, session.peer))  # tells connections apart
        self.messages.append(message)
        return "250 queued"


def refuse_everyone(*_args: Any) -> AuthResult:
    # handled=False makes the server answer 535; otherwise it would stay silent.
    return AuthResult(success=False, handled=False)


def free_port() -> int:
    # aiosmtpd cannot listen on port 0 (its readiness probe connects to the port).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SmtpServer:
    """aiosmtpd on 127.0.0.1 at `port`, once started."""

    def __init__(self, port: int) -> None:
        self.port, self.recorder = port, Recorder()
        self.controller: Controller | None = None

    def start(self, **options: Any) -> list[EmailMessage]:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        return self.recorder.messages

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def transport(self, **options: Any) -> SmtpTransport:
        """An SmtpTransport to this server; plain text unless `options` say otherwise."""
        settings: dict[str, Any] = {"start_tls": False, "use_tls": False, "timeout": 5.0}
        return SmtpTransport("127.0.0.1", self.port, **{**settings, **options})


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
def smtp(smtp_server: SmtpServer, received: list[EmailMessage]) -> Callable[..., SmtpTransport]:
    """Return a function making an SmtpTransport to the server; options override."""
    return smtp_server.transport


@pytest.fixture
def strict_smtp() -> Iterator[Callable[..., SmtpTransport]]:
    """Like `smtp`, to a server that refuses every login."""
    server = SmtpServer(free_port())
    server.start(authenticator=refuse_everyone, auth_require_tls=False)
    yield server.transport
    server.stop()


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
    """Return a function that enqueues a message to each address given; their ids come back."""

    def enqueue(*recipients: str, now: datetime = CURRENT_TIME) -> list[int]:
        composed = [
            emails.compose(_message(to), sender=SENDER, now=now) for to in recipients or (OFFICER,)
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
    """Return a function that runs one dispatcher's drain over `transport` at `now`."""

    def run(transport: Transport, now: datetime = CURRENT_TIME, **options: Any) -> DispatchReport:
        dispatcher = Dispatcher(transport, sender=SENDER, **options)
        return asyncio.run(dispatcher.drain(engine, now))

    return run
