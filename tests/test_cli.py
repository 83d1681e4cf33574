"""The command line through its real entry point: output, exit statuses, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from factories import (
    CHAIR,
    CLERK,
    EXECUTIVE,
    OFFICER,
    OTHER_OFFICER,
    PANEL,
)
from runner import Cli
from sqlalchemy import make_url


def test_init_creates_then_leaves_the_schema_alone(cli: Cli) -> None:
    assert "created" in cli("init")[1]
    assert "already current" in cli("init")[1]


def test_a_command_on_an_empty_database_says_to_run_init(cli: Cli) -> None:
    status, _, err = cli("recs", "list")
    assert status == 2
    assert "run `rectrack init`" in err


def test_a_command_before_init_leaves_no_database_file(cli: Cli, tmp_path: Path) -> None:
    cli("recs", "list")
    assert not (tmp_path / "cli.db").exists()


def test_respond_agree_moves_to_endorsed(cli: Cli, code: str) -> None:
    status, out, _ = cli("respond", code, "agree", "--timescale", "2027-06-30", "--by", EXECUTIVE)
    assert status == 0
    assert "proposed -> endorsed" in out


def test_respond_takes_dashed_decisions(cli: Cli, code: str) -> None:
    args = ("--timescale", "2027-06-30", "--comment", "not the budget part", "--by", EXECUTIVE)
    assert cli("respond", code, "agree-in-part", *args)[0] == 0
    assert cli.json("recs", "show", code)["response"]["decision"] == "agree_in_part"


def test_a_refused_event_exits_1_with_one_line(cli: Cli, code: str) -> None:
    status, _, err = cli("fire", code, "sign_off", "--by", CHAIR)
    assert status == 1
    assert err.count("\n") == 1
    assert "sign_off is allowed only from monitored" in err
    assert err.endswith("from proposed you may: conclude, withdraw\n")


def test_a_refusal_names_the_option_that_is_missing(cli: Cli, code: str) -> None:
    _, _, err = cli(
        "fire", code, "withdraw", "--endorsed-by", PANEL, "--on", "2027-02-01", "--by", CHAIR
    )
    assert "a reason is required (--note);" in err


def test_a_response_without_its_reason_names_the_option(cli: Cli, code: str) -> None:
    _, _, err = cli("respond", code, "disagree", "--by", EXECUTIVE)
    assert "a reason is required (--reason);" in err


def test_a_missing_timescale_is_refused(cli: Cli, code: str) -> None:
    status, _, err = cli("respond", code, "agree", "--by", EXECUTIVE)
    assert status == 1
    assert "a timescale" in err


def test_an_officer_may_not_respond(cli: Cli, code: str) -> None:
    status, _, err = cli("respond", code, "agree", "--timescale", "2027-06-30", "--by", OFFICER)
    assert status == 1
    assert "only an executive or a clerk may agree" in err


def test_an_unknown_decision_is_bad_input(cli: Cli, code: str) -> None:
    status, _, err = cli("respond", code, "maybe", "--by", EXECUTIVE)
    assert status == 2
    assert "'maybe' is not a response" in err


def test_a_bad_date_is_bad_input(cli: Cli, code: str) -> None:
    status, _, err = cli("respond", code, "agree", "--timescale", "31/06/2027", "--by", EXECUTIVE)
    assert status == 2
    assert "'31/06/2027' is not a date" in err
    assert "Traceback" not in err


def test_an_unknown_person_is_bad_input(cli: Cli, code: str) -> None:
    status, _, err = cli("fire", code, "start", "--by", "nobody@x.example")
    assert status == 2
    assert err == "rectrack: error: no person with email 'nobody@x.example'\n"


def test_an_unknown_recommendation_is_bad_input(cli: Cli, code: str) -> None:
    status, _, err = cli("recs", "show", "NOPE/1")
    assert (status, err) == (2, "rectrack: error: no recommendation with code 'NOPE/1'\n")


def test_a_change_needs_an_actor(cli: Cli, code: str) -> None:
    status, _, err = cli("fire", code, "start")
    assert status == 2
    assert "--by EMAIL" in err


def test_the_actor_may_come_from_the_environment(
    cli: Cli, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECTRACK_ACTOR", EXECUTIVE)
    assert cli("respond", code, "note", "--comment", "noted")[0] == 0


def test_only_the_owner_starts_not_any_officer(cli: Cli, code: str) -> None:
    cli("respond", code, "agree", "--timescale", "2027-06-30", "--by", EXECUTIVE)
    status, _, err = cli("fire", code, "start", "--by", OTHER_OFFICER)
    assert status == 1
    assert "only the owner (officer@council.example) or a clerk may start" in err
    assert cli("fire", code, "start", "--by", OFFICER)[0] == 0


def test_whole_life_shows_in_the_history(cli: Cli, code: str) -> None:
    steps = [
        ("respond", code, "agree", "--timescale", "2027-06-30", "--by", EXECUTIVE),
        ("fire", code, "start", "--by", OFFICER),
        ("update", code, "--note", "half way", "--rag", "amber", "--by", OFFICER),
        (
            "amend",
            code,
            "--target-date",
            "2027-09-30",
            "--reason",
            "slipped",
            "--endorsed-by",
            PANEL,
            "--on",
            "2027-01-25",
            "--by",
            CHAIR,
        ),
        ("fire", code, "start", "--by", OFFICER),
        ("fire", code, "report_implemented", "--note", "done", "--by", OFFICER),
        ("fire", code, "sign_off", "--by", CLERK),
    ]
    for step in steps:
        assert cli(*step)[0] == 0, step
    view = cli.json("recs", "show", code)
    assert isinstance(view, dict)
    events = [line["event"] for line in view["history"]]
    assert events == [
        "import",
        "agree",
        "start",
        "progress_update",
        "amend",
        "start",
        "report_implemented",
        "sign_off",
    ]
    assert (view["state"], view["closure_outcome"]) == ("closed", "implemented")
    assert (view["original_target_date"], view["target_date"]) == ("2027-06-30", "2027-09-30")


def test_show_json_has_the_promised_keys(cli: Cli, code: str) -> None:
    view = cli.json("recs", "show", code)
    assert isinstance(view, dict)
    promised = {
        "code",
        "reference",
        "report",
        "text",
        "state",
        "owner",
        "target_date",
        "original_target_date",
        "monitoring_date",
        "rag",
        "closure_outcome",
        "response",
        "updates",
        "amendments",
        "history",
    }
    assert promised <= set(view)
    assert set(view["history"][0]) >= {"event", "from_state", "to_state", "actor", "at", "note"}


def test_list_json_has_no_nested_lists(cli: Cli, code: str) -> None:
    rows = cli.json("recs", "list")
    assert isinstance(rows, list)
    assert rows[0]["code"] == code
    assert not any(isinstance(value, list) for value in rows[0].values())


def test_list_filters_by_state_and_owner(cli: Cli, code: str) -> None:
    assert cli.json("recs", "list", "--state", "closed") == []
    assert len(cli.json("recs", "list", "--owner", OFFICER.upper())) == 1


def test_list_refuses_an_unknown_state(cli: Cli, code: str) -> None:
    status, _, err = cli("recs", "list", "--state", "done")
    assert status == 2
    assert "'done' is not a state" in err


def test_list_prints_the_tracker(cli: Cli, code: str) -> None:
    out = cli("recs", "list")[1]
    assert out.splitlines()[0].split() == [
        "CODE",
        "STATE",
        "OWNER",
        "TARGET",
        "MONITOR",
        "RAG",
        "RECOMMENDATION",
    ]
    assert code in out


def test_workflow_show_prints_every_event(cli: Cli) -> None:
    out = cli("workflow", "show")[1]
    for event in (
        "agree",
        "agree_in_part",
        "disagree",
        "note",
        "start",
        "amend",
        "report_implemented",
        "sign_off",
        "reopen",
        "withdraw",
    ):
        assert f"\n{event} " in out


def test_workflow_show_says_which_states_are_open_and_which_overdue(cli: Cli) -> None:
    lines = cli("workflow", "show")[1].splitlines()
    assert any(
        line.startswith("open     endorsed, amended, in_progress, monitored") for line in lines
    )
    assert any(line.startswith("overdue  endorsed, amended, in_progress ") for line in lines)


def test_workflow_show_draws_mermaid(cli: Cli) -> None:
    out = cli("workflow", "show", "--format", "mermaid")[1]
    assert out.startswith("stateDiagram-v2")
    assert "monitored --> closed: sign_off" in out


def test_config_show_masks_the_database_password(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECTRACK_DATABASE_URL", "postgresql+psycopg://rt:s3cret@db.example/rt")
    shown = cli.json("config", "show")
    assert shown == {**shown, "database.url": "postgresql+psycopg://rt:********@db.example/rt"}


def test_a_bad_setting_is_refused_naming_the_key(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECTRACK_REPORTS_RESPONSE_PERIOD", "two moons")
    status, _, err = cli("config", "show")
    assert status == 2
    assert "reports.response_period" in err


def test_a_broken_workflow_table_is_refused_at_start(cli: Cli, tmp_path: Path) -> None:
    table = tmp_path / "ours.toml"
    table.write_text(
        'states = ["a"]\ninitial = "a"\n[[events]]\nname = "go"\nsource = ["x"]\ndest = "a"\n'
    )
    (tmp_path / "rectrack.toml").write_text('[workflow]\ntable = "ours.toml"\n')
    status, _, err = cli("recs", "list")
    assert status == 2
    assert "events[0].source: unknown state 'x'" in err


def test_usage_errors_are_one_line(cli: Cli) -> None:
    status, _, err = cli("recs", "show")
    assert status == 2
    assert err.count("\n") == 1


def test_the_installed_script_runs(db_url: str) -> None:
    script = Path(sys.executable).with_name("rectrack")
    done = subprocess.run(
        [str(script), "workflow", "show"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "sign_off" in done.stdout


def test_a_bad_sqlite_path_says_the_database_cannot_be_reached(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'nowhere' / 'x.db'}")
    status, _, err = cli("recs", "list")
    assert status == 2
    assert "cannot be reached: unable to open database file" in err
    assert "rectrack init" not in err


def test_a_server_that_is_down_is_named_without_its_password(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql+psycopg://rectrack:s3cret@127.0.0.1:1/rectrack"
    monkeypatch.setenv("RECTRACK_DATABASE_URL", url)
    status, _, err = cli("init")
    assert status == 2
    assert err.startswith("rectrack: error: the database postgresql+psycopg://rectrack:***@")
    assert "cannot be reached" in err and "s3cret" not in err
    assert err.count("\n") == 1


@pytest.mark.external_service
def test_a_missing_postgresql_database_says_it_cannot_be_reached(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg_url = os.environ.get("RECTRACK_TEST_PG_URL")
    if not pg_url:
        pytest.skip("RECTRACK_TEST_PG_URL is not set")
    missing = make_url(pg_url).set(database="no_such_db")
    monkeypatch.setenv("RECTRACK_DATABASE_URL", missing.render_as_string(hide_password=False))
    status, _, err = cli("recs", "list")
    assert status == 2
    assert "cannot be reached: connection failed" in err or "does not exist" in err
    assert "no_such_db" in err


def test_a_date_out_of_range_is_refused_naming_the_option(cli: Cli, code: str) -> None:
    status, _, err = cli("respond", code, "agree", "--timescale", "2207-06-30", "--by", EXECUTIVE)
    assert status == 2
    assert "--timescale" in err and "2207-06-30 is not between 1900 and 2199" in err


def test_an_outbox_id_too_large_to_be_one_is_refused_in_one_line(cli: Cli, code: str) -> None:
    status, _, err = cli("outbox", "retry", "99999999999999999999999")
    assert status == 2 and err.count("\n") == 1
    assert "is not in the range" in err and "OverflowError" not in err


def test_a_tick_in_a_year_no_tracker_names_is_refused(cli: Cli, code: str) -> None:
    status, _, err = cli("tick", "--now", "2207-01-01T08:00Z")
    assert status == 2 and "2207-01-01 is not between 1900 and 2199" in err
