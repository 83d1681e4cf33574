"""Building emails and delivering them: SMTP against a real server, files, console, memory."""

from __future__ import annotations

import asyncio
import io
import itertools
import ssl
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from factories import CHAIR, CLERK, CURRENT_TIME
from mailserver import PASSWORD, USERNAME, SmtpServer

from config.settings import Settings, StartTls
from notifications import emails
from notifications.emails import BadHeader
from notifications.notices import Email, Message
from notifications.rendering import SUBJECT_MAX, one_line
from notifications.transports import (
    UNENCRYPTED_LOGIN,
    ConsoleTransport,
    FileTransport,
    Mail,
    MemoryTransport,
    Refusals,
    SmtpTransport,
    Transport,
    TransportError,
    connect_error,
    transport_from_settings,
)

SENDER = "rectrack@council.example"
TEAM = "Scrutiny Team <scrutiny@council.example>"
Smtp = Callable[..., SmtpTransport]
Compose = Callable[..., Email]


@pytest.fixture
def compose(make_message: Callable[..., Message]) -> Compose:
    def compose_email(sender: str = SENDER, now: datetime = CURRENT_TIME, **fields: Any) -> Email:
        return emails.compose(make_message(**fields), sender=sender, now=now)

    return compose_email


def parsed(email: Email) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(email.content)


def mail_of(email: Email) -> Mail:
    """`email` as the dispatcher sends it: from its From, to its recipient and copies."""
    [sender] = parsed(email)["From"].addresses
    recipients = (email.message.to, *email.message.cc)
    return Mail(sender.addr_spec, recipients, email.message_id, email.content)


def send(transport: Transport, *messages: Email | Mail) -> Refusals:
    """Send each message over one connection; return the recipients refused, of them all."""

    async def run() -> Refusals:
        refused: Refusals = {}
        async with transport.connect() as connection:
            for message in messages:
                mail = message if isinstance(message, Mail) else mail_of(message)
                refused |= await connection.send(mail)
        return refused

    return asyncio.run(run())


def refusal(transport: Transport, *messages: Email | Mail) -> TransportError:
    with pytest.raises(TransportError) as caught:
        send(transport, *messages)
    return caught.value


# Composing the email


def test_it_is_plain_text_first_then_html(compose: Compose) -> None:
    email = parsed(compose())
    assert email.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in email.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert "due for monitoring" in email.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_it_carries_its_message_id_and_says_it_is_automatic(compose: Compose) -> None:
    email = compose()
    headers = parsed(email)
    assert headers["Message-ID"] == email.message_id
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["From"] == SENDER


def test_it_is_dated_and_its_message_id_made_at_the_time_given(compose: Compose) -> None:
    later = datetime(2027, 6, 1, 7, 0, tzinfo=UTC)
    email = compose(now=later)
    assert parsed(email)["Date"] == "Tue, 01 Jun 2027 07:00:00 +0000"
    assert email.message_id.startswith("<20270601070000.")
    assert email.at == later


def test_each_email_gets_a_message_id_of_its_own(compose: Compose) -> None:
    assert compose().message_id != compose().message_id


def test_a_message_id_is_in_the_senders_domain(compose: Compose) -> None:
    assert compose().message_id.endswith("@council.example>")


def test_names_with_commas_and_quotes_survive_the_trip(compose: Compose) -> None:
    name = 'O\'Neil, Dr "Chair" Ünal'
    [address] = parsed(compose(to_name=name))["To"].addresses
    assert (address.display_name, address.addr_spec) == (name, "officer@council.example")


def test_the_copy_goes_in_cc(compose: Compose) -> None:
    assert parsed(compose(cc=(CLERK,)))["Cc"] == CLERK


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "Due\nBcc: everyone@example.com"},
        {"subject": "Due\r"},
        {"to_name": "Olive\r\nBcc: everyone@example.com"},
        {"to": "officer@council.example\nBcc: x@example.com"},
        {"subject": "Due\u2028"},
        {"to_name": "Olive\x85"},
        {"to_name": "Olive\x00Officer"},
        {"cc": ("clerk@council.example\r\nX: y",)},
    ],
)
def test_a_line_break_in_a_header_is_refused(compose: Compose, fields: dict[str, Any]) -> None:
    with pytest.raises(BadHeader, match="line break"):
        compose(**fields)


