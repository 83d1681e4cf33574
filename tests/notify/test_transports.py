"""Building emails and delivering them: SMTP against a real server, files, console, memory."""

from __future__ import annotations

import asyncio
import io
import itertools
import ssl
from collections.abc import Callable
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from factories import CHAIR, CLERK, CURRENT_TIME
from mailserver import PASSWORD, USERNAME, SmtpServer

from config.settings import Settings, StartTls
from notifications import emails
from notifications.emails import BadHeader
from notifications.notices import Message
from notifications.rendering import SUBJECT_MAX, one_line
from notifications.transports import (
    UNENCRYPTED_LOGIN,
    ConsoleTransport,
    FileTransport,
    Mail,
    MemoryTransport,
    SmtpTransport,
    Transport,
    TransportError,
    connect_error,
    transport_from_settings,
)

SENDER = "rectrack@council.example"
TEAM = "Scrutiny Team <scrutiny@council.example>"
Smtp = Callable[..., SmtpTransport]
MESSAGE_ID = "<20270201093000.1@council.example>"


@pytest.fixture
def build(make_message: Callable[..., Message]) -> Callable[..., EmailMessage]:
    def build_email(
        sender: str = SENDER, message_id: str = MESSAGE_ID, **fields: str
    ) -> EmailMessage:
        message = make_message(**fields)
        return emails.build(message, sender=sender, message_id=message_id, now=CURRENT_TIME)

    return build_email


def mail_of(email: EmailMessage) -> Mail:
    """`email` as the outbox stores it: from its From, to its To and Cc."""
    recipients = [
        a.addr_spec for name in ("To", "Cc") for a in getattr(email[name], "addresses", ())
    ]
    [sender] = email["From"].addresses
    return Mail(sender.addr_spec, tuple(recipients), email["Message-ID"], emails.as_bytes(email))


def send(transport: Transport, *messages: EmailMessage | Mail) -> None:
    async def run() -> None:
        async with transport.connect() as connection:
            for message in messages:
                await connection.send(message if isinstance(message, Mail) else mail_of(message))

    asyncio.run(run())


def refusal(transport: Transport, *messages: EmailMessage | Mail) -> TransportError:
    with pytest.raises(TransportError) as caught:
        send(transport, *messages)
    return caught.value


def reparse(email: EmailMessage) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(email.as_bytes())


# Building the email


def test_it_is_plain_text_first_then_html(build: Callable[..., EmailMessage]) -> None:
    email = reparse(build())
    assert email.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in email.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert "due for monitoring" in email.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_it_carries_the_stored_message_id_and_says_it_is_automatic(
    build: Callable[..., EmailMessage],
) -> None:
    email = reparse(build())
    assert email["Message-ID"] == MESSAGE_ID
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Date"] == "Mon, 01 Feb 2027 09:30:00 +0000"
    assert email["From"] == SENDER


def test_the_from_carries_the_senders_display_name(build: Callable[..., EmailMessage]) -> None:
    [sender] = reparse(build(sender=TEAM))["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Scrutiny Team", "scrutiny@council.example")


def test_a_sender_that_is_not_an_address_is_refused(build: Callable[..., EmailMessage]) -> None:
    with pytest.raises(BadHeader, match="From header 'Scrutiny Team': not an email address"):
        build(sender="Scrutiny Team")


def test_names_with_commas_and_quotes_survive_the_trip(build: Callable[..., EmailMessage]) -> None:
    name = 'O\'Neil, Dr "Chair" Ünal'
    email = reparse(build(to_name=name))
    [address] = email["To"].addresses
    assert (address.display_name, address.addr_spec) == (name, "officer@council.example")


def test_the_copy_goes_in_cc(
    make_message: Callable[..., Message],
) -> None:
    message = make_message(cc=(CLERK,))
    email = emails.build(message, sender=SENDER, message_id=MESSAGE_ID, now=CURRENT_TIME)
    assert reparse(email)["Cc"] == CLERK


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "Due\nBcc: everyone@example.com"},
        {"subject": "Due\r"},
        {"to_name": "Olive\r\nBcc: everyone@example.com"},
        {"to": "officer@council.example\nBcc: x@example.com"},
        {"subject": "Due\u2028"},
        {"to_name": "Olive\x85"},
    ],
)
def test_a_line_break_in_a_header_is_refused(
    build: Callable[..., EmailMessage], fields: dict[str, str]
) -> None:
    with pytest.raises(BadHeader, match="line break"):
        build(**fields)


