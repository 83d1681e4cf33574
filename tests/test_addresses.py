"""Email addresses and mailboxes: one statement of what they are and when two are one."""

from __future__ import annotations

import pytest

from config.addresses import (
    Mailbox,
    NotAnAddress,
    is_address,
    normal,
    parse_mailbox,
    same_address,
)


@pytest.mark.parametrize(
    "text",
    ["clerk@council.example", "o'neil+scrutiny@a-council.gov.uk", "root@localhost"],
)
def test_a_plain_address_is_one(text: str) -> None:
    assert is_address(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "clerk at council",
        "clerk@council.example\nBcc: all@x.example",
        "clerk@council.example, x@y.example",
        "Clara <clerk@council.example>",
        "zoë@council.example",
        "clerk@-council.example",
        " clerk@council.example",
    ],
)
def test_anything_else_is_not_an_address(text: str) -> None:
    assert not is_address(text)


def test_a_mailbox_may_be_a_bare_address() -> None:
    assert parse_mailbox(" clerk@council.example ") == Mailbox("clerk@council.example")


def test_a_mailbox_may_carry_a_display_name() -> None:
    mailbox = parse_mailbox("Scrutiny Team <scrutiny@council.example>")
    assert mailbox == Mailbox("scrutiny@council.example", "Scrutiny Team")


def test_a_quoted_display_name_is_read_without_its_quotes() -> None:
    mailbox = parse_mailbox('"Smith, Jo \\"the clerk\\"" <jo@council.example>')
    assert mailbox.name == 'Smith, Jo "the clerk"'


def test_a_mailbox_knows_its_domain() -> None:
    assert parse_mailbox("Team <scrutiny@council.example>").domain == "council.example"


@pytest.mark.parametrize(
    "text",
    [
        "Scrutiny Team",
        "Scrutiny Team <not an address>",
        "Scrutiny Team <scrutiny@council.example",
        "Scrutiny\nBcc: all@x.example <scrutiny@council.example>",
        "A <a@council.example>, B <b@council.example>",
    ],
)
def test_anything_else_is_not_a_mailbox(text: str) -> None:
    with pytest.raises(NotAnAddress):
        parse_mailbox(text)


def test_a_non_mailbox_is_refused_saying_what_one_looks_like() -> None:
    with pytest.raises(NotAnAddress) as error:
        parse_mailbox("clerk at council")
    assert str(error.value) == (
        "'clerk at council' is not an email address"
        " like 'clerk@council.example' or 'Clara Clerk <clerk@council.example>'"
    )


def test_addresses_are_kept_in_one_case() -> None:
    assert normal(" Clerk@Council.Example") == "clerk@council.example"


def test_two_addresses_are_one_whatever_their_case() -> None:
    assert same_address("Clerk@Council.example", "clerk@council.EXAMPLE")


def test_no_address_is_nobodys() -> None:
    assert not same_address("clerk@council.example", None)