@pytest.mark.parametrize("to", ["", "officer.council.example", "@council.example"])
def test_an_address_that_is_not_one_is_refused(compose: Compose, to: str) -> None:
    with pytest.raises(BadHeader, match="not an email address"):
        compose(to=to)


def test_its_bytes_are_ascii_with_crlf_line_ends_whatever_the_text(compose: Compose) -> None:
    text = "Café culture — l’équipe 🎉\n" * 3
    email = compose(to_name="Zoë O’Brien", subject="Réponse due 🎉", text=text)
    assert email.content.isascii() and b"\n" not in email.content.replace(b"\r\n", b"")
    assert parsed(email).get_body(("plain",)).get_content() == text  # type: ignore[union-attr]


def test_the_from_carries_the_senders_display_name(compose: Compose) -> None:
    [sender] = parsed(compose(sender=TEAM))["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Scrutiny Team", "scrutiny@council.example")


def test_a_sender_that_is_not_an_address_is_refused(compose: Compose) -> None:
    with pytest.raises(BadHeader, match="From header 'Scrutiny Team': not an email address"):
        compose(sender="Scrutiny Team")


def test_a_message_id_is_in_the_domain_of_a_named_senders_address(compose: Compose) -> None:
    assert compose(sender=TEAM).message_id.endswith("@council.example>")


def test_the_envelope_sender_is_the_bare_address() -> None:
    assert emails.envelope_sender(TEAM) == "scrutiny@council.example"


# Headers read back as given, after a trip through a real SMTP server

LONG_SUBJECT = one_line("Café culture — the council’s 🎉 review of the night-time economy " * 4)
LONG_NAME = "Smith, John (Director of Environment, Planning, Regulatory and Community Services)"


def delivered(smtp: Smtp, wire: list[bytes], email: Email) -> EmailMessage:
    send(smtp(), email)
    [raw] = wire
    return message_from_bytes(raw, policy=policy.default)


def header_lines(raw: bytes, name: str) -> list[bytes]:
    """The lines of header `name` as they were sent: the first and its continuations."""
    lines = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
    start = next(n for n, line in enumerate(lines) if line.startswith(f"{name}:".encode()))
    folded = itertools.takewhile(lambda line: line[:1] in (b" ", b"\t"), lines[start + 1 :])
    return [lines[start], *folded]


@pytest.mark.parametrize(
    "subject",
    [
        "Monitoring reminder: 2 recommendations, the first on Tuesday 15 June 2027",
        one_line("Response due by Thursday 4 March 2027: CIS.12/03 Night-time economy " * 3),
        LONG_SUBJECT,
        "A" * SUBJECT_MAX,
        "Réponse due: l’équipe 🎉",
        "Two  spaces,\ta tab and =?utf-8?q?what_looks_encoded?=",
    ],
)
def test_a_subject_reads_back_as_given(
    smtp: Smtp, wire: list[bytes], compose: Compose, subject: str
) -> None:
    assert delivered(smtp, wire, compose(subject=subject))["Subject"] == subject


def test_a_long_subject_is_folded_into_lines_of_78_at_most(
    smtp: Smtp, wire: list[bytes], compose: Compose
) -> None:
    send(smtp(), compose(subject=LONG_SUBJECT))
    lines = header_lines(wire[0], "Subject")
    assert len(lines) > 1 and max(map(len, lines)) <= 78


