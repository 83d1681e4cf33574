"""Random maps and random cells never crash an XLSX import: it loads cleanly, or it is
refused naming a cell of the sheet or a key of the map."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from factories import CLERK, CURRENT_TIME, OFFICER, REPORT, World
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from workflow import services
from workflow.errors import InterchangeError
from workflow.interchange.tracker_map import FIELDS
from workflow.lifecycle import Lifecycle

HEADERS = ("Ref", "Paper", "What", "Who", "By when", "Review", "Status", "RAG", "Notes")
CELL = r"Tracker!([A-Z]+[0-9]+|[0-9]+:[0-9]+)"
PLACE = re.compile(rf'^({CELL}|map\.toml [a-z_]+(\.([\w-]+|"[^"]*"))?): ')

STATES = ["in_progress", "closed/implemented", "proposed", "done", "monitored/noted"]
# Cells as a workbook holds them, and the words a clerk might type.
words = st.sampled_from(
    ["", "a", "b", REPORT, OFFICER, "Olive Officer", "Complete", "Ongoing", "green", "Red",
     "soon", "31/02/2027", "14/04/2027", "2027-06-30", "closed/implemented", "proposed"]
)  # fmt: skip
cells = st.one_of(
    st.none(),
    words,
    st.text(alphabet=st.characters(codec="ascii", categories=["L", "N", "P", "Zs"]), max_size=12),
    st.integers(-10, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(date(1900, 3, 1), date(2300, 1, 1)),
    st.datetimes(datetime(1900, 3, 1), datetime(2300, 1, 1)),
)
maps = st.fixed_dictionaries(
    {},
    optional={
        "columns": st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(HEADERS), max_size=6),
        "defaults": st.dictionaries(st.sampled_from(FIELDS), words.filter(bool), max_size=3),
        "states": st.dictionaries(words.filter(bool), st.sampled_from(STATES), max_size=3),
        "rags": st.dictionaries(words.filter(bool), st.sampled_from(["green", "blue"]), max_size=2),
    },
)  # fmt: skip


def toml(tracker_map: dict[str, dict[str, str]]) -> str:
    """The map as TOML: each part a table of quoted keys and values."""
    lines = []
    for part, table in tracker_map.items():
        lines.append(f"[{part}]")
        lines += [f'"{key}" = "{value}"' for key, value in table.items()]
    return "\n".join(lines) + "\n"


def write_workbook(path: Path, rows: list[list[Any]]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tracker"
    for row in [list(HEADERS), *rows]:
        sheet.append(row)
    book.save(path)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tracker_map=maps, rows=st.lists(st.lists(cells, min_size=9, max_size=9), max_size=4))
def test_any_map_and_cells_load_or_are_refused_naming_a_place(
    world: World,
    lifecycle: Lifecycle,
    tracker_map: dict[str, dict[str, str]],
    rows: list[list[Any]],
) -> None:
    with TemporaryDirectory() as folder:
        path, map_path = Path(folder) / "t.xlsx", Path(folder) / "map.toml"
        write_workbook(path, rows)
        map_path.write_text(toml(tracker_map), encoding="utf-8")
        try:
            services.import_tracker_xlsx(
                world.session, path, table=lifecycle.table, tz=lifecycle.tz, by=CLERK,
                now=CURRENT_TIME, map_path=map_path, dry_run=True,
            )  # fmt: skip
        except InterchangeError as refused:
            assert PLACE.match(str(refused)), str(refused)
