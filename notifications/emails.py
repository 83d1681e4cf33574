"""Turning a rendered `Message` into the email that goes on the wire."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from notifications.notices import Message


class BadHeader(ValueError):
    """A header value that cannot be written safely: a line break would start a new header."""

    def __init__(self, header: str, value: str, reason: str) -> None:
        self.header, self.value, self.reason = header, value, reason
        super().__init__(f"{header} header {value!r}: {reason}")


def domain_of(address: str) -> str:
    """Return the part of an email address after the @."""
    return address.rpartition("@")[2]


def new_message_id(sender: str) -> str:
    """Return a new Message-ID in the sender's domain (naming the domain avoids a DNS lookup)."""
    return make_msgid(domain=domain_of(sender))


def build(message: Message, *, sender: str, message_id: str, now: datetime) -> EmailMessage:
    """Return `message` as a plain-text and HTML email dated `now`.

    Raises BadHeader for a line break in any header or an address that is not one.
    """
    email = EmailMessage()
    email["From"] = _address("From", sender)
    email["To"] = _address("To", message.to, message.to_name)
    if message.cc:
        email["Cc"] = [_address("Cc", cc) for cc in message.cc]
    email["Subject"] = _one_line("Subject", message.subject)
    email["Date"] = format_datetime(now)
    email["Message-ID"] = _one_line("Message-ID", message_id)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    return email


def _address(header: str, addr_spec: str, name: str = "") -> Address:
    name, addr_spec = _one_line(header, name), _one_line(header, addr_spec)
    try:
        return Address(name, addr_spec=addr_spec)
    except (ValueError, IndexError):  # IndexError is the parser's answer to ""
        raise BadHeader(header, addr_spec, "not an email address") from None


def _one_line(header: str, value: str) -> str:
    if any(char in value for char in "\r\n\0") or len(value.splitlines()) > 1:
        raise BadHeader(header, value, "a line break is not allowed")
    return value
