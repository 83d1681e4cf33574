"""The papers from the command line: `stats` and `calendar`."""

from __future__ import annotations

from runner import Cli


def test_stats_counts_what_the_tracker_holds(cli: Cli, code: str) -> None:
    figures = cli.json("stats", "--from", "2027-01-01")
    assert figures["made"] == 1
    assert figures["responded"] == {"count": 0, "percent": 0.0}


def test_stats_prints_a_table(cli: Cli, code: str) -> None:
    status, out, _ = cli("stats")
    assert status == 0
    assert "Recommendations made" in out and "Overdue on 2027-02-01" in out


def test_stats_refuses_an_unknown_body(cli: Cli, code: str) -> None:
    status, _, err = cli("stats", "--body", "Nobody")
    assert status == 2 and "Nobody" in err


def test_stats_refuses_a_period_that_ends_before_it_begins(cli: Cli, code: str) -> None:
    status, _, err = cli("stats", "--from", "2027-02-01", "--to", "2027-01-01")
    assert status == 2 and "--from" in err
