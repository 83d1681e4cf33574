"""Many at once: several codes, a whole report, a plan file; all change, or none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import CHAIR, CLERK, EXECUTIVE, PANEL, REPORT, make_recommendation, make_world
from runner import Cli

from workflow.db import make_engine, new_session

ENDORSED = ("--endorsed-by", PANEL, "--on", "2027-01-20", "--by", CHAIR)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'bulk.db'}")
    monkeypatch.delenv("RECTRACK_ACTOR", raising=False)
    monkeypatch.delenv("RECTRACK_CONFIG", raising=False)
    return Cli(capsys)


@pytest.fixture
def codes(cli: Cli, tmp_path: Path) -> Iterator[list[str]]:
    """Three proposed recommendations and one already closed, on the personas' report."""
    assert cli("init")[0] == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'bulk.db'}")
    with new_session(engine) as session:
        world = make_world(session)
        made = [make_recommendation(world, ref) for ref in "abc"]
        make_recommendation(world, "z", "closed")
        yield made
    engine.dispose()


def states(cli: Cli) -> dict[str, str]:
    return {row["code"]: row["state"] for row in cli.json("recs", "list")}


def test_a_whole_report_is_answered_in_one_command(cli: Cli, codes: list[str]) -> None:
    status, out, err = cli(
        "respond", "--report", REPORT, "agree", "--timescale", "2027-06-30", "--by", EXECUTIVE
    )
    assert (status, err) == (0, "")
    assert out.count("agree, proposed -> endorsed") == 3
    assert states(cli) == {**dict.fromkeys(codes, "endorsed"), f"{REPORT}/z": "closed"}


def test_several_codes_change_together(cli: Cli, codes: list[str]) -> None:
    status, _, _ = cli("respond", *codes[:2], "agree", "--timescale", "2027-06-30", "--by", CLERK)
    assert status == 0
    assert [states(cli)[code] for code in codes] == ["endorsed", "endorsed", "proposed"]


def test_one_refusal_changes_none_and_names_its_code(cli: Cli, codes: list[str]) -> None:
    status, _, err = cli("fire", codes[0], f"{REPORT}/z", "withdraw", "--note", "x", *ENDORSED)
    assert status == 1
    assert f"cannot withdraw {REPORT}/z: it is closed" in err
    assert states(cli)[codes[0]] == "proposed"


def test_codes_and_a_report_together_are_refused(cli: Cli, codes: list[str]) -> None:
    status, _, err = cli("fire", codes[0], "start", "--report", REPORT, "--by", CLERK)
    assert status == 2
    assert err.endswith("by code, or give a report (not both) (CODE... or --report)\n")


def plan(tmp_path: Path, *rows: str) -> str:
    path = tmp_path / "PLAN.csv"
    path.write_text("\n".join(("code,target_date,monitoring_date", *rows)) + "\n", "utf-8")
    return str(path)


def agreed(cli: Cli) -> None:
    args = ("--report", REPORT, "agree", "--timescale", "2027-03-31", "--by", EXECUTIVE)
    assert cli("respond", *args)[0] == 0


def test_a_plan_re_bases_each_recommendation_under_one_endorsement(
    cli: Cli, codes: list[str], tmp_path: Path
) -> None:
    agreed(cli)
    rows = [f"{codes[0]},2027-09-30,", f"{codes[1]},2027-12-31,2028-01-15"]
    status, _, err = cli(
        "amend", "--from-file", plan(tmp_path, *rows), "--reason", "Re-based.", *ENDORSED
    )
    assert (status, err) == (0, "")
    shown = [cli.json("recs", "show", code) for code in codes[:2]]
    assert [(s["target_date"], s["original_target_date"]) for s in shown] == [
        ("2027-09-30", "2027-03-31"),
        ("2027-12-31", "2027-03-31"),
    ]
    assert shown[1]["monitoring_date"] == "2028-01-15"


def test_a_plan_with_one_bad_row_changes_nothing_and_names_the_cell(
    cli: Cli, codes: list[str], tmp_path: Path
) -> None:
    agreed(cli)
    rows = [f"{codes[0]},2027-09-30,", f"{codes[1]},31/12/2027,"]
    status, _, err = cli("amend", "--from-file", plan(tmp_path, *rows), "--reason", "x", *ENDORSED)
    assert status == 2
    assert f"PLAN.csv row 3 ({codes[1]}).target_date: '31/12/2027' is not a date" in err
    assert cli.json("recs", "show", codes[0])["target_date"] == "2027-03-31"


def test_a_plan_naming_a_code_that_is_not_there_changes_nothing(
    cli: Cli, codes: list[str], tmp_path: Path
) -> None:
    agreed(cli)
    rows = [f"{codes[0]},2027-09-30,", "CCS/09/q,2027-09-30,"]
    status, _, err = cli("amend", "--from-file", plan(tmp_path, *rows), "--reason", "x", *ENDORSED)
    assert status == 2 and "no recommendation with code 'CCS/09/q'" in err
    assert cli.json("recs", "show", codes[0])["target_date"] == "2027-03-31"


def test_the_json_lists_each_change(cli: Cli, codes: list[str]) -> None:
    args = ("--report", REPORT, "agree", "--timescale", "2027-06-30", "--by", EXECUTIVE, "--json")
    status, out, _ = cli("respond", *args)
    assert status == 0
    assert [row["code"] for row in json.loads(out)] == codes
