"""People, bodies and meetings kept with commands; every change an audit row."""

from __future__ import annotations

from datetime import date

from factories import CHAIR, CLERK, EXECUTIVE, PANEL, World, make_recommendation
from runner import Cli
from sqlmodel import select

from workflow.db import make_engine, new_session
from workflow.models import Report


def test_a_clerk_adds_a_person_and_the_audit_says_so(cli: Cli, code: str) -> None:
    args = (
        "people",
        "add",
        "new.officer@council.example",
        "--name",
        "Nia New",
        "--role",
        "officer",
    )
    status, _, err = cli(*args, "--by", CLERK)
    assert (status, err) == (0, "")
    assert "new.officer@council.example" in [p["email"] for p in cli.json("people", "list")]
    [row] = cli.json("audit")
    assert (row["record"], row["action"], row["by"], row["before"]) == (
        "person",
        "add",
        CLERK,
        None,
    )
    assert row["after"]["roles"] == ["officer"]


def test_an_edit_keeps_what_was_before(cli: Cli, code: str) -> None:
    assert cli("people", "edit", CHAIR, "--name", "Cllr Charlotte Chair", "--by", CLERK)[0] == 0
    [row] = cli.json("audit")
    assert (row["before"]["name"], row["after"]["name"]) == (
        "Charlotte Chair",
        "Cllr Charlotte Chair",
    )


def test_only_a_clerk_keeps_the_directory(cli: Cli, code: str) -> None:
    status, _, err = cli("bodies", "add", "Cabinet", "--kind", "executive", "--by", EXECUTIVE)
    assert status == 1
    assert "only a clerk may keep people, bodies and meetings" in err
    assert cli.json("audit") == []


def test_a_bad_value_is_refused_naming_the_option_and_nothing_is_written(
    cli: Cli, code: str
) -> None:
    status, _, err = cli("bodies", "add", "Cabinet", "--kind", "cabinet", "--by", CLERK)
    assert status == 2 and "unknown kind of body 'cabinet'" in err and "(--kind)" in err
    assert "Cabinet" not in [b["name"] for b in cli.json("bodies", "list")]


def test_a_taken_email_is_refused(cli: Cli, code: str) -> None:
    status, _, err = cli("people", "add", CHAIR, "--name", "Twin", "--by", CLERK)
    assert status == 2 and "exists already (--email)" in err


def test_a_meeting_is_added_moved_and_cancelled_and_each_is_audited(cli: Cli, code: str) -> None:
    added = cli.json("meetings", "add", "--body", PANEL, "--at", "2027-04-20T18:00", "--by", CLERK)
    assert added["starts_at"] == "2027-04-20T18:00:00+01:00"  # the council's zone, in summer
    ident = str(added["id"])
    moved = cli.json("meetings", "move", ident, "--at", "2027-04-27T18:00+01:00", "--by", CLERK)
    assert moved["starts_at"].startswith("2027-04-27")
    cancelled = cli.json("meetings", "cancel", ident, "--by", CLERK)
    assert cancelled["cancelled_at"] is not None
    assert [row["action"] for row in cli.json("audit")] == ["add", "move", "cancel"]


def test_a_meeting_cancelled_twice_is_refused(cli: Cli, code: str) -> None:
    added = cli.json("meetings", "add", "--body", PANEL, "--at", "2027-04-20T18:00", "--by", CLERK)
    cli("meetings", "cancel", str(added["id"]), "--by", CLERK)
    status, _, err = cli("meetings", "cancel", str(added["id"]), "--by", CLERK)
    assert status == 2 and "was cancelled already" in err


def test_the_audit_may_start_on_a_day(cli: Cli, code: str) -> None:
    cli("people", "edit", CHAIR, "--name", "Cllr Chair", "--by", CLERK)
    assert cli.json("audit", "--since", "2027-02-02") == []
    assert len(cli.json("audit", "--since", "2027-02-01")) == 1


def test_a_cancelled_meeting_gets_no_digest(cli: Cli, code: str, db_url: str) -> None:
    engine = make_engine(db_url)
    with new_session(engine) as session:
        report_id = session.exec(select(Report.id)).one()
        assert report_id is not None
        world = World(session, report_id)
        make_recommendation(world, "m", "in_progress", monitoring_date=date(2027, 4, 1))
    engine.dispose()
    added = cli.json("meetings", "add", "--body", PANEL, "--at", "2027-04-20T18:00", "--by", CLERK)
    window = ("simulate", "--from", "2027-04-13", "--to", "2027-04-13")
    assert [m["kind"] for day in cli.json(*window) for m in day["messages"]] == ["chair-digest"]
    cli("meetings", "cancel", str(added["id"]), "--by", CLERK)
    assert cli.json(*window) == []
