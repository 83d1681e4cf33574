"""Composing a rendered `Message` into the email that goes on the wire.

Each header must read back exactly as it was given. Python 3.11 folds headers in
ways that do not: a value moved whole onto the next line is read with a leading
space, a space beside an encoded word is dropped, a display name longer than a
line loses its quotes, so that a comma in it makes two addresses, and a run of
spaces in a name reads as one. So the headers of these emails write themselves
(`_Header`): plain ASCII words as they are, anything else as RFC 2047 encoded
words, a name's runs of spaces quoted, folded only between words.

An email is composed once, when it is queued, and stored as the bytes `compose`
returns: those bytes are what every attempt sends, so a retry is the same message.
This module is where a header value is checked: a line break in one, or an
address that is not one, is refused with BadHeader.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.generator import BytesGenerator
from email.headerregistry import (
    Address,
    AddressHeader,
    BaseHeader,
    Group,
    HeaderRegistry,
    UnstructuredHeader,
)
from email.message import EmailMessage
from email.policy import EmailPolicy, Policy
from email.utils import format_datetime
from io import BytesIO

from config.addresses import Mailbox, NotAnAddress, parse_mailbox
from config.errors import RectrackError
from notifications.notices import Email, Message

LINE_LIMIT = 998  # RFC 5322 §2.1.1: no line of a header is longer, folded or not
_LONGEST_PLAIN_WORD = 60  # longer words are encoded, so that folding can split them
_TEXT_BYTES = 36  # per encoded word of text: 60 characters, within RFC 2047's 75
_NAME_BYTES = 720  # per encoded word of a name: one word up to 972 characters
_SPECIALS = frozenset('()<>[]:;@\\,."')  # a name with any of these is quoted
_SPACE_RUN = re.compile(r" {2,}")
_FOLDABLE_SPACE = re.compile(r"(?<! ) ")  # the first space of each run


class BadHeader(RectrackError, ValueError):
    """A header value that cannot be written safely: a line break would start a new header."""

    def __init__(self, header: str, value: str, reason: str) -> None:
        self.header, self.value, self.reason = header, value, reason
        super().__init__(f"{header} header {value!r}: {reason}")


class _Header(BaseHeader):
    """A header that folds itself so that it reads back as given.

    Text and addresses are laid out here; other headers (a date, a Message-ID, the
    MIME ones) fold as Python folds them. Being the header's own method, this holds
    whatever policy a transport writes the email with (aiosmtplib has its own).
    """

    def fold(self, *, policy: Policy) -> str:
        limit = min(policy.max_line_length or LINE_LIMIT, LINE_LIMIT)
        if isinstance(self, UnstructuredHeader):
            return _lay_out(self.name, _text_words(str(self)), limit, policy.linesep)
        if isinstance(self, AddressHeader) and _plain_groups(self.groups):
            return _lay_out(self.name, _address_words(self.addresses), limit, policy.linesep)
        return super().fold(policy=policy)


class _Headers(HeaderRegistry):
    """The header registry, making each header class once rather than once per header set."""

    def __init__(self) -> None:
        super().__init__(base_class=_Header)
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        # The stdlib makes a new class each time (about 7 µs), for every header of
        # every email; the class depends on the name only, so it is made once here.
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]


# 7-bit: bodies are written as 7bit, quoted-printable or base64, so the stored bytes
# are ASCII and any server takes them as they are, without the 8BITMIME extension.
_POLICY = EmailPolicy(header_factory=_Headers(), cte_type="7bit")
# RFC 5321 §2.3.8: on the wire, every line ends with CRLF.
_WIRE = _POLICY.clone(linesep="\r\n")


def envelope_sender(sender: str) -> str:
    """Return the bare address of `sender` (`mail.sender`), for MAIL FROM: bounces go there.

    Raises BadHeader if `sender` is not an address, with or without a display name.
    """
    return _sender(sender).address


def domain_of(sender: str) -> str:
    """Return the domain of the address of `sender`, which may carry a display name."""
    return _sender(sender).domain


def _new_message_id(sender: str, now: datetime) -> str:
    """Return a new Message-ID made at `now`, in the sender's domain.

    The time is the one given, not the wall clock's (`tick --now` runs at another
    time); 80 random bits make it unique. `make_msgid` would read the clock, and
    ask DNS for a domain it is not given.
    """
    stamp = now.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return f"<{stamp}.{secrets.token_hex(10)}@{domain_of(sender)}>"


def compose(message: Message, *, sender: str, now: datetime) -> Email:
    """Return `message` from `sender` as it goes on the wire, dated `now`, with a new Message-ID.

    Raises BadHeader for a line break in any header or an address that is not one.
    """
    message_id = _new_message_id(sender, now)
    email = _build(message, sender=sender, message_id=message_id, now=now)
    return Email(message, message_id, now, _as_bytes(email))


def _build(message: Message, *, sender: str, message_id: str, now: datetime) -> EmailMessage:
    email = EmailMessage(policy=_POLICY)
    mailbox = _sender(sender)  # `mail.sender`: an address, or a display name and address
    email["From"] = _address("From", mailbox.address, mailbox.name)
    email["To"] = _address("To", message.to, message.to_name)
    if message.cc:
        email["Cc"] = [_address("Cc", cc) for cc in message.cc]
    email["Subject"] = _as_given(_one_line("Subject", message.subject))
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    return email


def _as_bytes(email: EmailMessage) -> bytes:
    """Return `email` as it goes on the wire: ASCII, each line ending in CRLF."""
    out = BytesIO()
    BytesGenerator(out, policy=_WIRE).flatten(email)
    return out.getvalue()


def _sender(sender: str) -> Mailbox:
    try:
        return parse_mailbox(sender)
    except NotAnAddress:
        raise BadHeader("From", sender, "not an email address") from None


def _address(header: str, addr_spec: str, name: str = "") -> Address:
    name, addr_spec = _one_line(header, name), _one_line(header, addr_spec)
    try:
        return Address(name, addr_spec=addr_spec)
    except (ValueError, IndexError, HeaderParseError):  # IndexError: the parser's answer to ""
        raise BadHeader(header, addr_spec, "not an email address") from None


def _one_line(header: str, value: str) -> str:
    # Any line break splitlines() knows (U+2028 too), a trailing one included.
    if "\0" in value or "".join(value.splitlines()) != value:
        raise BadHeader(header, value, "a line break is not allowed")
    return value


def _as_given(text: str) -> str:
    # A header decodes what looks like an encoded word when it is set, so text
    # that has one goes in encoded, to be decoded back to itself.
    return " ".join(_encoded_words(text, _TEXT_BYTES)) if "=?" in text else text


def _lay_out(name: str, words: Iterable[str], limit: int, linesep: str) -> str:
    """Write `name: words…` one space apart, folding before a word that would pass `limit`.

    The first word stays on the line of the name, so no reader can take the fold for
    part of the value.
    """
    label = f"{name}:"
    lines = [label]
    for word in words:
        if lines[-1] != label and len(lines[-1]) + 1 + len(word) > limit:
            lines.append("")
        lines[-1] += f" {word}"
    return linesep.join(lines) + linesep


def _text_words(text: str) -> list[str]:
    return text.split() if _is_plain(text) else _encoded_words(text, _TEXT_BYTES)


def _address_words(addresses: Iterable[Address]) -> list[str]:
    words: list[str] = []
    for address in addresses:
        if words:
            words[-1] += ","
        if address.display_name:
            words += [*_name_words(address.display_name), f"<{address.addr_spec}>"]
        else:
            words.append(address.addr_spec)
    return words


def _name_words(name: str) -> list[str]:
    """Return the words of a display name, each space of it kept.

    Outside quotes, a run of spaces between words reads as one space, so a name
    with a run, or a space at either end, is quoted; a name that is not plain ASCII
    is encoded (`_encoded_name`).
    """
    if not _is_plain_name(name):
        return _encoded_name(name)
    if _SPECIALS.isdisjoint(name) and "" not in name.split(" "):
        return name.split(" ")
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    # Fold only at the first space of a run: the line after the fold starts with
    # the rest of the run, and unfolding gives the quoted text back space for space.
    return _FOLDABLE_SPACE.split(f'"{quoted}"')


def _encoded_name(name: str) -> list[str]:
    """Return `name` as encoded words, each run of spaces in it a quoted string of spaces.

    Each part of the name between runs is one encoded word, longer than RFC 2047's
    75 characters if need be: Python 3.11 reads a space between two encoded words
    of a name, where RFC 2047 readers read none, and reads a run of spaces inside
    one as a single space. Both read a quoted string as it is, and the space that
    sets it apart from the word on either side as one space: so a run is quoted
    short of the spaces around it.
    """
    words: list[str] = []
    start = 0
    for run in _SPACE_RUN.finditer(name):
        words += _encoded_words(name[start : run.start()], _NAME_BYTES)
        around = (run.start() > 0) + (run.end() < len(name))
        words.append('"' + " " * (len(run[0]) - around) + '"')
        start = run.end()
    return words + _encoded_words(name[start:], _NAME_BYTES)


def _plain_groups(groups: Iterable[Group]) -> bool:
    """Say if `groups` are bare addresses this module can write: no group names, ASCII only."""
    return all(
        group.display_name is None and all(a.addr_spec.isascii() for a in group.addresses)
        for group in groups
    )


def _is_plain_name(name: str) -> bool:
    """Say if display name `name` can go in a header as ASCII words, quoted if need be."""
    return (
        name.isascii()
        and name.isprintable()
        and "=?" not in name
        and all(len(word) <= _LONGEST_PLAIN_WORD for word in name.split())
    )


def _is_plain(text: str) -> bool:
    """Say if `text` can go in a header as it is.

    It can if it is printable ASCII, in words one space apart that fit on a line,
    none of them like an encoded word.
    """
    words = text.split(" ")
    return (
        text.isascii()
        and text.isprintable()
        and "=?" not in text
        and all(0 < len(word) <= _LONGEST_PLAIN_WORD for word in words)
    )


def _encoded_words(text: str, size: int) -> list[str]:
    """Return `text` as RFC 2047 encoded words of at most `size` bytes of UTF-8 each.

    Words are split between characters, never inside one, and carry their spaces:
    readers drop the space between two encoded words.
    """
    chunks = [b""]
    for char in text:
        encoded = char.encode()
        if len(chunks[-1]) + len(encoded) > size:
            chunks.append(b"")
        chunks[-1] += encoded
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode()}?=" for chunk in chunks if chunk]