@pytest.mark.parametrize(
    "name",
    [
        'O\'Neil, Dr "Chair" Ünal',
        "Zoë O’Brien 🎉",
        LONG_NAME,
        'A \\ and a "',
        ", ".join(["Ünal"] * 20),
        "Olive  Officer",
        "Dr.  O'Neil,   Chair ",
        " Zoë  O’Brien   🎉  ",
        "  ".join(["Olive Officer"] * 12),
    ],
)
def test_a_name_reads_back_as_given(
    smtp: Smtp, wire: list[bytes], compose: Compose, name: str
) -> None:
    [address] = delivered(smtp, wire, compose(to_name=name))["To"].addresses
    assert (address.display_name, address.addr_spec) == (name, "officer@council.example")


def test_a_senders_name_reads_back_with_its_spaces(
    smtp: Smtp, wire: list[bytes], compose: Compose
) -> None:
    got = delivered(smtp, wire, compose(sender="Scrutiny  Team <scrutiny@council.example>"))
    assert got["From"].addresses[0].display_name == "Scrutiny  Team"


def test_a_long_message_id_and_the_copies_read_back_as_given(
    smtp: Smtp, wire: list[bytes], compose: Compose
) -> None:
    copies = (CLERK, "deputy@council.example")
    email = compose(sender="rectrack@democratic-services.a-long-council-name.gov.uk", cc=copies)
    got = delivered(smtp, wire, email)
    assert got["Message-ID"] == email.message_id
    assert tuple(a.addr_spec for a in got["Cc"].addresses) == copies


def test_no_line_passes_998_characters_even_for_a_name_that_long(
    smtp: Smtp, wire: list[bytes], compose: Compose
) -> None:
    email = delivered(
        smtp, wire, compose(to_name=" ".join(["Zoë O’Brien"] * 100), subject=LONG_SUBJECT)
    )
    assert len(email["To"].addresses) == 1
    assert max(len(line) for line in wire[0].split(b"\r\n")) <= emails.LINE_LIMIT


# SMTP, against a real server


def test_smtp_delivers_over_one_connection(
    smtp: Smtp, received: list[EmailMessage], compose: Compose
) -> None:
    send(smtp(), compose(), compose(to="chair@council.example"))
    assert [m["To"] for m in received] == [
        "Olive Officer <officer@council.example>",
        "Olive Officer <chair@council.example>",
    ]
    assert received[0]["X-Peer"] == received[1]["X-Peer"]


def test_smtp_sends_the_bytes_as_given(smtp: Smtp, wire: list[bytes], compose: Compose) -> None:
    mail = mail_of(compose(subject="Réponse due 🎉"))
    send(smtp(), mail)
    assert wire == [mail.content]


def test_smtp_the_envelope_is_the_one_given_not_the_headers(
    smtp: Smtp, envelopes: list[tuple[str, list[str]]], compose: Compose
) -> None:
    bounces = "bounces@council.example"
    send(smtp(), replace(mail_of(compose()), sender=bounces, recipients=(CHAIR,)))
    assert envelopes == [(bounces, [CHAIR])]


def test_smtp_a_4xx_refusal_of_a_recipient_is_worth_retrying(smtp: Smtp, compose: Compose) -> None:
    [(to, error)] = send(smtp(), compose(to="temp@council.example")).items()
    assert (to, error.permanent, error.pause) == ("temp@council.example", False, False)
    assert error.message == "451 4.3.0 try again later"


def test_smtp_a_5xx_refusal_of_a_recipient_is_permanent(smtp: Smtp, compose: Compose) -> None:
    [error] = send(smtp(), compose(to="perm@council.example")).values()
    assert (error.permanent, error.pause) == (True, False)
    assert error.message == "550 5.1.1 no such user"


def test_smtp_a_copy_refused_is_refused_alone(
    smtp: Smtp, compose: Compose, received: list[EmailMessage]
) -> None:
    refused = send(smtp(), compose(cc=("perm@council.example", CLERK)))
    assert list(refused) == ["perm@council.example"]
    assert [m["Cc"] for m in received] == [f"perm@council.example, {CLERK}"]


