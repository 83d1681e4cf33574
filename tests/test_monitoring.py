"""Milestones and indicators, kept by command: dated, numbered, audited, exported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import CLERK, OFFICER, OTHER_OFFICER
from runner import Cli


def started(cli: Cli, code: str) -> None:
    args = ("--timescale", "2027-06-30", "--by", CLERK)
    assert cli("respond", code, "agree", *args)[0] == 0


def test_a_milestone_is_added_and_marked_done_on_its_day(cli: Cli, code: str) -> None:
    added = cli.json(
        "milestone", "add", code, "--title", "Plan agreed", "--due", "2027-03-31", "--by", OFFICER
    )
    assert added == {"number": 1, "title": "Plan agreed", "due_on": "2027-03-31"}
    done = cli.json("milestone", "done", code, "1", "--on", "2027-01-28", "--by", OFFICER)
    assert done["done_on"] == "2027-01-28"
    [shown] = cli.json("recs", "show", code)["milestones"]
    assert shown == {"title": "Plan agreed", "due_on": "2027-03-31", "done_on": "2027-01-28"}


def test_an_indicator_keeps_a_dated_series_and_shows_the_latest(cli: Cli, code: str) -> None:
    args = ("--kind", "cost", "--name", "Cost per contact", "--unit", "GBP", "--baseline", "4.2")
    cli.json("indicator", "add", code, *args, "--target", "3.5", "--by", CLERK)
    cli.json(
        "indicator", "record", code, "1", "--value", "3.9", "--on", "2027-01-20", "--by", CLERK
    )
    cli.json(
        "indicator", "record", code, "1", "--value", "4.0", "--on", "2027-01-10", "--by", CLERK
    )
    [shown] = cli.json("recs", "show", code)["indicators"]
    assert shown["actual"] == 3.9  # the latest by the day measured, not by when typed
    assert [r["value"] for r in shown["readings"]] == [4.0, 3.9]


def test_another_officer_may_not_keep_them(cli: Cli, code: str) -> None:
    status, _, err = cli("milestone", "add", code, "--title", "x", "--by", OTHER_OFFICER)
    assert status == 1
    assert "may keep milestones and indicators" in err


def test_a_milestone_that_is_not_there_is_refused(cli: Cli, code: str) -> None:
    status, _, err = cli("milestone", "done", code, "2", "--by", CLERK)
    assert status == 2
    assert "has no milestone 2 (it has 0)" in err


def test_each_change_is_an_audit_row(cli: Cli, code: str) -> None:
    cli("milestone", "add", code, "--title", "Plan agreed", "--by", CLERK)
    cli("milestone", "done", code, "1", "--by", CLERK)
    rows = cli.json("audit")
    assert [(row["record"], row["action"]) for row in rows] == [
        ("milestone", "add"),
        ("milestone", "done"),
    ]


def test_the_series_exports_and_imports_again(
    cli: Cli, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("--kind", "saving", "--name", "Annual saving", "--unit", "GBP")
    cli.json("indicator", "add", code, *args, "--by", CLERK)
    cli.json("indicator", "record", code, "1", "--value", "1000", "--by", CLERK)
    exported = cli("export")[1]
    [indicator] = json.loads(exported)["recommendations"][0]["indicators"]
    assert indicator["readings"][0]["value"] == 1000.0
    (tmp_path / "moved.json").write_text(exported, "utf-8")
    monkeypatch.setenv("RECTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'moved.db'}")
    assert cli("init")[0] == 0
    assert cli("import", str(tmp_path / "moved.json"), "--by", CLERK)[0] == 0
    assert cli("export")[1] == exported
