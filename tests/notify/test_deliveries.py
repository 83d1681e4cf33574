"""Each recipient's part of a message: what an attempt, giving up and a retry change. Pure."""

from __future__ import annotations

from factories import CHAIR, CLERK, CURRENT_TIME, OFFICER

from notifications import deliveries
from notifications.deliveries import Delivery, DeliveryStatus
from notifications.outbox import Refused

NOW = CURRENT_TIME
SENT, FAILED, WAITING = DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.WAITING


def states(stand: tuple[Delivery, ...]) -> list[str]:
    return [delivery.status.value for delivery in stand]


def test_an_attempt_sends_to_all_not_refused_and_fails_those_refused_for_good() -> None:
    refused = {CLERK: Refused("451 busy"), CHAIR: Refused("550 no", permanent=True)}
    after = deliveries.attempted(deliveries.new((OFFICER, CLERK, CHAIR)), refused, NOW)
    assert after == (
        Delivery(OFFICER, SENT, at=NOW),
        Delivery(CLERK, WAITING, error="451 busy"),
        Delivery(CHAIR, FAILED, error="550 no"),
    )


def test_an_attempt_leaves_alone_whoever_was_not_waiting() -> None:
    stand = (Delivery(OFFICER, SENT, at=NOW), Delivery(CLERK, FAILED, error="550 no"))
    assert deliveries.attempted(stand, {OFFICER: Refused("451 busy")}, NOW) == stand


def test_giving_up_fails_only_those_still_waiting() -> None:
    stand = (Delivery(OFFICER, SENT, at=NOW), Delivery(CLERK, WAITING, error="451 busy"))
    assert states(deliveries.given_up(stand)) == ["sent", "failed"]


def test_a_retry_waits_again_for_those_that_failed_and_not_for_those_who_have_it() -> None:
    stand = (Delivery(OFFICER, SENT, at=NOW), Delivery(CLERK, FAILED, error="550 no"))
    assert deliveries.waiting(deliveries.retried(stand)) == (CLERK,)


def test_the_last_error_of_a_message_with_copies_names_each_recipient() -> None:
    stand = (Delivery(OFFICER, SENT, at=NOW), Delivery(CLERK, WAITING, error="451 busy"))
    assert deliveries.last_error(stand) == f"{CLERK}: 451 busy"
    assert deliveries.last_error(stand[1:]) == "451 busy"


def test_a_delivery_reads_back_as_it_was_stored() -> None:
    delivery = Delivery(CLERK, SENT, at=NOW, error=None)
    assert Delivery.from_json(delivery.as_json()) == delivery


def test_one_still_waiting_is_shown_as_its_message_stands_while_sent_or_cancelled() -> None:
    assert Delivery(CLERK).shown_with("sending").status is DeliveryStatus.SENDING
    assert Delivery(CLERK).shown_with("cancelled").status is DeliveryStatus.CANCELLED
    assert Delivery(CLERK).shown_with("partly-sent").status is WAITING
