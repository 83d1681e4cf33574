"""`rectrack import` and `rectrack export` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runner import Cli

from rectrack.cli.demo import demo_document

CLERK = "democratic.services@oxford.example"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """A command line on an initialised, empty SQLite database in a directory of its own."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RECTRACK_ACTOR", DEMO_CLERK)
    monkeypatch.delenv("RECTRACK_CONFIG", raising=False)
    run = Cli(capsys)
    assert run("init")[0] == 0
    return run


DEMO_CLERK = "democratic.services@oxford.example"


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(demo_document()), encoding="utf-8")
    return path


def recs(cli: Cli) -> list[dict[str, object]]:
    status, out, err = cli("recs", "list", "--json")
    assert status == 0, err
    listed: list[dict[str, object]] = json.loads(out)
    return listed


def test_import_loads_the_document_and_says_what_it_loaded(cli: Cli, demo_file: Path) -> None:
    status, out, err = cli("import", str(demo_file))
    assert (status, err) == (0, "")
    assert out.strip().endswith(
        "imported 7 people, 2 bodies, 3 meetings, 1 report, 3 recommendations,"
        " 2 milestones, 3 indicators"
    )
    assert len(recs(cli)) == 3


def test_import_without_an_importer_is_refused_naming_the_option(
    cli: Cli, demo_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECTRACK_ACTOR")
    status, _, err = cli("import", str(demo_file))
    assert status == 2
    assert err == (
        "rectrack: error: say who is importing: a clerk, named in the history"
        " (--by EMAIL or RECTRACK_ACTOR)\n"
    )


def test_import_dry_run_checks_and_writes_nothing(cli: Cli, demo_file: Path) -> None:
    status, out, _ = cli("import", str(demo_file), "--dry-run")
    assert status == 0
    assert "would import" in out and "3 recommendations" in out
    assert recs(cli) == []


def test_import_json_prints_the_counts(cli: Cli, demo_file: Path) -> None:
    status, out, _ = cli("import", str(demo_file), "--json")
    assert status == 0
    assert json.loads(out) == {
        "dry_run": False,
        "people": 7,
        "bodies": 2,
        "meetings": 3,
        "reports": 1,
        "recommendations": 3,
        "milestones": 2,
        "indicators": 3,
        "unsendable": [],
    }


def test_import_by_names_the_actor_in_the_history(
    cli: Cli, demo_file: Path, tmp_path: Path
) -> None:
    cli("import", str(demo_file))
    more = tmp_path / "more.json"
    line = {"report": "CCS/09", "reference": "d", "text": "More."}
    more.write_text(json.dumps({"recommendations": [line]}), encoding="utf-8")
    assert cli("import", str(more), "--by", CLERK)[0] == 0
    out = cli("recs", "show", "CCS/09/d", "--json")[1]
    assert json.loads(out)["history"][0]["actor"] == CLERK


def test_a_bad_document_exits_2_with_one_line_naming_the_path(cli: Cli, tmp_path: Path) -> None:
    document = demo_document()
    document["recommendations"][2]["owner"] = "x@y"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    status, _, err = cli("import", str(path))
    assert status == 2
    assert err == "rectrack: error: recommendations[2].owner: no person with email 'x@y'\n"
    assert recs(cli) == []


def test_a_file_that_is_not_json_exits_2_with_its_line_and_column(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"people": [}', encoding="utf-8")
    status, _, err = cli("import", str(path))
    assert status == 2
    assert err.count("\n") == 1
    assert "broken.json: is not valid JSON:" in err and "line 1, column 13" in err


def test_export_writes_the_document_to_a_file(cli: Cli, demo_file: Path, tmp_path: Path) -> None:
    cli("import", str(demo_file))
    output = tmp_path / "out" / "export.json"
    output.parent.mkdir()
    assert cli("export", "-o", str(output)) == (0, "", "")
    assert [p.name for p in output.parent.iterdir()] == ["export.json"]
    exported = json.loads(output.read_text(encoding="utf-8"))
    assert [rec["code"] for rec in exported["recommendations"]] == [
        "CCS/09/a",
        "CCS/09/b",
        "CCS/09/c",
    ]


def test_an_exported_file_imports_into_an_empty_database_and_exports_the_same(
    cli: Cli, demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("import", str(demo_file))
    first = tmp_path / "first.json"
    cli("export", "-o", str(first))
    monkeypatch.setenv("RECTRACK_DATABASE_URL", f"sqlite:///{tmp_path / 'second.db'}")
    cli("init")
    assert cli("import", str(first))[0] == 0
    status, out, _ = cli("export")
    assert status == 0
    assert out == first.read_text(encoding="utf-8")


def test_export_csv_prints_the_recommendations(cli: Cli, demo_file: Path) -> None:
    cli("import", str(demo_file))
    status, out, _ = cli("export", "--format", "csv")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("report,reference,code,text")
    assert [line.split(",")[2] for line in lines[1:]] == ["CCS/09/a", "CCS/09/b", "CCS/09/c"]


def test_import_reads_a_csv_by_its_extension(cli: Cli, demo_file: Path, tmp_path: Path) -> None:
    cli("import", str(demo_file))
    path = tmp_path / "tracker.csv"
    rows = ["report,reference,text,owner,target_date,monitoring_date,state"]
    rows.append("CCS/09,d,A fourth.,tim.sadler@oxford.example,2027-09-30,,endorsed")
    path.write_text("\ufeff" + "\r\n".join(rows) + "\r\n", encoding="utf-8")  # as Excel saves it
    status, out, err = cli("import", str(path))
    assert (status, err) == (0, "")
    assert "imported 1 recommendation" in out
    assert len(recs(cli)) == 4


def test_a_bad_csv_row_exits_2_naming_the_row(cli: Cli, demo_file: Path, tmp_path: Path) -> None:
    cli("import", str(demo_file))
    path = tmp_path / "tracker.csv"
    rows = ["report,reference,text,owner,target_date,monitoring_date,state"]
    rows.append("CCS/09,d,A fourth.,nobody@oxford.example,,,proposed")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    status, _, err = cli("import", str(path), "--dry-run")
    assert status == 2
    assert err == (
        "rectrack: error: row 2 (CCS/09/d).owner: no person with email 'nobody@oxford.example'\n"
    )


def test_import_says_what_will_not_be_sent_and_why(cli: Cli, tmp_path: Path) -> None:
    document = demo_document()
    for body in document["bodies"]:
        del body["chair"]
    first = document["recommendations"][0]
    del first["owner"]
    first.update(state="in_progress", target_date="2027-06-30")
    path = tmp_path / "chairless.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    status, out, err = cli("import", str(path))
    assert status == 0, err
    assert out.splitlines()[1:] == [
        "not sent: City Executive Board: no chair, so no response notices for"
        " the report awaiting its response",
        "not sent: Value and Performance Scrutiny Committee: no chair, so no agenda goes"
        " before its next 2 meetings",
        "not sent: CCS/09/a: no owner, so no monitoring reminders or overdue notices",
    ]


def test_a_dry_run_import_does_not_check_what_it_did_not_write(cli: Cli, demo_file: Path) -> None:
    assert json.loads(cli("import", str(demo_file), "--dry-run", "--json")[1])["unsendable"] == []
