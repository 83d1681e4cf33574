"""A CSV of recommendations: imported all or nothing with row numbers in its errors, exported."""

from __future__ import annotations

from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import CHAIR, CLERK, CURRENT_TIME, OFFICER, World, make_recommendation, row_counts

from config import load_workflow_table
from config.periods import Period
from workflow import services
from workflow.errors import InterchangeError
from workflow.interchange import ImportSummary, export_csv, import_csv

TABLE = load_workflow_table()
HEADER = "report,reference,text,owner,target_date,monitoring_date,state"
ROWS = [
    f"CCS/09,a,Set objectives.,{OFFICER},2027-06-30,2027-04-20,endorsed",
    "CCS/09,b,Keep an open mind.,,,,proposed",
]


def import_(world: World, *lines: str, **options: Any) -> ImportSummary:
    defaults: dict[str, Any] = {
        "table": TABLE,
        "period": Period(2, "month"),
        "by": CLERK,
        "now": CURRENT_TIME,
        "tz": ZoneInfo("Europe/London"),
    }
    return import_csv(world.session, StringIO("\n".join(lines) + "\n"), **defaults | options)


def refusal(world: World, *lines: str) -> str:
    before = row_counts(world.session)
    with pytest.raises(InterchangeError) as refused:
        import_(world, *lines)
    assert row_counts(world.session) == before
    return str(refused.value)


def test_it_imports_each_row_as_a_recommendation(world: World) -> None:
    assert import_(world, HEADER, *ROWS).counts()["recommendations"] == 2
    rec = services.show_recommendation(world.session, "CCS/09/a")
    assert (rec["owner"], rec["state"], rec["target_date"]) == (OFFICER, "endorsed", "2027-06-30")
    assert rec["original_target_date"] == "2027-06-30"
    assert [line["event"] for line in rec["history"]] == ["import"]


def test_an_empty_cell_of_an_optional_value_is_none(world: World) -> None:
    import_(world, HEADER, *ROWS)
    rec = services.show_recommendation(world.session, "CCS/09/b")
    assert (rec["owner"], rec["target_date"], rec["monitoring_date"]) == (None, None, None)


def test_optional_columns_give_the_code_priority_and_lead_member(world: World) -> None:
    header = HEADER + ",code,priority,lead_member"
    import_(world, header, f"CCS/09,a,Text.,{OFFICER},,,proposed,CCS-A,key,{CHAIR}")
    rec = services.show_recommendation(world.session, "CCS-A")
    assert (rec["priority"], rec["lead_member"]) == ("key", CHAIR)


def test_headers_are_read_as_a_person_writes_them(world: World) -> None:
    header = "Report,Reference,Text,Owner,Target Date,Monitoring-Date,STATE"
    import_(world, header, *ROWS)
    assert services.show_recommendation(world.session, "CCS/09/a")["monitoring_date"]


def test_the_actor_is_named_in_each_import_line(world: World) -> None:
    import_(world, HEADER, *ROWS, by=CLERK)
    assert services.show_recommendation(world.session, "CCS/09/a")["history"][0]["actor"] == CLERK


def test_a_dry_run_writes_nothing(world: World) -> None:
    before = row_counts(world.session)
    assert import_(world, HEADER, *ROWS, dry_run=True).counts()["recommendations"] == 2
    assert row_counts(world.session) == before


def test_an_error_names_the_row_as_a_spreadsheet_counts_it_and_the_code(world: World) -> None:
    bad = "CCS/09,c,Text.,x@y,,,proposed"
    assert (
        refusal(world, HEADER, *ROWS, bad) == "row 4 (CCS/09/c).owner: no person with email 'x@y'"
    )


def test_a_blank_line_still_counts_as_a_row(world: World) -> None:
    bad = "CCS/09,c,Text.,,2027-02-30,,proposed"
    message = refusal(world, HEADER, ROWS[0], "", bad)
    assert message.startswith("row 4 (CCS/09/c).target_date: '2027-02-30' is not a date")


