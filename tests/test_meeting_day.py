"""Seed 000's meeting, as a clerk records it: a handful of commands, dated the meeting day.

The committee had 15 key and 85 individual recommendations under way. At the
meeting it took a status commentary on all 100, endorsed a new timetable for 73,
agreed that 6 were superseded and restarted the rest under the new plan.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runner import Cli

CLERK = "clerk@council.example"
COMMITTEE = "Customer Contact Scrutiny Committee"
REPORT = "CIS.12/03"
MEETING_DAY = "2027-01-27"
SUPERSEDED = [f"{REPORT}/B{n}" for n in range(1, 7)]


def tracker() -> dict[str, object]:
    """The committee's action plan before the meeting: 100 recommendations under way."""
    key = [(f"K{n}", "key", None) for n in range(1, 16)]
    individual = [(f"B{n}", "individual", f"{REPORT}/K{n % 15 + 1}") for n in range(1, 86)]
    return {
        "people": [
            {"name": "Clara Clerk", "email": CLERK, "roles": ["clerk"]},
            {
                "name": "Head of Customer Services",
                "email": "head@council.example",
                "roles": ["officer"],
            },
        ],
        "bodies": [{"name": COMMITTEE, "kind": "scrutiny", "chair": CLERK}],
        "reports": [
            {
                "reference": REPORT,
                "title": "Customer Contact Best Value Review",
                "from_body": COMMITTEE,
                "to_body": COMMITTEE,
                "submitted_on": "2026-03-02",
            },
        ],
        "recommendations": [
            {
                "report": REPORT,
                "reference": ref,
                "text": f"Recommendation {ref}.",
                "group": group,
                "parent": parent,
                "owner": "head@council.example",
                "state": "in_progress",
                "target_date": "2026-12-31",
            }
            for ref, group, parent in key + individual
        ],
    }


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'meeting.db'}")
    monkeypatch.setenv("RECTRACK_ACTOR", CLERK)
    monkeypatch.delenv("RECTRACK_CONFIG", raising=False)
    cli = Cli(capsys)
    Path("tracker.json").write_text(json.dumps(tracker()))
    assert cli("init")[0] == 0
    assert cli("import", "tracker.json", "--by", CLERK)[0] == 0
    return cli


def write_csv(name: str, header: str, rows: list[str]) -> str:
    Path(name).write_text("\n".join([header, *rows]) + "\n", "utf-8")
    return name


def test_the_meeting_takes_four_commands_dated_the_day_it_met(cli: Cli) -> None:
    codes = [rec["code"] for rec in cli.json("recs", "list")]
    commentary = write_csv(
        "commentary.csv",
        "code,note,rag",
        [f"{code},Status at the meeting: {code}.,amber" for code in codes],
    )
    rebased = [code for code in codes if code not in SUPERSEDED][:73]
    plan = write_csv("plan.csv", "code,target_date", [f"{code},2027-09-30" for code in rebased])
    on = ("--on", MEETING_DAY)
    commands = [
        ("update", "--from-file", commentary, *on),
        ("amend", "--from-file", plan, "--reason", "The time base moved with the strategic "
         "partner approach", "--endorsed-by", COMMITTEE, *on),
        ("fire", *SUPERSEDED, "withdraw", "--outcome", "superseded", "--note",
         "Delivered by the Customer Contact Centre instead", "--endorsed-by", COMMITTEE, *on),
        ("fire", "--report", REPORT, "start", *on),
    ]  # fmt: skip
    for command in commands:
        status, _, err = cli(*command)
        assert (status, err) == (0, "")
    states = {row["state"]: row["count"] for row in cli.json("recs", "count", "--by", "state")}
    assert states == {"in_progress": 94, "closed": 6}
    assert len(cli.json("recs", "list", "--rebased")) == 73
    assert len(cli.json("recs", "list", "--rag", "amber")) == 100
    history = cli.json("recs", "show", rebased[0])["history"]
    assert [line["effective_on"] for line in history[1:]] == [MEETING_DAY] * 3


def test_a_file_of_updates_with_one_bad_row_writes_none(cli: Cli) -> None:
    rows = [f"{REPORT}/K1,Going well.,green", f"{REPORT}/K99,Not ours.,green"]
    status, _, err = cli("update", "--from-file", write_csv("u.csv", "code,note,rag", rows))
    assert status == 2
    assert err == "rectrack: error: no recommendation with code 'CIS.12/03/K99'\n"
    assert cli.json("recs", "show", f"{REPORT}/K1")["updates"] == []


def test_a_file_of_updates_names_the_row_and_column_it_refuses(cli: Cli) -> None:
    rows = [f"{REPORT}/K1,Going well.,purple"]
    status, _, err = cli("update", "--from-file", write_csv("u.csv", "code,note,rag", rows))
    assert status == 2
    assert err.startswith("rectrack: error: u.csv row 2 (CIS.12/03/K1).rag: unknown RAG status")
