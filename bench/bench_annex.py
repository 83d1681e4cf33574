"""Usage: python -m bench.bench_annex [--recs N] [--rounds N]  (the annex vs its libraries)

A tracker like seed 000's of `--recs` recommendations (10 reports of 15 key and 85
individual, most agreed, re-based and updated, the key ones with milestones and an
indicator) is loaded, not timed. Then the annex is made the way `rectrack annex`
makes it: the records read from the database, laid out, rendered, printed.

- PDF: rectrack's whole annex against WeasyPrint printing the same finished HTML
  (with the same PDF/UA-1 tagging), in the same run. What lies between is rectrack's
  own work: the queries, the layout and the templates.
- XLSX: rectrack's whole annex against openpyxl writing the same cells (the same
  values and styles, dates as dates with their number format, in a write-only
  workbook), in the same run: rectrack's own work is the queries, the layout and
  the values of the cells.

Each pair is run in turn, `--rounds` times (the XLSX three times as often), and
the fastest of each is reported.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bench.annex_data import seed
from bench.common import fresh_sqlite, report, timed
from config import load_workflow_table
from reports.annex import Annex, build_annex
from reports.html import render_html
from reports.pdf import PDF_VARIANT, html_to_pdf
from reports.xlsx import COLUMNS, DATE_FORMAT, annex_to_xlsx
from workflow.db import new_session
from workflow.services.annex import annex_records

TODAY = date(2027, 4, 1)
GOAL = "at most 1.5x"


def make_annex(engine: Engine) -> Annex:
    """What `rectrack annex` does before it renders: read the records, lay them out."""
    table = load_workflow_table()
    with new_session(engine) as session:
        records = annex_records(session, table, TODAY)
    return build_annex(records, table.states)


def weasyprint_alone(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)
    return pdf


def openpyxl_alone(rows: list[list[Any]]) -> bytes:
    """openpyxl writing the same cells: the same values, each top-aligned and wrapped,
    dates with the same number format, the header bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Tracker")
    sheet.freeze_panes = "A2"
    top, bold = Alignment(vertical="top", wrap_text=True), Font(bold=True)
    for n, row in enumerate(rows):
        written = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.alignment = top
            if n == 0:
                cell.font = bold
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            written.append(cell)
        sheet.append(written)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def cells(annex: Annex) -> list[list[Any]]:
    """The values the tracker sheet holds, header first."""
    header = [name for name, _, _ in COLUMNS]
    return [header, *([value(rec) for _, _, value in COLUMNS] for rec in annex.recs())]


def fastest(rounds: int, ours: Callable[[], object], floor: Callable[[], object]) -> list[float]:
    """The fastest time of each, run in turn, so a busy machine slows both alike."""
    times: list[list[float]] = [[], []]
    for _ in range(rounds):
        times[0].append(timed(ours))
        times[1].append(timed(floor))
    return [min(measured) for measured in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recs", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = fresh_sqlite(Path(tmp, "annex.db"))
        seed(engine, args.recs)
        annex = make_annex(engine)
        html, rows = render_html(annex), cells(annex)
        pdf_ours, pdf_floor = fastest(
            args.rounds,
            lambda: html_to_pdf(render_html(make_annex(engine))),
            lambda: weasyprint_alone(html),
        )
        xlsx_ours, xlsx_floor = fastest(
            args.rounds * 3,  # a second each: more rounds for the same cost
            lambda: annex_to_xlsx(make_annex(engine)),
            lambda: openpyxl_alone(rows),
        )
        engine.dispose()
    n = f"{args.recs:,}"
    report(
        f"The annex of {n} recommendations as PDF (fastest of {args.rounds})",
        [("rectrack annex --format pdf", pdf_ours, "s"), ("WeasyPrint, same HTML", pdf_floor, "s")],
        pdf_ours / pdf_floor,
        GOAL,
    )
    report(
        f"The annex of {n} recommendations as XLSX (fastest of {args.rounds * 3})",
        [
            ("rectrack annex --format xlsx", xlsx_ours * 1000, "ms"),
            ("openpyxl, same cells", xlsx_floor * 1000, "ms"),
        ],
        xlsx_ours / xlsx_floor,
        GOAL,
    )


if __name__ == "__main__":
    main()
