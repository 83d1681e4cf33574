"""Where a message stands for each of its recipients, and what an attempt changes.

A message goes To one recipient and may be copied (Cc) to others. A mail server
takes or refuses it recipient by recipient, so each recipient has a Delivery of its
own: waiting (not taken yet), sent, or failed (refused for good, or still refused a
day after the first attempt). An attempt goes only to those waiting, as the same
bytes with the same Message-ID, so nobody who has a message is sent it again.

Pure: records in, records out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, Protocol


class DeliveryStatus(StrEnum):
    WAITING = "queued"  # not taken yet: the next attempt goes to this recipient
    SENT = "sent"  # the server took it for this recipient
    FAILED = "failed"  # refused for good, or still refused a day after the first attempt
    # Never stored, only shown: a recipient still waiting on a message that is being
    # sent, or that was cancelled (see `shown_with`).
    SENDING = "sending"
    CANCELLED = "cancelled"


class Refusal(Protocol):
    """Why a server would not take a message, and whether it ever will: a TransportError is one."""

    @property
    def message(self) -> str: ...
    @property
    def permanent(self) -> bool: ...


class Delivery(NamedTuple):
    """A message's state for one of its recipients."""

    to: str
    status: DeliveryStatus = DeliveryStatus.WAITING
    at: datetime | None = None  # when the server took it
    error: str | None = None  # why it was last refused

    def as_json(self) -> dict[str, str]:
        """The delivery as the outbox stores it."""
        stored = {"to": self.to, "status": self.status.value}
        if self.at is not None:
            stored["at"] = self.at.isoformat()
        if self.error is not None:
            stored["error"] = self.error
        return stored

    @classmethod
    def from_json(cls, stored: Mapping[str, str]) -> Delivery:
        """The delivery the outbox stored as `stored` (`as_json`)."""
        at = stored.get("at")
        return cls(
            stored["to"],
            DeliveryStatus(stored["status"]),
            datetime.fromisoformat(at) if at else None,
            stored.get("error"),
        )

    def shown_with(self, message_status: str) -> Delivery:
        """This delivery as shown on a message in `message_status`.

        A recipient still waiting on a message being sent is being sent it, and on
        a cancelled message will never have it.
        """
        if self.status is DeliveryStatus.WAITING and message_status in ("sending", "cancelled"):
            return self._replace(status=DeliveryStatus(message_status))
        return self


def new(recipients: Iterable[str]) -> tuple[Delivery, ...]:
    """The deliveries of a message not yet tried: each recipient waiting."""
    return tuple(Delivery(to) for to in recipients)


def waiting(deliveries: Iterable[Delivery]) -> tuple[str, ...]:
    """The recipients the next attempt goes to."""
    return tuple(d.to for d in deliveries if d.status is DeliveryStatus.WAITING)


def anyone_has_it(deliveries: Iterable[Delivery]) -> bool:
    return any(d.status is DeliveryStatus.SENT for d in deliveries)


def everyone_has_it(deliveries: Iterable[Delivery]) -> bool:
    return all(d.status is DeliveryStatus.SENT for d in deliveries)


def attempted(
    deliveries: Iterable[Delivery], refused: Mapping[str, Refusal], now: datetime
) -> tuple[Delivery, ...]:
    """Return `deliveries` after an attempt at `now` to those waiting.

    Each not in `refused` took it; one refused for good fails; one refused for now
    goes on waiting.
    """
    return tuple(_attempted(d, refused.get(d.to), now) for d in deliveries)


def _attempted(delivery: Delivery, refusal: Refusal | None, now: datetime) -> Delivery:
    if delivery.status is not DeliveryStatus.WAITING:
        return delivery
    if refusal is None:
        return delivery._replace(status=DeliveryStatus.SENT, at=now, error=None)
    status = DeliveryStatus.FAILED if refusal.permanent else DeliveryStatus.WAITING
    return delivery._replace(status=status, error=refusal.message)


def given_up(deliveries: Iterable[Delivery]) -> tuple[Delivery, ...]:
    """Return `deliveries` with those still waiting failed, for their last refusal."""
    return tuple(_moved(d, DeliveryStatus.WAITING, DeliveryStatus.FAILED) for d in deliveries)


def retried(deliveries: Iterable[Delivery]) -> tuple[Delivery, ...]:
    """Return `deliveries` with those that failed waiting again; those sent stay sent."""
    return tuple(_moved(d, DeliveryStatus.FAILED, DeliveryStatus.WAITING) for d in deliveries)


def _moved(delivery: Delivery, old: DeliveryStatus, new: DeliveryStatus) -> Delivery:
    return delivery._replace(status=new) if delivery.status is old else delivery


def last_error(deliveries: Sequence[Delivery]) -> str | None:
    """Why the recipients who do not have the message were last refused; None if all have it.

    A message with copies names each recipient its reason is about.
    """
    refused = [d for d in deliveries if d.status is not DeliveryStatus.SENT and d.error]
    if len(deliveries) == 1 or not refused:
        return refused[0].error if refused else None
    return "; ".join(f"{d.to}: {d.error}" for d in refused)
