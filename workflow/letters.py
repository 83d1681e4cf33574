"""Mail a use case sends a person, as plain data, and the port it is posted through.

The workflow decides who is told what (the officer whose update was accepted, the
person invited); how it is rendered and sent is the notification service's, which
the application hands in as a `Postbox`. So the domain imports nothing of
`notifications`, and the letter goes in the same transaction as the change it tells of.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlmodel import Session


@dataclass(frozen=True)
class Letter:
    """One message to one person: `kind` names its templates, `context` holds plain values."""

    kind: str
    to: str
    to_name: str
    context: Mapping[str, Any] = field(default_factory=dict)


class Postbox(Protocol):
    def post(self, session: Session, letter: Letter, now: datetime) -> None:
        """Put `letter` in the outbox in the caller's transaction: it goes once that commits."""
        ...
