"""A council's tracker spreadsheet in, through a map; every refusal names the cell."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
from factories import CLERK, CURRENT_TIME, OFFICER, REPORT, World, row_counts
from openpyxl import Workbook
from runner import Cli
from sqlmodel import col, select

from workflow import services
from workflow.errors import InterchangeError
from workflow.interchange.records import ImportSummary
from workflow.lifecycle import Lifecycle
from workflow.models import Body, Event, ProgressUpdate, Recommendation, Report

ROOT = Path(__file__).resolve().parent.parent
YORK_MAP = ROOT / "docs" / "york-tracker.toml"
YORK_HEADERS = (
    "Reference", "Origin", "Date agreed", "Recommendation", "Lead Officer", "Action taken",
    "Status",
)  # fmt: skip
PLAIN_HEADERS = ("reference", "report", "text", "owner", "target_date", "monitoring_date", "state")


def workbook(path: Path, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tracker"
    for row in (headers, *rows):
        sheet.append(list(row))
    book.save(path)
    return path


def load(
    world: World, lifecycle: Lifecycle, path: Path, map_path: Path | None = None, **more: object
) -> ImportSummary:
    return services.import_tracker_xlsx(
        world.session, path, table=lifecycle.table, tz=lifecycle.tz, by=CLERK,
        now=CURRENT_TIME, map_path=map_path, **more,  # type: ignore[arg-type]
    )  # fmt: skip


def refusal(world: World, lifecycle: Lifecycle, path: Path, map_path: Path | None = None) -> str:
    before = row_counts(world.session)
    with pytest.raises(InterchangeError) as refused:
        load(world, lifecycle, path, map_path)
    assert row_counts(world.session) == before
    return str(refused.value)


@pytest.fixture
def crp(world: World) -> World:
    """The York committee CRP's report, to which its tracker's rows belong."""
    board = world.session.get_one(Report, world.report_id)
    panel = world.session.exec(select(Body).where(Body.id == board.from_body_id)).one()
    assert panel.id is not None
    report = Report(
        reference="CRP", title="Corporate scrutiny 2025/26", from_body_id=panel.id,
        to_body_id=board.to_body_id, submitted_on=date(2026, 6, 1),
        response_due_on=date(2026, 7, 31),
    )  # fmt: skip
    world.session.add(report)
    world.session.commit()
    return world


YORK_ROWS = [
    ("SR (25/26) 01", "CRP", datetime(2025, 7, 2), "Publish the contact strategy",
     "Olive Officer", "Published in March", "Complete"),
    ("SR (25/26) 02", "CRP", datetime(2025, 7, 2), "Review the call centre hours",
     OFFICER, "Consultation under way", "Ongoing"),
    ("SR (25/26) 03", "CRP", "02/07/2025", "Train every officer", "Olive Officer", None, None),
]  # fmt: skip


def test_it_imports_a_york_tracker_through_the_example_map(
    crp: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    path = workbook(tmp_path / "york.xlsx", YORK_HEADERS, YORK_ROWS)
    assert load(crp, lifecycle, path, YORK_MAP).recommendations == 3
    query = select(Recommendation).order_by(col(Recommendation.id))
    recs = {r.code: r for r in crp.session.exec(query)}
    done = recs["SR (25/26) 01"]
    assert (done.state, done.closure_outcome, done.reference) == (
        "closed",
        "implemented",
        done.code,
    )
    assert recs["SR (25/26) 02"].state == recs["SR (25/26) 03"].state == "in_progress"
    assert {r.owner_id for r in recs.values()} == {recs["SR (25/26) 02"].owner_id}


def test_action_taken_becomes_the_latest_update(
    crp: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    load(crp, lifecycle, workbook(tmp_path / "york.xlsx", YORK_HEADERS, YORK_ROWS), YORK_MAP)
    notes = crp.session.exec(select(ProgressUpdate.note).order_by(col(ProgressUpdate.id))).all()
    assert notes == ["Published in March", "Consultation under way"]


def test_each_row_gets_the_import_line_of_its_state(
    crp: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    load(crp, lifecycle, workbook(tmp_path / "york.xlsx", YORK_HEADERS, YORK_ROWS), YORK_MAP)
    lines = crp.session.exec(select(Event.event, Event.to_state).order_by(col(Event.id))).all()
    assert lines == [("import", "closed"), ("import", "in_progress"), ("import", "in_progress")]


def test_dates_may_be_date_cells_or_day_month_year_text(
    world: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    row = ("a", REPORT, "Publish", OFFICER, datetime(2027, 6, 30), "14/04/2027", "proposed")
    load(world, lifecycle, workbook(tmp_path / "t.xlsx", PLAIN_HEADERS, [row]))
    rec = world.session.exec(select(Recommendation)).one()
    assert (rec.target_date, rec.monitoring_date) == (date(2027, 6, 30), date(2027, 4, 14))


def test_a_word_that_is_no_date_is_refused_naming_its_cell(
    world: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    rows = [("a", REPORT, "Publish", OFFICER, None, None, "proposed"),
            ("b", REPORT, "Review", OFFICER, "soon", None, "proposed")]  # fmt: skip
    message = refusal(world, lifecycle, workbook(tmp_path / "t.xlsx", PLAIN_HEADERS, rows))
    assert message.startswith("Tracker!E3: 'soon' is not a date")


def test_a_state_word_the_map_does_not_know_names_its_cell(
    crp: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    rows = [(*YORK_ROWS[0][:6], "Soon")]
    message = refusal(crp, lifecycle, workbook(tmp_path / "y.xlsx", YORK_HEADERS, rows), YORK_MAP)
    assert message.startswith("Tracker!G2: 'Soon' is not a state ('Complete', 'Ongoing', ")


def test_an_unknown_officer_names_their_cell(
    crp: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    rows = [(*YORK_ROWS[0][:4], "Nobody Known", *YORK_ROWS[0][5:])]
    message = refusal(crp, lifecycle, workbook(tmp_path / "y.xlsx", YORK_HEADERS, rows), YORK_MAP)
    assert message.startswith("Tracker!E2: no person named 'Nobody Known'")


def test_an_unknown_report_names_its_cell(
    world: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    rows = [("a", "NOPE", "Publish", OFFICER, None, None, "proposed")]
    message = refusal(world, lifecycle, workbook(tmp_path / "t.xlsx", PLAIN_HEADERS, rows))
    assert message.startswith("Tracker!B2: no report with reference 'NOPE'")


def test_a_blank_required_cell_is_refused_naming_it(
    world: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    rows = [("a", REPORT, None, OFFICER, None, None, "proposed")]
    message = refusal(world, lifecycle, workbook(tmp_path / "t.xlsx", PLAIN_HEADERS, rows))
    assert message == "Tracker!C2: is required"


def test_a_column_the_map_names_must_be_on_the_sheet(
    crp: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    headers = tuple(h for h in YORK_HEADERS if h != "Status")
    path = workbook(tmp_path / "y.xlsx", headers, [YORK_ROWS[0][:6]])
    message = refusal(crp, lifecycle, path, YORK_MAP)
    assert message == "Tracker!1:1: no column headed 'status' for the state"


def test_a_dry_run_checks_everything_and_writes_nothing(
    crp: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    before = row_counts(crp.session)
    path = workbook(tmp_path / "york.xlsx", YORK_HEADERS, YORK_ROWS)
    assert load(crp, lifecycle, path, YORK_MAP, dry_run=True).recommendations == 3
    assert row_counts(crp.session) == before


def test_an_unknown_sheet_is_refused_naming_the_sheets(
    world: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    path = workbook(tmp_path / "t.xlsx", PLAIN_HEADERS, [])
    with pytest.raises(InterchangeError, match=r"no sheet named 'Plan' \(sheets: 'Tracker'\)"):
        load(world, lifecycle, path, sheet="Plan")


def test_a_file_that_is_no_workbook_is_refused(
    world: World, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    path = tmp_path / "t.xlsx"
    path.write_text("Reference,Status\n", encoding="utf-8")
    with pytest.raises(InterchangeError, match=r"^t.xlsx: cannot be read as a workbook"):
        load(world, lifecycle, path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[columns]\ntetx = 'Recommendation'\n", "map.toml columns.tetx: unknown field"),
        ("[states]\nComplete = 'done'\n", "map.toml states.Complete: 'done' is not a state"),
        ("[states]\nOngoing = 'in_progress/implemented'\n",
         "map.toml states.Ongoing: only a final state (closed) has an outcome"),
        ("[rags]\nFine = 'blue'\n", "map.toml rags.Fine: 'blue' is not a RAG status"),
        ("header_row = 0\n", "map.toml header_row: must be a row number from 1"),
        ("colums = {}\n", "map.toml colums: unknown part"),
        ("[columns\n", "map.toml: cannot be read as TOML"),
    ],
)  # fmt: skip
def test_a_bad_map_is_refused_naming_the_key(
    world: World, lifecycle: Lifecycle, tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "map.toml").write_text(text, encoding="utf-8")
    path = workbook(tmp_path / "t.xlsx", PLAIN_HEADERS, [])
    assert refusal(world, lifecycle, path, tmp_path / "map.toml").startswith(message)


def test_the_example_map_is_a_good_map(lifecycle: Lifecycle) -> None:
    from workflow.interchange.xlsxfile import load_map

    assert load_map(YORK_MAP, lifecycle.table).states["complete"] == ("closed", "implemented")


# From the command line


def test_import_reads_a_spreadsheet_by_its_extension(cli: Cli, code: str, tmp_path: Path) -> None:
    row = ("b", REPORT, "Publish", "Olive Officer", "30/06/2027", None, "Ongoing")
    path = workbook(tmp_path / "t.xlsx", PLAIN_HEADERS, [row])
    (tmp_path / "map.toml").write_text("[states]\nOngoing = 'in_progress'\n", encoding="utf-8")
    args = ("import", str(path), "--map", str(tmp_path / "map.toml"), "--by", CLERK)
    assert cli.json(*args, "--dry-run") == {"dry_run": True, "recommendations": 1, "unsendable": []}
    status, out, _ = cli(*args)
    assert status == 0 and out.endswith("imported 1 recommendation\n")


def test_import_refuses_a_bad_cell_in_one_line(cli: Cli, code: str, tmp_path: Path) -> None:
    row = ("b", REPORT, "Publish", OFFICER, "soon", None, "proposed")
    path = workbook(tmp_path / "t.xlsx", PLAIN_HEADERS, [row])
    status, _, err = cli("import", str(path), "--by", CLERK)
    assert status == 2
    assert err.startswith("rectrack: error: Tracker!E2: 'soon' is not a date")


def test_a_map_is_only_for_a_spreadsheet(cli: Cli, code: str, tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text("{}", encoding="utf-8")
    (tmp_path / "map.toml").write_text("", encoding="utf-8")
    status, _, err = cli("import", str(tmp_path / "t.json"), "--map", str(tmp_path / "map.toml"))
    assert status == 2 and "only a spreadsheet" in err
