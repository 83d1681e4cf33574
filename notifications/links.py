"""The signed links in reminders: one for each recommendation a reminder lists, for its owner.

A monitoring reminder and a target-overdue notice carry, for each recommendation they
list, a link with which its owner sends an update without signing in
(`{[web] base_url}/u/{token}`). The link works until the end of its last day in the
council's time zone: the later of the recommendation's monitoring date and the day
the message is sent, plus `[web] link_grace_days`. For a reminder that is the
monitoring date plus the grace days; a target-overdue notice is sent once the target
has passed, often after the monitoring date too, so counting from the day it is sent
gives its reader the grace days in full rather than a link that has already expired.

The tokens are made with the message (`links_for`), and their digests kept in the
transaction that queues it (`keep_links`); a message cancelled before it went has its
links withdrawn with it (`withdraw_links`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from notifications.items import RecItem, Snapshot
from notifications.models import OutboxRow
from notifications.notices import Kind, Link, Message, Notice
from notifications.outbox import MessageStatus
from notifications.planning import Rules
from notifications.rendering import listed_recommendations
from workflow.models import Person, Token
from workflow.services.accounts import keep_token

if TYPE_CHECKING:
    from config.settings import Settings

LINKED = frozenset({Kind.MONITORING_REMINDER, Kind.TARGET_OVERDUE})
PURPOSE = "update"
PREVIEW_TOKEN = "made-when-sent"  # what a preview shows in place of a token: it makes none


@dataclass(frozen=True)
class Linking:
    """What links are made of: the web app's address and the days they outlast their date."""

    base_url: str
    grace_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Linking:
        return cls(settings.web_base_url.rstrip("/"), settings.web_link_grace_days)


def last_day(rec: RecItem, sent_on: date, grace_days: int) -> date:
    """The last day a link for `rec` sent on `sent_on` works (see the module's docstring)."""
    return max(rec.monitoring_date or sent_on, sent_on) + timedelta(days=grace_days)


def end_of(day: date, tz: ZoneInfo) -> datetime:
    """The instant `day` ends in `tz` (the next day's midnight there), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


def links_for(
    notices: Sequence[Notice],
    snapshot: Snapshot,
    rules: Rules,
    linking: Linking,
    new_token: Callable[[], str],
) -> tuple[Link, ...]:
    """A link for each recommendation the message of `notices` lists, for its recipient if
    they own it; none for kinds that ask nothing of an owner.
    """
    first = notices[0]
    if first.kind not in LINKED:
        return ()
    listed = listed_recommendations(notices, snapshot, rules)
    owned = [rec for rec in listed if rec.owner and rec.owner.email == first.recipient]
    return tuple(_link(rec, first.due_day, rules, linking, new_token()) for rec in owned)


def _link(rec: RecItem, sent_on: date, rules: Rules, linking: Linking, token: str) -> Link:
    until = last_day(rec, sent_on, linking.grace_days)
    url = f"{linking.base_url}/u/{token}"
    return Link(rec.id, token, url, until, end_of(until, rules.tz))


def keep_links(*, session: Session, message: Message, outbox_id: int, now: datetime) -> int:
    """Keep the digests of the message's links, in the transaction that queues it; return
    how many. Each is labelled with the message, so that cancelling it withdraws them.
    """
    if not message.links:
        return 0
    person_id = session.exec(select(Person.id).where(Person.email == message.to)).first()
    if person_id is None:  # nobody of that address: the links open nothing
        return 0
    for link in message.links:
        keep_token(
            session, link.token, PURPOSE, person_id, now, expires_at=link.expires_at,
            recommendation_id=link.recommendation_id, label=_label(outbox_id),
        )  # fmt: skip
    return len(message.links)


def withdraw_links(*, session: Session, outbox_ids: Collection[int], now: datetime) -> int:
    """Withdraw the links of those of the messages `outbox_ids` that are cancelled."""
    cancelled = select(OutboxRow.id).where(
        col(OutboxRow.id).in_(outbox_ids), col(OutboxRow.status) == MessageStatus.CANCELLED
    )
    labels = [_label(ident) for ident in session.exec(cancelled) if ident is not None]
    if not labels:
        return 0
    statement = (
        update(Token)
        .where(col(Token.label).in_(labels), col(Token.purpose) == PURPOSE)
        .where(col(Token.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return session.connection().execute(statement).rowcount


def _label(outbox_id: int) -> str:
    return f"outbox:{outbox_id}"
