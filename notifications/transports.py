"""Ways to deliver an email: SMTP, a folder of .eml files, the console, a list in memory.

The only module that imports aiosmtplib. A transport opens one connection per
batch and sends each email over it, as the bytes it was stored as:

    async with transport.connect() as connection:
        await connection.send(mail)

A server takes or refuses an email recipient by recipient: `send` returns those it
refused, each with a TransportError of its own, and every other recipient has the
email. Both raise TransportError when the email went to nobody for a reason that is
not about one recipient, saying whether trying again can help: `permanent` (this
email is refused for good), `pause` (nothing can be sent until someone fixes the
configuration: credentials, TLS, the sender) or neither (a passing fault: try again
later).
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

import aiosmtplib

from config.errors import RectrackError
from config.settings import Settings, StartTls


class TransportError(RectrackError):
    """Delivery did not happen; `permanent` and `pause` say whether trying again can help.

    `unreachable` says the mail server could not be reached, or stopped answering:
    trying again later can help.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        pause: bool = False,
        unreachable: bool = False,
    ) -> None:
        self.message, self.permanent, self.pause = message, permanent, pause
        self.unreachable = unreachable
        super().__init__(message)


@dataclass(frozen=True)
class Mail:
    """One email ready to go: its bytes as composed (`emails.compose`) and its SMTP envelope.

    The envelope is given, not read from the headers: `sender` is the address the
    server sends bounces to, `recipients` who it goes to (To and Cc).
    """

    sender: str
    recipients: tuple[str, ...]
    message_id: str
    content: bytes


Refusals = dict[str, TransportError]  # the recipients a server refused, and why


class Connection(Protocol):
    async def send(self, mail: Mail) -> Refusals:
        """Deliver `mail`; return the recipients refused, each with why (none: all have it).

        Raise TransportError if it went to none of them for a reason not about one.
        """
        ...


class Transport(Protocol):
    def connect(self) -> AbstractAsyncContextManager[Connection]:
        """Open one connection for a batch; raise TransportError if it cannot be opened."""
        ...


# No password goes over a connection anyone on the way could read.
UNENCRYPTED_LOGIN = (
    "mail.smtp.username is set but the connection is not encrypted:"
    " set mail.smtp.starttls = true or mail.smtp.tls = true"
)