def test_an_address_that_is_not_one_is_refused(build: Callable[..., EmailMessage]) -> None:
    with pytest.raises(BadHeader, match="not an email address"):
        build(to="")


def test_as_bytes_is_ascii_with_crlf_line_ends_whatever_the_text(
    make_message: Callable[..., Message],
) -> None:
    text = "Café culture — l’équipe 🎉\n" * 3
    message = make_message(to_name="Zoë O’Brien", subject="Réponse due 🎉", text=text)
    email = emails.build(message, sender=SENDER, message_id=MESSAGE_ID, now=CURRENT_TIME)
    content = emails.as_bytes(email)
    assert content.isascii() and b"\n" not in content.replace(b"\r\n", b"")
    stored = BytesParser(policy=policy.default).parsebytes(content)
    assert stored.get_body(("plain",)).get_content() == text  # type: ignore[union-attr]


def test_a_new_message_id_is_in_the_senders_domain() -> None:
    assert emails.new_message_id(SENDER, CURRENT_TIME).endswith("@council.example>")


def test_a_new_message_id_is_made_at_the_time_given_not_the_clocks() -> None:
    assert emails.new_message_id(SENDER, CURRENT_TIME).startswith("<20270201093000.")


def test_message_ids_made_at_the_same_time_differ() -> None:
    made = {emails.new_message_id(SENDER, CURRENT_TIME) for _ in range(100)}
    assert len(made) == 100


def test_a_new_message_id_is_in_the_domain_of_a_named_senders_address() -> None:
    assert emails.new_message_id(TEAM, CURRENT_TIME).endswith("@council.example>")


def test_the_envelope_sender_is_the_bare_address() -> None:
    assert emails.envelope_sender(TEAM) == "scrutiny@council.example"


# Headers read back as given, after a trip through a real SMTP server

LONG_SUBJECT = one_line("Café culture — the council’s 🎉 review of the night-time economy " * 4)
LONG_NAME = "Smith, John (Director of Environment, Planning, Regulatory and Community Services)"


def delivered(smtp: Smtp, wire: list[bytes], email: EmailMessage) -> EmailMessage:
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
    smtp: Smtp, wire: list[bytes], build: Callable[..., EmailMessage], subject: str
) -> None:
    assert delivered(smtp, wire, build(subject=subject))["Subject"] == subject


def test_a_long_subject_is_folded_into_lines_of_78_at_most(
    smtp: Smtp, wire: list[bytes], build: Callable[..., EmailMessage]
) -> None:
    send(smtp(), build(subject=LONG_SUBJECT))
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
    ],
)
def test_a_name_reads_back_as_given(
    smtp: Smtp, wire: list[bytes], build: Callable[..., EmailMessage], name: str
) -> None:
    [address] = delivered(smtp, wire, build(to_name=name))["To"].addresses
    assert (address.display_name, address.addr_spec) == (name, "officer@council.example")


def test_a_long_message_id_and_the_copies_read_back_as_given(
    smtp: Smtp, wire: list[bytes], make_message: Callable[..., Message]
) -> None:
    sender = "rectrack@democratic-services.a-long-council-name.gov.uk"
    message_id = emails.new_message_id(sender, CURRENT_TIME)
    copies = (CLERK, "deputy@council.example")
    email = emails.build(
        make_message(cc=copies), sender=sender, message_id=message_id, now=CURRENT_TIME
    )
    got = delivered(smtp, wire, email)
    assert got["Message-ID"] == message_id
    assert tuple(a.addr_spec for a in got["Cc"].addresses) == copies


def test_no_line_passes_998_characters_even_for_a_name_that_long(
    smtp: Smtp, wire: list[bytes], build: Callable[..., EmailMessage]
) -> None:
    email = delivered(
        smtp, wire, build(to_name=" ".join(["Zoë O’Brien"] * 100), subject=LONG_SUBJECT)
    )
    assert len(email["To"].addresses) == 1
    assert max(len(line) for line in wire[0].split(b"\r\n")) <= emails.LINE_LIMIT


# SMTP, against a real server


