"""The annex as a spreadsheet: one row a recommendation, real dates, a summary sheet.

The only module that imports openpyxl. The first sheet is the tracker itself
(frozen header row, filters, dates as date cells), the second the summary and
the RAG key, as the paper has them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from io import BytesIO
from typing import Any

from reports import wording
from reports.annex import Annex, group_title
from workflow.annex_records import RecRecord

DATE_FORMAT = "dd mmm yyyy"
A4 = "9"  # Excel's number for the paper size
Column = tuple[str, int, Callable[[RecRecord], Any]]  # header, width, value
# The cells a redacted recommendation fills (`reports.annex.for_public` says what it keeps).
REDACTED_SHOWN = frozenset({"Code", "Report", "Group", "Exempt", "State"})


def _response(rec: RecRecord, part: str) -> Any:
    return getattr(rec.response, part) if rec.response else None


def _update(rec: RecRecord, part: str) -> Any:
    return getattr(rec.latest_update, part) if rec.latest_update else None


def _monitored(rec: RecRecord) -> str:
    lines = [wording.milestone(m) for m in rec.milestones]
    return "\n".join(lines + [wording.indicator(i) for i in rec.indicators])


COLUMNS: tuple[Column, ...] = (
    ("Code", 24, lambda r: r.code),
    ("Report", 12, lambda r: r.report),
    ("Group", 24, lambda r: group_title(r.group)),
    ("Recommendation", 60, lambda r: r.text or None),
    ("Exempt", 30, lambda r: r.exempt_reason if r.exempt else None),
    ("Response", 16, lambda r: wording.decision(r.response)),
    ("Response date", 13, lambda r: _response(r, "on")),
    ("Timescale", 13, lambda r: _response(r, "timescale")),
    ("Response text", 50, lambda r: _response(r, "comment")),
    ("Lead officer", 20, lambda r: r.owner),
    ("Lead member", 20, lambda r: r.lead_member),
    ("Original target", 13, lambda r: r.original_target),
    ("Current target", 13, lambda r: r.target),
    ("Re-based", 9, lambda r: len(r.rebasings) or None),
    ("Re-basings endorsed", 30, lambda r: wording.rebasings(r) or None),
    ("Monitoring date", 13, lambda r: r.monitoring_date),
    ("Latest update date", 13, lambda r: _update(r, "on")),
    ("Latest update", 60, lambda r: _update(r, "note")),
    ("Milestones and indicators", 50, lambda r: _monitored(r) or None),
    ("RAG", 9, lambda r: r.rag.capitalize() if r.rag else None),
    ("State", 16, wording.state),
    ("Proposed action", 18, lambda r: r.action.value if r.action else None),
)


def annex_to_xlsx(annex: Annex) -> bytes:
    """The annex as the bytes of an .xlsx workbook."""
    from openpyxl import Workbook  # loaded only when a workbook is made

    book = Workbook(write_only=True)
    _tracker(book, annex)
    _summary(book, annex)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _tracker(book: Any, annex: Annex) -> None:
    from openpyxl.styles import Alignment, Font

    sheet = book.create_sheet("Tracker")
    sheet.freeze_panes = "A2"
    _printed(sheet)
    for i, (_, width, _) in enumerate(COLUMNS):
        sheet.column_dimensions[_letter(i)].width = width
    recs = annex.recs()
    sheet.auto_filter.ref = f"A1:{_letter(len(COLUMNS) - 1)}{len(recs) + 1}"
    top = Alignment(vertical="top", wrap_text=True)
    header = [_cell(sheet, name, top) for name, _, _ in COLUMNS]
    for cell in header:
        cell.font = Font(bold=True)
    sheet.append(header)
    for rec in recs:
        values = [
            value(rec) if not rec.redacted or name in REDACTED_SHOWN else None
            for name, _, value in COLUMNS
        ]
        sheet.append([_cell(sheet, value, top) for value in values])


def _printed(sheet: Any) -> None:
    """Printed as the paper is: A4 landscape, one page wide, the header on every page."""
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _cell(sheet: Any, value: Any, alignment: Any = None) -> Any:
    cell = _cell_class()(sheet, value=value)
    if alignment is not None:
        cell.alignment = alignment
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


@cache
def _cell_class() -> Any:
    """openpyxl's write-only cell, imported once, when the first workbook is made."""
    from openpyxl.cell import WriteOnlyCell

    return WriteOnlyCell


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _summary(book: Any, annex: Annex) -> None:
    sheet = book.create_sheet("Summary")
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 50
    sheet.append([annex.title])
    when = "Due at the meeting of" if annex.meeting else "As at"
    sheet.append([when, _cell(sheet, annex.meeting or annex.on)])
    sheet.append([])
    sheet.append(["State", "Number"])
    for state, count in annex.summary.by_state:
        sheet.append([wording.words(state), count])
    sheet.append(["Total", annex.summary.total])
    sheet.append([])
    sheet.append(["RAG", "Number"])
    for rag, count in annex.summary.by_rag:
        sheet.append([wording.words(rag), count])
    sheet.append([])
    sheet.append(["RAG key", "Meaning"])
    for rag, meaning in annex.rag_key:
        sheet.append([wording.words(rag), meaning])