class SmtpTransport:
    """Send through an SMTP server, one connection per batch.

    `use_tls` connects over TLS (port 465). On a plain connection (port 587 or 25)
    `start_tls` says when to upgrade it, as aiosmtplib reads it: True always (a
    server that does not offer STARTTLS pauses sending), None when the server offers
    it, False never. A login (`username`) goes over an encrypted connection or not
    at all. `tls_context` says which certificates to trust (the system's if None).
    `timeout` bounds connecting and each message, not only each socket operation.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        start_tls: bool | None,
        use_tls: bool,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        local_hostname: str = "localhost",
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.start_tls, self.use_tls, self.tls_context = start_tls, use_tls, tls_context
        self.username, self.password, self.local_hostname = username, password, local_hostname

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Connection]:
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            start_tls=self.start_tls,
            use_tls=self.use_tls,
            timeout=self.timeout,
            local_hostname=self.local_hostname,
            tls_context=self.tls_context,
        )
        try:
            async with asyncio.timeout(self.timeout):
                await client.connect()
                await self._log_in(client)
        except (aiosmtplib.SMTPException, OSError) as error:
            await _close(client, self.timeout)
            raise connect_error(error) from error
        except TransportError:
            await _close(client, self.timeout)
            raise
        try:
            yield _SmtpConnection(client, self.timeout)
        finally:
            await _close(client, self.timeout)

    async def _log_in(self, client: aiosmtplib.SMTP) -> None:
        """Log in if a username is set; raise TransportError (pause) if not encrypted."""
        if self.username is None:
            return
        # aiosmtplib would log in over plain text if the server offered AUTH there.
        if client.get_transport_info("sslcontext") is None:
            raise TransportError(UNENCRYPTED_LOGIN, pause=True)
        await client.login(self.username, self.password or "")


class _SmtpConnection:
    def __init__(self, client: aiosmtplib.SMTP, timeout: float) -> None:
        self.client, self.timeout = client, timeout

    async def send(self, mail: Mail) -> Refusals:
        try:
            async with asyncio.timeout(self.timeout):
                # The stored bytes as they are: no building or flattening per attempt.
                refused, _ = await self.client.sendmail(mail.sender, mail.recipients, mail.content)
        except TimeoutError as error:
            self.client.close()  # cut off mid-command, the session cannot be trusted
            raise TransportError(f"no answer within {self.timeout:g}s", unreachable=True) from error
        except aiosmtplib.SMTPRecipientsRefused as error:  # every recipient, one by one
            return refusals({r.recipient: (r.code, r.message) for r in error.recipients})
        except (aiosmtplib.SMTPException, OSError) as error:
            raise send_error(error) from error
        return refusals(refused)


async def _close(client: aiosmtplib.SMTP, timeout: float) -> None:
    transport = client.transport
    try:
        if client.is_connected:
            async with asyncio.timeout(timeout):
                await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        pass  # everything was already sent or settled; a goodbye lost does not matter
    finally:
        client.close()
        if isinstance(transport, asyncio.Transport):
            # After QUIT nothing is left to say. A TLS connection would otherwise wait
            # for the server's close_notify, past the end of the batch's event loop,
            # and leave its socket open until garbage collection.
            transport.abort()


def connect_error(error: Exception) -> TransportError:
    """Classify a failure to open a connection: a refusal or TLS fault pauses sending."""
    if _tls_failed(error) or isinstance(error, aiosmtplib.SMTPNotSupported):
        return TransportError(f"TLS or a needed extension failed: {error}", pause=True)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return TransportError(_reply(error), pause=error.code >= 500)
    if isinstance(error, OSError | aiosmtplib.SMTPServerDisconnected):  # timeouts included
        reason = f"cannot reach the mail server: {_describe(error)}"
        return TransportError(reason, unreachable=True)
    return TransportError(f"the mail server cannot be used: {error}", pause=True)


def refusals(replies: Mapping[str, tuple[int, str]]) -> Refusals:
    """Classify the server's refusal of each recipient (RFC 5321: 4xx passes, 5xx lasts).

    Raise TransportError for a 421: the server is closing the connection, so the
    refusal is about the connection, not the recipient.
    """
    closing = [f"{code} {text}" for code, text in replies.values() if code == 421]
    if closing:
        raise TransportError(f"the server closed the connection: {closing[0]}")
    return {
        to: TransportError(f"{code} {text}", permanent=_lasts(code))
        for to, (code, text) in replies.items()
    }


def send_error(error: Exception) -> TransportError:
    """Classify a failure to send one message to anyone (RFC 5321: 4xx passes, 5xx lasts)."""
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        return TransportError(f"the sender was refused: {_reply(error)}", pause=error.code >= 500)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return TransportError(_reply(error), permanent=error.code >= 500)
    if _tls_failed(error) or isinstance(error, aiosmtplib.SMTPNotSupported):
        return TransportError(f"TLS or a needed extension failed: {error}", pause=True)
    return TransportError(f"the connection failed: {_describe(error)}")


def _tls_failed(error: Exception) -> bool:
    # aiosmtplib reports a failed TLS handshake as a connect error caused by the SSLError.
    return isinstance(error, ssl.SSLError) or isinstance(error.__cause__, ssl.SSLError)


def _lasts(code: int) -> bool:
    """Say if a refused recipient stays refused: 5xx but 552, "mailbox full" on RCPT.

    RFC 5321 §4.5.3.1.10 asks that 552 there be taken as the temporary 452.
    """
    return code >= 500 and code != 552


def _reply(error: aiosmtplib.SMTPResponseException) -> str:
    return f"{error.code} {error.message}"


def _describe(error: Exception) -> str:
    return str(error) or type(error).__name__


class FileTransport:
    """Write each email as an .eml file into `directory`, which is made if need be."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Connection]:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise TransportError(f"cannot make {self.directory}: {error}", pause=True) from error
        yield self

    async def send(self, mail: Mail) -> Refusals:
        path = self.directory / f"{_file_stem(mail.message_id)}.eml"
        try:
            _write_atomically(path, mail.content)
        except OSError as error:
            raise TransportError(f"cannot write {path}: {error}") from error
        return {}


def _file_stem(message_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9.@_-]", "", message_id) or "message"


def _write_atomically(path: Path, content: bytes) -> None:
    # A reader of the folder sees a whole message or none, never half of one.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class ConsoleTransport:
    """Print each email to `stream`, for trying things out."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Connection]:
        yield self

    async def send(self, mail: Mail) -> Refusals:
        text = mail.content.decode("ascii", errors="replace").replace("\r\n", "\n")
        self.stream.write(f"{text}\n{'-' * 72}\n")
        return {}


class MemoryTransport:
    """Keep each email in `outbox`; fail with `error` when one is set. For tests."""

    def __init__(self, error: TransportError | None = None) -> None:
        self.outbox: list[Mail] = []
        self.error = error
        self.connections = 0

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Connection]:
        self.connections += 1
        yield self

    async def send(self, mail: Mail) -> Refusals:
        if self.error is not None:
            raise self.error
        self.outbox.append(mail)
        return {}


def transport_from_settings(settings: Settings, console: TextIO | None = None) -> Transport:
    """Return the transport `mail.transport` names, configured from the settings."""
    if settings.mail_transport == "smtp":
        return SmtpTransport(
            settings.mail_smtp_host,
            settings.mail_smtp_port,
            start_tls=_start_tls(settings),
            use_tls=settings.mail_smtp_tls,
            username=settings.mail_smtp_username,
            password=settings.mail_smtp_password,
            timeout=settings.mail_smtp_timeout,
            local_hostname=settings.sender.domain,
        )
    if settings.mail_transport == "console":
        return ConsoleTransport(console or sys.stdout)
    return FileTransport(settings.mail_file_directory)


# aiosmtplib's start_tls for each `mail.smtp.starttls` on a plain connection.
_START_TLS: dict[StartTls, bool | None] = {
    StartTls.AUTO: None,
    StartTls.REQUIRED: True,
    StartTls.NEVER: False,
}


def _start_tls(settings: Settings) -> bool | None:
    # Over implicit TLS the connection is encrypted from the start: no STARTTLS (the
    # settings refuse tls with starttls required).
    return False if settings.mail_smtp_tls else _START_TLS[settings.mail_smtp_starttls]