def test_smtp_delivers_over_one_connection(
    smtp: Smtp, received: list[EmailMessage], build: Callable[..., EmailMessage]
) -> None:
    send(smtp(), build(), build(to="chair@council.example"))
    assert [m["To"] for m in received] == [
        "Olive Officer <officer@council.example>",
        "Olive Officer <chair@council.example>",
    ]
    assert received[0]["X-Peer"] == received[1]["X-Peer"]


def test_smtp_sends_the_bytes_as_given(
    smtp: Smtp, wire: list[bytes], build: Callable[..., EmailMessage]
) -> None:
    mail = mail_of(build(subject="Réponse due 🎉"))
    send(smtp(), mail)
    assert wire == [mail.content]


def test_smtp_the_envelope_is_the_one_given_not_the_headers(
    smtp: Smtp, envelopes: list[tuple[str, list[str]]], build: Callable[..., EmailMessage]
) -> None:
    to_the_chair = replace(mail_of(build()), sender="bounces@council.example", recipients=(CHAIR,))
    send(smtp(), to_the_chair)
    assert envelopes == [("bounces@council.example", [CHAIR])]


def test_smtp_a_4xx_refusal_is_worth_retrying(
    smtp: Smtp, build: Callable[..., EmailMessage]
) -> None:
    error = refusal(smtp(), build(to="temp@council.example"))
    assert (error.permanent, error.pause) == (False, False)
    assert "451" in error.message


def test_smtp_a_5xx_refusal_is_permanent(smtp: Smtp, build: Callable[..., EmailMessage]) -> None:
    error = refusal(smtp(), build(to="perm@council.example"))
    assert (error.permanent, error.pause) == (True, False)
    assert "550" in error.message


def test_smtp_a_copy_refused_for_good_fails_the_message(
    smtp: Smtp, make_message: Callable[..., Message]
) -> None:
    message = make_message(cc=("perm@council.example",))
    email = emails.build(message, sender=SENDER, message_id=MESSAGE_ID, now=CURRENT_TIME)
    error = refusal(smtp(), email)
    assert error.permanent
    assert "perm@council.example: 550" in error.message


def test_smtp_a_refused_sender_pauses_sending(
    smtp: Smtp, build: Callable[..., EmailMessage]
) -> None:
    error = refusal(smtp(), build(sender="blocked@council.example"))
    assert error.pause


def test_smtp_a_dropped_connection_is_worth_retrying(
    smtp: Smtp, build: Callable[..., EmailMessage]
) -> None:
    error = refusal(smtp(), build(to="drop@council.example"))
    assert (error.permanent, error.pause) == (False, False)


def test_smtp_nothing_listening_is_worth_retrying(
    smtp_later: tuple[Smtp, object], build: Callable[..., EmailMessage]
) -> None:
    idle, _ = smtp_later
    error = refusal(idle(), build())
    assert (error.permanent, error.pause) == (False, False)
    assert "cannot reach the mail server" in error.message


def test_smtp_a_refused_login_pauses_sending(
    starttls_server: SmtpServer, build: Callable[..., EmailMessage]
) -> None:
    transport = starttls_server.transport(start_tls=None, username=USERNAME, password="wrong")
    error = refusal(transport, build())
    assert error.pause
    assert "535" in error.message


def test_smtp_starttls_not_offered_pauses_rather_than_sending_in_clear(
    smtp: Smtp, received: list[EmailMessage], build: Callable[..., EmailMessage]
) -> None:
    error = refusal(smtp(start_tls=True), build())
    assert error.pause
    assert received == []


# STARTTLS: auto (when offered), true (required), false (never); logins only encrypted


def test_smtp_auto_starttls_upgrades_when_the_server_offers_it(
    starttls_server: SmtpServer, build: Callable[..., EmailMessage]
) -> None:
    transport = starttls_server.transport(start_tls=None, username=USERNAME, password=PASSWORD)
    send(transport, build())
    assert [m["X-TLS"] for m in starttls_server.recorder.messages] == ["yes"]
    assert starttls_server.logins.attempts == [USERNAME]


def test_smtp_auto_starttls_goes_on_in_plain_text_without_a_login_when_not_offered(
    smtp: Smtp, received: list[EmailMessage], build: Callable[..., EmailMessage]
) -> None:
    send(smtp(start_tls=None), build())
    assert [m["X-TLS"] for m in received] == ["no"]


