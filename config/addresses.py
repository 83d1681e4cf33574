"""Email addresses: what one is, a mailbox with a display name, when two are the same.

The one statement of these facts for the settings, the interchange checks, storage
and the guards. Pure: text in, text out.

An address is a plain addr-spec, `local@domain`: dot-separated atoms before the @,
host-name labels after it, ASCII only. Nothing in it can end a mail header or an
SMTP command, and no server needs SMTPUTF8 to take it.

A mailbox is an address with an optional display name, written as in a From header:
`Scrutiny Team <scrutiny@council.example>`, or the bare address. The name may be
quoted (`"Smith, Jo" <jo@council.example>`); it is read without its quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")
_MAILBOX = re.compile(r"(?P<name>[^<>]*?)\s*<(?P<address>[^<>]*)>")
# What no header line may hold: C0 and C1 controls (CR and LF among them) and the
# Unicode line and paragraph separators.
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
EXAMPLE = "clerk@council.example"


class NotAnAddress(ValueError):
    """Text that is neither an email address nor a display name and address."""

    def __init__(self, text: str) -> None:
        self.text = text
        like = f"'{EXAMPLE}' or 'Clara Clerk <{EXAMPLE}>'"
        super().__init__(f"{text!r} is not an email address like {like}")


@dataclass(frozen=True)
class Mailbox:
    """An address and the display name that goes with it ("" for none)."""

    address: str
    name: str = ""

    @property
    def domain(self) -> str:
        """The part of the address after the @."""
        return self.address.rpartition("@")[2]


def is_address(text: str) -> bool:
    """Say if `text` is exactly one plain address, with nothing around it."""
    return _ADDRESS.fullmatch(text) is not None


def parse_mailbox(text: str) -> Mailbox:
    """Read `Name <address>` or a bare address; raise NotAnAddress if it is neither."""
    stripped = text.strip()
    if is_address(stripped):
        return Mailbox(stripped)
    found = _MAILBOX.fullmatch(stripped)
    if found is None or not is_address(found["address"]):
        raise NotAnAddress(text)
    name = _unquoted(found["name"])
    if _NOT_IN_A_LINE.search(name):
        raise NotAnAddress(text)
    return Mailbox(found["address"], name)


def _unquoted(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return re.sub(r"\\(.)", r"\1", name[1:-1])
    return name


def normal(address: str) -> str:
    """Return `address` as it is stored and compared: without surrounding space, lower case.

    RFC 5321 lets a server tell local parts apart by case; no council's does, and
    people type addresses either way, so one person has one address whatever its case.
    """
    return address.strip().lower()


def same_address(address: str, other: str | None) -> bool:
    """Say if two addresses are one, whatever their case; None is nobody's."""
    return other is not None and normal(address) == normal(other)
