"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, recording what it is sent."""

from __future__ import annotations

import socket
import ssl
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from notifications.transports import SmtpTransport


class Recorder:
    """An SMTP handler that keeps each message it accepts in `messages`.

    Like a real server it adds headers: X-Peer names the client's end of the
    connection, so tests can tell connections apart, and X-TLS says if the message
    came over TLS ("yes" or "no"). The address drives the reply:
    a sender "blocked…" gets 553; a recipient "temp…" gets 451, "perm…" gets 550 and
    "drop…" has the connection cut; a recipient in `refusals` gets its replies there,
    one an attempt, then is accepted; all else is accepted.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.wire: list[bytes] = []  # each message as it came over the connection
        self.envelopes: list[tuple[str, list[str]]] = []  # each MAIL FROM and its RCPT TOs
        self.refusals: dict[str, list[str]] = {}  # the replies still to give each address

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
        if self.refusals.get(address):
            return self.refusals[address].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.wire.append(envelope.content)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        message["X-Peer"] = ":".join(map(str, session.peer))  # tells connections apart
        over_tls = server.transport.get_extra_info("sslcontext") is not None
        message["X-TLS"] = "yes" if over_tls else "no"
        self.messages.append(message)
        return "250 queued"


USERNAME, PASSWORD = "rectrack", "s3cret"


class Logins:
    """An aiosmtpd authenticator that lets in USERNAME with PASSWORD and keeps each attempt."""

    def __init__(self) -> None:
        self.attempts: list[str] = []  # the username of each login tried

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.attempts.append(auth_data.login.decode())
        if (auth_data.login, auth_data.password) == (USERNAME.encode(), PASSWORD.encode()):
            return AuthResult(success=True)
        # handled=False makes the server answer 535; otherwise it would stay silent.
        return AuthResult(success=False, handled=False)


def free_port() -> int:
    # aiosmtpd cannot listen on port 0 (its readiness probe connects to the port).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SmtpServer:
    """aiosmtpd on 127.0.0.1 at `port`, once started.

    `trust` is what a client needs to trust the server's certificate, if it has one;
    `logins` is its authenticator, if it takes logins.
    """

    def __init__(self, port: int, trust: ssl.SSLContext | None = None) -> None:
        self.port, self.recorder, self.trust = port, Recorder(), trust
        self.logins = Logins()
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
        settings["tls_context"] = self.trust
        return SmtpTransport("127.0.0.1", self.port, **{**settings, **options})

    def clear(self) -> SmtpServer:
        """Forget what was received and tried so far."""
        self.recorder.messages.clear()
        self.logins.attempts.clear()
        return self