def test_smtp_required_starttls_upgrades_and_logs_in(
    starttls_server: SmtpServer, build: Callable[..., EmailMessage]
) -> None:
    send(starttls_server.transport(start_tls=True, username=USERNAME, password=PASSWORD), build())
    assert [m["X-TLS"] for m in starttls_server.recorder.messages] == ["yes"]


def test_smtp_a_password_is_never_sent_over_plain_text(
    plain_login_server: SmtpServer, build: Callable[..., EmailMessage]
) -> None:
    transport = plain_login_server.transport(start_tls=None, username=USERNAME, password=PASSWORD)
    error = refusal(transport, build())
    assert (error.pause, error.message) == (True, UNENCRYPTED_LOGIN)
    assert plain_login_server.logins.attempts == []
    assert plain_login_server.recorder.messages == []


def test_smtp_starttls_never_with_a_login_is_refused_before_any_login(
    starttls_server: SmtpServer, build: Callable[..., EmailMessage]
) -> None:
    transport = starttls_server.transport(start_tls=False, username=USERNAME, password=PASSWORD)
    assert refusal(transport, build()).message == UNENCRYPTED_LOGIN
    assert starttls_server.logins.attempts == []


def test_smtp_a_server_that_wants_a_login_pauses_sending_without_one(
    starttls_server: SmtpServer, build: Callable[..., EmailMessage]
) -> None:
    error = refusal(starttls_server.transport(start_tls=None), build())
    assert error.pause
    assert "530" in error.message


def test_smtp_implicit_tls_logs_in_and_delivers(
    tls_server: SmtpServer, build: Callable[..., EmailMessage]
) -> None:
    send(tls_server.transport(use_tls=True, username=USERNAME, password=PASSWORD), build())
    assert [m["X-TLS"] for m in tls_server.recorder.messages] == ["yes"]


def test_smtp_implicit_tls_to_a_plain_server_pauses(
    smtp: Smtp, build: Callable[..., EmailMessage]
) -> None:
    assert refusal(smtp(use_tls=True), build()).pause


def test_a_certificate_failure_pauses() -> None:
    assert connect_error(ssl.SSLCertVerificationError("self-signed certificate")).pause


# Files, console and memory


def test_files_are_written_as_eml_named_by_message_id(
    tmp_path: Path, build: Callable[..., EmailMessage]
) -> None:
    send(FileTransport(tmp_path / "mail"), build())
    [path] = (tmp_path / "mail").iterdir()
    assert path.name == "20270201093000.1@council.example.eml"
    email = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert [p.get_content_type() for p in email.iter_parts()] == ["text/plain", "text/html"]


def test_a_file_holds_the_bytes_as_given(
    tmp_path: Path, build: Callable[..., EmailMessage]
) -> None:
    mail = mail_of(build())
    send(FileTransport(tmp_path), mail)
    [path] = tmp_path.iterdir()
    assert path.read_bytes() == mail.content


def test_a_message_sent_again_replaces_its_file(
    tmp_path: Path, build: Callable[..., EmailMessage]
) -> None:
    send(FileTransport(tmp_path), build(subject="first"), build(subject="second"))
    [path] = tmp_path.iterdir()
    assert "Subject: second" in path.read_text()


def test_an_unwritable_folder_pauses_sending(
    tmp_path: Path, build: Callable[..., EmailMessage]
) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    assert refusal(FileTransport(tmp_path / "taken"), build()).pause


def test_the_console_shows_the_whole_message(build: Callable[..., EmailMessage]) -> None:
    stream = io.StringIO()
    send(ConsoleTransport(stream), build())
    assert "Subject: Monitoring due: CCS/09/a\n" in stream.getvalue()
    assert "\r" not in stream.getvalue()


def test_memory_keeps_each_message(build: Callable[..., EmailMessage]) -> None:
    memory = MemoryTransport()
    send(memory, build(), build())
    assert (len(memory.outbox), memory.connections) == (2, 1)


def test_memory_fails_as_told(build: Callable[..., EmailMessage]) -> None:
    told = TransportError("451 later")
    assert refusal(MemoryTransport(error=told), build()) is told


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