def test_smtp_a_refused_sender_pauses_sending(smtp: Smtp, compose: Compose) -> None:
    error = refusal(smtp(), compose(sender="blocked@council.example"))
    assert error.pause


def test_smtp_a_dropped_connection_is_worth_retrying(smtp: Smtp, compose: Compose) -> None:
    error = refusal(smtp(), compose(to="drop@council.example"))
    assert (error.permanent, error.pause) == (False, False)


def test_smtp_nothing_listening_is_worth_retrying(
    smtp_later: tuple[Smtp, object], compose: Compose
) -> None:
    idle, _ = smtp_later
    error = refusal(idle(), compose())
    assert (error.permanent, error.pause, error.unreachable) == (False, False, True)
    assert "cannot reach the mail server" in error.message


def test_smtp_a_refused_login_pauses_sending(starttls_server: SmtpServer, compose: Compose) -> None:
    transport = starttls_server.transport(start_tls=None, username=USERNAME, password="wrong")
    error = refusal(transport, compose())
    assert error.pause
    assert "535" in error.message


def test_smtp_starttls_not_offered_pauses_rather_than_sending_in_clear(
    smtp: Smtp, received: list[EmailMessage], compose: Compose
) -> None:
    error = refusal(smtp(start_tls=True), compose())
    assert error.pause
    assert received == []


# STARTTLS: auto (when offered), true (required), false (never); logins only encrypted


def test_smtp_auto_starttls_upgrades_when_the_server_offers_it(
    starttls_server: SmtpServer, compose: Compose
) -> None:
    transport = starttls_server.transport(start_tls=None, username=USERNAME, password=PASSWORD)
    send(transport, compose())
    assert [m["X-TLS"] for m in starttls_server.recorder.messages] == ["yes"]
    assert starttls_server.logins.attempts == [USERNAME]


def test_smtp_auto_starttls_goes_on_in_plain_text_without_a_login_when_not_offered(
    smtp: Smtp, received: list[EmailMessage], compose: Compose
) -> None:
    send(smtp(start_tls=None), compose())
    assert [m["X-TLS"] for m in received] == ["no"]


def test_smtp_required_starttls_upgrades_and_logs_in(
    starttls_server: SmtpServer, compose: Compose
) -> None:
    send(starttls_server.transport(start_tls=True, username=USERNAME, password=PASSWORD), compose())
    assert [m["X-TLS"] for m in starttls_server.recorder.messages] == ["yes"]


def test_smtp_a_password_is_never_sent_over_plain_text(
    plain_login_server: SmtpServer, compose: Compose
) -> None:
    transport = plain_login_server.transport(start_tls=None, username=USERNAME, password=PASSWORD)
    error = refusal(transport, compose())
    assert (error.pause, error.message) == (True, UNENCRYPTED_LOGIN)
    assert plain_login_server.logins.attempts == []
    assert plain_login_server.recorder.messages == []


def test_smtp_starttls_never_with_a_login_is_refused_before_any_login(
    starttls_server: SmtpServer, compose: Compose
) -> None:
    transport = starttls_server.transport(start_tls=False, username=USERNAME, password=PASSWORD)
    assert refusal(transport, compose()).message == UNENCRYPTED_LOGIN
    assert starttls_server.logins.attempts == []


def test_smtp_a_server_that_wants_a_login_pauses_sending_without_one(
    starttls_server: SmtpServer, compose: Compose
) -> None:
    error = refusal(starttls_server.transport(start_tls=None), compose())
    assert error.pause
    assert "530" in error.message


def test_smtp_implicit_tls_logs_in_and_delivers(tls_server: SmtpServer, compose: Compose) -> None:
    send(tls_server.transport(use_tls=True, username=USERNAME, password=PASSWORD), compose())
    assert [m["X-TLS"] for m in tls_server.recorder.messages] == ["yes"]


def test_smtp_implicit_tls_to_a_plain_server_pauses(smtp: Smtp, compose: Compose) -> None:
    assert refusal(smtp(use_tls=True), compose()).pause


