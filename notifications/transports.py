"""Ways to deliver an email: SMTP, a folder of .eml files, the console, a list in memory.

The only module that imports aiosmtplib. A transport opens one connection per
batch and sends each email over it, as the bytes it was stored as:

    async with transport.connect() as connection:
        await connection.send(mail)

Both raise TransportError when delivery did not happen, saying whether trying again
can help: `permanent` (this message is refused for good), `pause` (nothing can be
sent until someone fixes the configuration: credentials, TLS, the sender) or
neither (a passing fault: try again later).
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

import aiosmtplib

from config.settings import Settings
from notifications.emails import domain_of


class TransportError(Exception):
    """Delivery did not happen; `permanent` and `pause` say whether trying again can help."""

    def __init__(self, message: str, *, permanent: bool = False, pause: bool = False) -> None:
        self.message, self.permanent, self.pause = message, permanent, pause
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


class Connection(Protocol):
    async def send(self, mail: Mail) -> None:
        """Deliver `mail`; raise TransportError if it was not."""
        ...


class Transport(Protocol):
    def connect(self) -> AbstractAsyncContextManager[Connection]:
        """Open one connection for a batch; raise TransportError if it cannot be opened."""
        ...


class SmtpTransport:
    """Send through an SMTP server, one connection per batch.

    TLS is never left to chance: `start_tls` upgrades a plain connection (port 587)
    and `use_tls` connects over TLS (port 465); with neither, mail goes in plain text.
    `timeout` bounds connecting and each message, not only each socket operation.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        start_tls: bool,
        use_tls: bool,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        local_hostname: str = "localhost",
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.start_tls, self.use_tls = start_tls, use_tls
        self.username, self.password, self.local_hostname = username, password, local_hostname

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Connection]:
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            start_tls=self.start_tls,
            use_tls=self.use_tls,
            username=self.username,
            password=self.password,
            timeout=self.timeout,
            local_hostname=self.local_hostname,
        )
        try:
            async with asyncio.timeout(self.timeout):
                await client.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            raise connect_error(error) from error
        try:
            yield _SmtpConnection(client, self.timeout)
        finally:
            await _close(client, self.timeout)


class _SmtpConnection:
    def __init__(self, client: aiosmtplib.SMTP, timeout: float) -> None:
        self.client, self.timeout = client, timeout

    async def send(self, mail: Mail) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                # The stored bytes as they are: no building or flattening per attempt.
                refused, _ = await self.client.sendmail(mail.sender, mail.recipients, mail.content)
        except TimeoutError as error:
            self.client.close()  # cut off mid-command, the session cannot be trusted
            raise TransportError(f"no answer within {self.timeout:g}s") from error
        except (aiosmtplib.SMTPException, OSError) as error:
            raise send_error(error) from error
        if refused:  # some recipients took it, others did not
            codes = [response.code for response in refused.values()]
            reasons = "; ".join(f"{to}: {r.code} {r.message}" for to, r in refused.items())
            raise TransportError(f"refused for {reasons}", permanent=any(map(_lasts, codes)))


async def _close(client: aiosmtplib.SMTP, timeout: float) -> None:
    try:
        if client.is_connected:
            async with asyncio.timeout(timeout):
                await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        pass  # everything was already sent or settled; a goodbye lost does not matter
    finally:
        client.close()


def connect_error(error: Exception) -> TransportError:
    """Classify a failure to open a connection: a refusal or TLS fault pauses sending."""
    if _tls_failed(error) or isinstance(error, aiosmtplib.SMTPNotSupported):
        return TransportError(f"TLS or a needed extension failed: {error}", pause=True)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return TransportError(_reply(error), pause=error.code >= 500)
    if isinstance(error, OSError | aiosmtplib.SMTPServerDisconnected):  # timeouts included
        return TransportError(f"cannot reach the mail server: {_describe(error)}")
    return TransportError(f"the mail server cannot be used: {error}", pause=True)


def send_error(error: Exception) -> TransportError:
    """Classify a failure to send one message (RFC 5321: 4xx passes, 5xx lasts)."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in error.recipients]
        reasons = "; ".join(f"{r.recipient}: {_reply(r)}" for r in error.recipients)
        return TransportError(reasons, permanent=any(map(_lasts, codes)))
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

    RFC 5321 §4.5.3.1.10 asks that 552 there be taken as the temporary 452. A message
    with any recipient refused for good fails; the others may have had it already.
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

    async def send(self, mail: Mail) -> None:
        path = self.directory / f"{_file_stem(mail.message_id)}.eml"
        try:
            _write_atomically(path, mail.content)
        except OSError as error:
            raise TransportError(f"cannot write {path}: {error}") from error


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

    async def send(self, mail: Mail) -> None:
        text = mail.content.decode("ascii", errors="replace").replace("\r\n", "\n")
        self.stream.write(f"{text}\n{'-' * 72}\n")


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

    async def send(self, mail: Mail) -> None:
        if self.error is not None:
            raise self.error
        self.outbox.append(mail)


def transport_from_settings(settings: Settings, console: TextIO | None = None) -> Transport:
    """Return the transport `mail.transport` names, configured from the settings."""
    if settings.mail_transport == "smtp":
        return SmtpTransport(
            settings.mail_smtp_host,
            settings.mail_smtp_port,
            start_tls=settings.mail_smtp_starttls,
            use_tls=settings.mail_smtp_tls,
            username=settings.mail_smtp_username,
            password=settings.mail_smtp_password,
            timeout=settings.mail_smtp_timeout,
            local_hostname=domain_of(settings.mail_sender),
        )
    if settings.mail_transport == "console":
        return ConsoleTransport(console or sys.stdout)
    return FileTransport(settings.mail_file_directory)
