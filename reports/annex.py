"""The tracker annex, laid out: the summary, the RAG key, then each report by group.

Pure: built from the plain records of `workflow.annex_records`, and rendered as
HTML, PDF or XLSX by the modules beside this one. What a public paper hides of an
exempt recommendation is said once, in `for_public`, before anything is laid out,
so no renderer can show what is not there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from workflow.annex_records import AnnexRecords, RecRecord, ReportRecord
from workflow.records import RAGS

GROUP_ORDER = ("key", "individual")  # the seed's order: key recommendations first
NO_GROUP = "Other recommendations"
NO_RAG = "not set"
WITHHELD = "exempt"  # a public paper's count of the RAGs it does not show
# What each RAG status means, in the words of councils' trackers.
RAG_KEY = (
    ("green", "On track, or complete"),
    ("amber", "Some slippage: the target is at risk"),
    ("red", "Off track: the target is missed or at serious risk"),
    (NO_RAG, "No status reported yet"),
)


def for_public(rec: RecRecord) -> RecRecord:
    """The recommendation as a public paper may show it: an exempt one by its code,
    state and the reason it is exempt, and nothing else (no text, response, update,
    people, dates or figures). Its report and group only place it in the annex.
    """
    if not rec.exempt:
        return rec
    return RecRecord(
        code=rec.code,
        report=rec.report,
        group=rec.group,
        text="",
        state=rec.state,
        outcome=None,
        rag=None,
        owner=None,
        lead_member=None,
        original_target=None,
        target=None,
        monitoring_date=None,
        response=None,
        rebasings=(),
        latest_update=None,
        milestones=(),
        indicators=(),
        action=None,
        exempt=True,
        exempt_reason=rec.exempt_reason,
        redacted=True,
    )


@dataclass(frozen=True)
class Group:
    """One group of a report's recommendations: "Key recommendations", say."""

    name: str | None
    title: str
    recs: tuple[RecRecord, ...]


@dataclass(frozen=True)
class Section:
    """One report and its recommendations, group by group."""

    report: ReportRecord
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class Summary:
    total: int
    by_state: tuple[tuple[str, int], ...]  # in the workflow's order of states
    by_rag: tuple[tuple[str, int], ...]  # green, amber, red, not set (and exempt, in public)
    exempt: int


@dataclass(frozen=True)
class Annex:
    title: str
    on: date
    meeting: date | None
    body: str | None
    public: bool
    summary: Summary
    rag_key: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]

    def recs(self) -> list[RecRecord]:
        """Every recommendation shown, in the annex's order."""
        return [rec for section in self.sections for g in section.groups for rec in g.recs]


def build_annex(records: AnnexRecords, states: Sequence[str], public: bool = False) -> Annex:
    """Lay out the records; `states` is the workflow's, in its order; `public` hides
    what `for_public` hides."""
    recs = [for_public(rec) if public else rec for rec in records.recommendations]
    sections = tuple(
        Section(report, _groups([rec for rec in recs if rec.report == report.reference]))
        for report in records.reports
    )
    return Annex(
        title=_title(records, public),
        on=records.on,
        meeting=records.meeting,
        body=records.body,
        public=public,
        summary=_summary(recs, states),
        rag_key=RAG_KEY,
        sections=sections,
    )


def _title(records: AnnexRecords, public: bool) -> str:
    title = "Recommendations tracker"
    if records.body:
        title += f": {records.body}"
    return title + (" (public)" if public else "")


def _groups(recs: Sequence[RecRecord]) -> tuple[Group, ...]:
    names = {rec.group for rec in recs}
    ordered: list[str | None] = [g for g in GROUP_ORDER if g in names]
    ordered += sorted(g for g in names if g is not None and g not in GROUP_ORDER)
    ordered += [None] if None in names else []
    return tuple(
        Group(name, group_title(name), tuple(rec for rec in recs if rec.group == name))
        for name in ordered
    )


def group_title(name: str | None) -> str:
    return f"{name.replace('_', ' ').capitalize()} recommendations" if name else NO_GROUP


def _summary(recs: Sequence[RecRecord], states: Sequence[str]) -> Summary:
    by_state = Counter(rec.state for rec in recs)
    by_rag = Counter(WITHHELD if rec.redacted else rec.rag or NO_RAG for rec in recs)
    known = [*states, *sorted(set(by_state) - set(states))]  # a state the table dropped
    rags = (*RAGS, NO_RAG, WITHHELD) if by_rag[WITHHELD] else (*RAGS, NO_RAG)
    return Summary(
        total=len(recs),
        by_state=tuple((state, by_state[state]) for state in known if by_state[state]),
        by_rag=tuple((rag, by_rag[rag]) for rag in rags),
        exempt=sum(1 for rec in recs if rec.exempt),
    )