def test_a_certificate_failure_pauses() -> None:
    assert connect_error(ssl.SSLCertVerificationError("self-signed certificate")).pause


# Files, console and memory


def test_files_are_written_as_eml_named_by_message_id(tmp_path: Path, compose: Compose) -> None:
    email = compose()
    send(FileTransport(tmp_path / "mail"), email)
    [path] = (tmp_path / "mail").iterdir()
    assert path.name == email.message_id.strip("<>") + ".eml"
    written = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert [p.get_content_type() for p in written.iter_parts()] == ["text/plain", "text/html"]


def test_a_file_holds_the_bytes_as_given(tmp_path: Path, compose: Compose) -> None:
    mail = mail_of(compose())
    send(FileTransport(tmp_path), mail)
    [path] = tmp_path.iterdir()
    assert path.read_bytes() == mail.content


def test_a_message_sent_again_replaces_its_file(tmp_path: Path, compose: Compose) -> None:
    first = mail_of(compose(subject="first"))
    again = replace(mail_of(compose(subject="second")), message_id=first.message_id)
    send(FileTransport(tmp_path), first, again)
    [path] = tmp_path.iterdir()
    assert "Subject: second" in path.read_text()


def test_an_unwritable_folder_pauses_sending(tmp_path: Path, compose: Compose) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    assert refusal(FileTransport(tmp_path / "taken"), compose()).pause


def test_the_console_shows_the_whole_message(compose: Compose) -> None:
    stream = io.StringIO()
    send(ConsoleTransport(stream), compose())
    assert "Subject: Monitoring due: CCS/09/a\n" in stream.getvalue()
    assert "\r" not in stream.getvalue()


def test_memory_keeps_each_message(compose: Compose) -> None:
    memory = MemoryTransport()
    send(memory, compose(), compose())
    assert (len(memory.outbox), memory.connections) == (2, 1)


def test_memory_fails_as_told(compose: Compose) -> None:
    told = TransportError("451 later")
    assert refusal(MemoryTransport(error=told), compose()) is told


# Choosing from the settings


def test_the_default_transport_writes_files() -> None:
    transport = transport_from_settings(Settings.defaults())
    assert isinstance(transport, FileTransport)
    assert transport.directory == Path("rectrack-mail")


@pytest.mark.parametrize(
    ("tls", "starttls", "start_tls"),
    [
        (False, StartTls.AUTO, None),  # aiosmtplib's "when the server offers it"
        (False, StartTls.REQUIRED, True),
        (False, StartTls.NEVER, False),
        (True, StartTls.AUTO, False),  # encrypted from the start: nothing to upgrade
        (True, StartTls.NEVER, False),
    ],
)
def test_the_smtp_transport_takes_its_tls_mode_from_the_settings(
    tls: bool, starttls: StartTls, start_tls: bool | None
) -> None:
    settings = replace(Settings.defaults(), mail_transport="smtp", mail_smtp_port=465)
    settings = replace(settings, mail_smtp_tls=tls, mail_smtp_starttls=starttls)
    transport = transport_from_settings(settings)
    assert isinstance(transport, SmtpTransport)
    assert (transport.port, transport.use_tls, transport.start_tls) == (465, tls, start_tls)
    assert transport.local_hostname == "localhost.localdomain"


def test_the_smtp_transport_greets_with_the_domain_of_a_named_sender() -> None:
    settings = replace(Settings.defaults(), mail_transport="smtp", mail_sender=TEAM)
    transport = transport_from_settings(settings)
    assert isinstance(transport, SmtpTransport)
    assert transport.local_hostname == "council.example"


def test_the_console_transport_prints_to_the_stream_given() -> None:
    stream = io.StringIO()
    transport = transport_from_settings(
        replace(Settings.defaults(), mail_transport="console"), stream
    )
    assert isinstance(transport, ConsoleTransport)
    assert transport.stream is stream
