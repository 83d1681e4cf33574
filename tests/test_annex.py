"""The tracker annex: every column from known records, in HTML, XLSX and PDF."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from factories import PANEL, REPORT, World, make_world
from openpyxl import load_workbook
from papers import (
    ENDORSED_ON,
    JUNE,
    REASON,
    SECRET,
    SECRET_NOTE,
    SEPTEMBER,
    annex_rows,
    make_papers,
    pdf_text,
)
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from runner import Cli

from workflow.annex_records import Action, Rebasing
from workflow.db import make_engine, new_session
from workflow.lifecycle import Lifecycle
from workflow.services.annex import AnnexChoice, annex_records


@pytest.fixture
def codes(cli: Cli, db_url: str, lifecycle: Lifecycle) -> Iterator[dict[str, str]]:
    assert cli("init")[0] == 0
    engine = make_engine(db_url)
    with new_session(engine) as session:
        yield make_papers(make_world(session), lifecycle)
    engine.dispose()


def made(cli: Cli, tmp_path: Path, fmt: str, *options: str) -> Path:
    path = tmp_path / f"annex.{fmt}"
    status, _, err = cli("annex", "--format", fmt, "-o", str(path), *options)
    assert status == 0, err
    return path


def html_rows(cli: Cli, tmp_path: Path, *options: str) -> dict[str, dict[str, str]]:
    return annex_rows(made(cli, tmp_path, "html", *options).read_text("utf-8"))


def test_a_row_shows_each_column_of_a_rebased_recommendation(
    cli: Cli, tmp_path: Path, codes: dict[str, str]
) -> None:
    row = html_rows(cli, tmp_path)[codes["rebased"]]
    assert row["Recommendation"] == "Recommendation a"
    assert row["Executive response"] == (
        "Agreed 20 Jan 2027, by 30 Jun 2027 "
        "Agreed: the action plan will follow the business case. Evan Executive"
    )
    assert row["Lead officer and member"] == "Officer: Olive Officer Member: Evan Executive"
    assert row["Original target"] == "30 Jun 2027"
    assert row["Current target"] == (
        "30 Sep 2027 Re-based once: Value and Performance Scrutiny Committee 25 Jan 2027"
    )
    assert row["Latest update"] == "28 Jan 2027, Olive Officer Draft action plan agreed"
    assert row["Milestones and indicators"] == (
        "Business case (due 30 Jun 2027) Saving: Cashable savings: baseline £0, "
        "target £50,000, actual £12,500 (28 Jan 2027)"
    )
    assert (row["RAG"], row["State"], row["Proposed action"]) == (
        "Amber",
        "Amended",
        "Continue monitoring",
    )


def test_the_proposed_action_follows_the_state_and_the_response(
    cli: Cli, tmp_path: Path, codes: dict[str, str]
) -> None:
    rows = html_rows(cli, tmp_path)
    assert rows[codes["ready"]]["Proposed action"] == "Sign off"
    assert rows[codes["awaiting"]]["Proposed action"] == "Await response"
    assert rows[codes["awaiting"]]["Executive response"] == "Awaiting response"


def test_an_empty_cell_shows_a_dash(cli: Cli, tmp_path: Path, codes: dict[str, str]) -> None:
    row = html_rows(cli, tmp_path)[codes["awaiting"]]
    assert (row["Current target"], row["Latest update"], row["Milestones and indicators"]) == (
        "—",
        "—",
        "—",
    )


def test_the_summary_counts_by_state_and_rag(
    cli: Cli, tmp_path: Path, codes: dict[str, str]
) -> None:
    html = made(cli, tmp_path, "html").read_text("utf-8")
    assert "<caption>By state</caption>" in html and "<caption>RAG key</caption>" in html
    assert '<th scope="row">Total</th><td>4</td>' in html
    assert '<span class="rag rag-amber">Amber</span></th><td>1</td>' in html


def test_the_html_is_accessible_by_its_structure(
    cli: Cli, tmp_path: Path, codes: dict[str, str]
) -> None:
    html = made(cli, tmp_path, "html").read_text("utf-8")
    assert '<html lang="en-GB">' in html
    assert '<th scope="col">Recommendation</th>' in html
    assert f'<th scope="row">{codes["rebased"]}</th>' in html
    assert '<th scope="rowgroup" colspan="11">Key recommendations (1)</th>' in html


def test_the_meeting_shows_what_is_due_at_it(
    cli: Cli, tmp_path: Path, codes: dict[str, str]
) -> None:
    rows = html_rows(cli, tmp_path, "--meeting", "2027-03-20")
    assert set(rows) == {codes["rebased"], codes["ready"]}  # open, monitored by 20 March


def test_a_spreadsheet_row_holds_each_column_with_real_dates(
    cli: Cli, tmp_path: Path, codes: dict[str, str]
) -> None:
    book = load_workbook(made(cli, tmp_path, "xlsx"), read_only=True)
    header, *rows = book["Tracker"].iter_rows(values_only=True)
    row = dict(zip(header, next(r for r in rows if r[0] == codes["rebased"]), strict=True))
    assert row["Original target"] == datetime(2027, 6, 30)
    assert row["Current target"] == datetime(2027, 9, 30)
    assert row["Response date"] == datetime(2027, 1, 20)
    assert row["Latest update date"] == datetime(2027, 1, 28)
    assert (row["Response"], row["Re-based"], row["RAG"]) == ("Agreed", 1, "Amber")
    assert (row["Lead officer"], row["Lead member"]) == ("Olive Officer", "Evan Executive")
    assert row["Proposed action"] == "Continue monitoring"


def test_the_spreadsheet_freezes_its_header_and_formats_its_dates(
    cli: Cli, tmp_path: Path, codes: dict[str, str]
) -> None:
    sheet = load_workbook(made(cli, tmp_path, "xlsx"))["Tracker"]
    assert sheet.freeze_panes == "A2" and sheet.print_title_rows == "$1:$1"
    assert sheet["L2"].is_date and sheet["L2"].number_format == "dd mmm yyyy"


def test_the_spreadsheet_has_a_summary_sheet(
    cli: Cli, tmp_path: Path, codes: dict[str, str]
) -> None:
    rows = list(load_workbook(made(cli, tmp_path, "xlsx"))["Summary"].values)
    assert rows[1] == ("As at", datetime(2027, 2, 1))
    assert ("Total", 4) in rows and ("Amber", 1) in rows


def test_the_pdf_holds_every_code(cli: Cli, tmp_path: Path, codes: dict[str, str]) -> None:
    text = pdf_text(made(cli, tmp_path, "pdf"))
    assert all(code in text for code in codes.values())
    assert "Page 1 of" in text


def test_the_pdf_is_tagged_and_titled(cli: Cli, tmp_path: Path, codes: dict[str, str]) -> None:
    reader = PdfReader(made(cli, tmp_path, "pdf"))
    root = reader.trailer["/Root"].get_object()
    assert isinstance(root, DictionaryObject)
    mark_info = root["/MarkInfo"].get_object()
    assert isinstance(mark_info, DictionaryObject)
    assert "/StructTreeRoot" in root and mark_info["/Marked"]
    assert reader.metadata is not None and reader.metadata.title
    assert reader.metadata.title.startswith("Recommendations tracker")


@pytest.mark.parametrize("fmt", ["html", "xlsx", "pdf"])
def test_a_public_annex_shows_an_exempt_item_by_code_state_and_reason_only(
    cli: Cli, tmp_path: Path, codes: dict[str, str], fmt: str
) -> None:
    text = _everything(made(cli, tmp_path, fmt, "--public"), fmt)
    assert codes["exempt"] in text and REASON in " ".join(text.split())
    for hidden in (SECRET, SECRET_NOTE, "Agreed in private", "Otto Officer"):
        assert hidden not in text


def test_a_public_summary_counts_the_rag_it_withholds_as_exempt(
    cli: Cli, tmp_path: Path, codes: dict[str, str]
) -> None:
    html = made(cli, tmp_path, "html", "--public").read_text("utf-8")
    assert '<span class="rag rag-none">Exempt</span></th><td>1</td>' in html
    assert '<span class="rag rag-red">Red</span></th><td>0</td>' in html


def test_the_clerks_annex_shows_an_exempt_item_flagged(
    cli: Cli, tmp_path: Path, codes: dict[str, str]
) -> None:
    row = html_rows(cli, tmp_path)[codes["exempt"]]
    assert row["Recommendation"] == f"{SECRET} Exempt: {REASON}"


def _everything(path: Path, fmt: str) -> str:
    """Every word a reader of the file could find in it."""
    if fmt == "pdf":
        return pdf_text(path)
    if fmt == "html":
        return path.read_text("utf-8")
    book = load_workbook(path, read_only=True)
    cells = (cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    return "\n".join(str(cell) for cell in cells if cell is not None)


def test_a_councils_template_replaces_the_built_in_one(
    cli: Cli, tmp_path: Path, codes: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = tmp_path / "templates"
    ours.mkdir()
    (ours / "annex-summary.html").write_text("<p>Our own summary of {{ annex.summary.total }}</p>")
    monkeypatch.setenv("RECTRACK_TEMPLATES_DIRECTORY", str(ours))
    html = made(cli, tmp_path, "html").read_text("utf-8")
    assert "<p>Our own summary of 4</p>" in html and "<caption>RAG key</caption>" not in html


def test_the_records_are_read_alike_on_every_backend(world: World, lifecycle: Lifecycle) -> None:
    codes = make_papers(world, lifecycle)
    choice = AnnexChoice(body=PANEL, reports=(REPORT,))
    records = annex_records(world.session, lifecycle.table, date(2027, 2, 1), choice)
    rec = next(r for r in records.recommendations if r.code == codes["rebased"])
    assert rec.rebasings == (Rebasing(PANEL, ENDORSED_ON, JUNE, SEPTEMBER),)
    assert (rec.action, rec.owner, rec.group) == (Action.CONTINUE, "Olive Officer", "key")
    assert [r.title for r in records.reports] == ["Customer Contact Strategy"]