def test_a_cell_over_several_lines_is_one_row(world: World) -> None:
    bad = "CCS/09,c,Text.,,,,limbo"
    message = refusal(world, HEADER, 'CCS/09,a,"Two\nlines.",,,,proposed', bad)
    assert message.startswith("row 3 (CCS/09/c).state: unknown state 'limbo'")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("CCS/10,a,T.,,,,proposed", "row 2 (CCS/10/a).report: no report with reference 'CCS/10'"),
        ("CCS/09,a,T.,,,,done", "row 2 (CCS/09/a).state: unknown state 'done'"),
        ('CCS/09,a,T.,"x\r\ny",,,proposed', "row 2 (CCS/09/a).owner: 'x\\r\\ny' is not a plain"),
        ("CCS/09,,T.,,,,proposed", "row 2 (CCS/09/).reference: must be a non-empty string"),
        ("CCS/09,a,T.,,,,proposed,extra", "row 2: has 8 cells, but the header names 7 columns"),
        ("CCS/09,a,T.,,31/12/2027,,proposed", "row 2 (CCS/09/a).target_date: '31/12/2027'"),
    ],
)
def test_a_bad_row_is_refused_and_nothing_is_written(world: World, row: str, message: str) -> None:
    assert refusal(world, HEADER, row).startswith(message)


def test_a_code_given_twice_is_refused(world: World) -> None:
    message = refusal(world, HEADER, ROWS[0], ROWS[0])
    assert message == "row 3 (CCS/09/a).code: code 'CCS/09/a' appears twice"


def test_a_code_already_in_the_database_is_refused(world: World) -> None:
    make_recommendation(world, "a")
    assert refusal(world, HEADER, ROWS[0]).startswith(
        "row 2 (CCS/09/a).code: code 'CCS/09/a' already"
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (HEADER + ",colour", "row 1: unknown column 'colour' (columns: report, reference"),
        (HEADER.replace(",state", ""), "row 1: missing column 'state'"),
        (HEADER.replace("report,reference", "reference"), "row 1: missing column 'report'"),
        (HEADER + ",state", "row 1: column 'state' appears twice"),
    ],
)
def test_a_bad_header_is_refused(world: World, header: str, message: str) -> None:
    assert refusal(world, header, *ROWS).startswith(message)


def test_an_empty_file_is_refused_for_its_missing_columns(world: World) -> None:
    assert refusal(world).startswith("row 1: missing column 'report'")


def test_a_nul_byte_is_refused_with_its_row(world: World) -> None:
    assert refusal(world, HEADER, "CCS/09,a,T\x00.,,,,proposed").startswith("row 2")


# -- export ------------------------------------------------------------------------------

EXPORT_HEADER = "report,reference,code,text,priority,owner,lead_member,state"
EXPORT_HEADER += ",target_date,monitoring_date"


def exported(world: World) -> str:
    stream = StringIO()
    export_csv(world.session, stream)
    return stream.getvalue()


def test_the_export_has_a_row_per_recommendation_under_the_import_columns(world: World) -> None:
    make_recommendation(world, "a", owner=OFFICER)
    assert exported(world).splitlines() == [
        EXPORT_HEADER,
        f"CCS/09,a,CCS/09/a,Recommendation a,,{OFFICER},,proposed,,",
    ]


def test_an_exported_csv_imports_as_it_was(world: World) -> None:
    lines = [
        EXPORT_HEADER,
        f'CCS/09,a,A-1,"Text, with a comma",key,{OFFICER},{CHAIR},endorsed,2027-06-30,',
        'CCS/09,b,CCS/09/b,"Two\nlines",,,,proposed,,2027-04-20',
    ]
    import_(world, *lines)
    assert exported(world) == "\n".join(lines) + "\n"


def test_a_code_with_a_line_break_is_shown_escaped_in_the_refusal(world: World) -> None:
    header = HEADER + ",code"
    message = refusal(world, header, 'CCS/09,z,Text.,,,,proposed,"CC\rX"')
    assert message.startswith("row 2 ('CC\\rX').code:")
