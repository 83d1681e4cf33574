"""The executive's response sheet for a report: what still awaits a response, what was said.

The statutory clock runs from the day the report was submitted to its response due
date; the sheet says how many days are left (below zero once overdue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from config.workflow_table import WorkflowTable
from workflow import store
from workflow.annex_records import RecRecord, ReportRecord
from workflow.services.annex import AnnexChoice, annex_records, report_record
from workflow.services.reading import RecFilters, list_recommendations


@dataclass(frozen=True)
class ResponseSheet:
    report: ReportRecord
    days_left: int  # to the response due date; below zero once overdue
    awaiting: tuple[RecRecord, ...]  # no response in force yet, in the report's order
    answered: tuple[RecRecord, ...]  # the rest, each with its response (if any) and state


def days_left(due_on: date, today: date) -> int:
    """Days from `today` to `due_on`: zero on the day, below zero once it has passed."""
    return (due_on - today).days


def response_sheet(
    session: Session, table: WorkflowTable, reference: str, today: date
) -> ResponseSheet:
    """The report's response sheet as of `today`; raise NotFound if there is no such report."""
    report = _report(session, reference)
    recs = annex_records(session, table, today, AnnexChoice(reports=(reference,))).recommendations
    waiting = RecFilters(report=reference, awaiting_response=True)
    codes = {row["code"] for row in list_recommendations(session, table, today, waiting)}
    return ResponseSheet(
        report,
        days_left(report.response_due_on, today),
        tuple(rec for rec in recs if rec.code in codes),
        tuple(rec for rec in recs if rec.code not in codes),
    )


def _report(session: Session, reference: str) -> ReportRecord:
    row = store.get_report(session=session, reference=reference)
    return report_record(row, store.body_names_by_id(session=session))
