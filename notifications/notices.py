"""The records a notice takes on its way from the planner to the wire.

A `Notice` is one thing someone must be told about one item on one day; its `key`
is what makes it be sent once however often or wherever the sweep runs. Notices of
one kind for one recipient in one sweep are rendered into one `Message`, which is
composed into one `Email`: the bytes the outbox stores and every attempt sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Kind(StrEnum):
    """The kinds of notice. The value names the templates (`<value>-subject.txt` …)."""

    MONITORING_REMINDER = "monitoring-reminder"  # to the owner, before the monitoring date
    CHAIR_DIGEST = "chair-digest"  # to the chair, before each of the body's meetings
    RESPONSE_DUE = "response-due"  # to the chair of the body a report went to
    RESPONSE_OVERDUE = "response-overdue"  # the same, the day after it was due
    TARGET_OVERDUE = "target-overdue"  # to the owner (copy to the clerk), target passed
    MILESTONE_DUE = "milestone-due"  # to the owner, before each milestone not yet done


class MailKind(StrEnum):
    """The mail sent because someone did something, not because a date came: no notice plans
    it, so it is sent however the notices stand. The value names the templates too.
    """

    UPDATE_RECEIVED = "update-received"  # to the officer: the update from their link is in
    UPDATE_ACCEPTED = "update-accepted"  # to the officer: the clerk made it a progress update
    UPDATE_REJECTED = "update-rejected"  # to the officer: the clerk rejected it, and why
    INVITATION = "invitation"  # to a person: a link to set their password with


@dataclass(frozen=True)
class Link:
    """A signed link a message carries: its owner may send an update on one recommendation.

    The token is made with the message; only its digest is kept, in the transaction that
    queues the message, so a message never queued leaves no link that works.
    """

    recommendation_id: int
    token: str
    url: str
    until: date  # the last local day it works
    expires_at: datetime  # the end of that day, as an aware instant


@dataclass(frozen=True)
class Notice:
    """One notice of one kind, about one item, for one recipient, due on one local day."""

    kind: Kind
    item: str  # what it is about: "rec:12", "meeting:3", "report:4" or "milestone:5"
    recipient: str  # one email address
    recipient_name: str
    due_day: date  # the local day it is due to be sent
    send_at: datetime  # that day at the send hour, as an aware UTC instant
    about: date | None  # the date it warns about; None when it warns of a date passed
    cc: tuple[str, ...] = ()
    recommendation_ids: tuple[int, ...] = ()  # what it lists: closing one cancels it

    @property
    def key(self) -> str:
        """The idempotency key: (kind, item, recipient, due day)."""
        return notice_key(self.kind, self.item, self.recipient, self.due_day)


def notice_key(kind: Kind, item: str, recipient: str, due_day: date) -> str:
    """The key that makes a notice be sent once: (kind, item, recipient, due day)."""
    return f"{kind.value}:{item}:{recipient}:{due_day.isoformat()}"


@dataclass(frozen=True)
class Message:
    """A rendered email for one recipient: subject, plain text and HTML bodies, and the
    signed links it carries.
    """

    kind: Kind | MailKind
    to: str
    to_name: str
    subject: str
    text: str
    html: str
    cc: tuple[str, ...] = field(default=())
    links: tuple[Link, ...] = field(default=())


@dataclass(frozen=True)
class Email:
    """A message composed for the wire, at `at`: its Date, and when it is first due to go."""

    message: Message
    message_id: str
    at: datetime
    content: bytes  # ASCII, CRLF line ends: sent as it is by every attempt


@dataclass(frozen=True)
class Unsendable:
    """A notice that is due but cannot go, and why: it has nobody to go to."""

    kind: Kind
    item: str  # what it is about, as a notice names it: "rec:12", "meeting:3"
    about: str  # the same in words: "CCS/09/a", "Audit Committee meeting on ..."
    why: str  # "Audit Committee has no chair", "CCS/09/a has no owner"
    due_day: date

    @property
    def line(self) -> str:
        """One line for people: the kind, what it is about, and why it cannot go."""
        return f"{self.kind.value} about {self.about}: {self.why}"
