"""Validate one recommendation and what it carries: responses, updates, history and so on.

Pure. This is the hot path of a large import, so a plain recommendation (no related
lists) costs one pass over its fields and one tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from workflow.interchange import checks
from workflow.interchange.records import (
    AmendmentRecord,
    HistoryRecord,
    IndicatorRecord,
    MilestoneRecord,
    ReadingRecord,
    RecommendationRecord,
    Related,
    ResponseRecord,
    UpdateRecord,
)
from workflow.interchange.replay import check_replay
from workflow.interchange.scope import (
    INDICATOR_KINDS,
    OUTCOME_NAMES,
    Scope,
    body_ref,
    new_key,
    person_ref,
    report_ref,
)
from workflow.interchange.shapes import KEYS, REQUIRED
from workflow.records import RAGS, RELATED

T = TypeVar("T")
_KEYS, _REQUIRED = KEYS["recommendation"], REQUIRED["recommendation"]
_RELATED = frozenset(RELATED)
_EVENT_NAME_LENGTH = 32  # the width of the history's event column
GROUP_MAX = 64  # the width of the group column


def recommendation(raw: object, path: str, scope: Scope) -> RecommendationRecord:
    rec = checks.fields(raw, _KEYS, _REQUIRED, path)
    report = report_ref(rec["report"], f"{path}.report", scope)
    reference = checks.line(rec["reference"], f"{path}.reference")
    code = checks.maybe_line(rec.get("code"), f"{path}.code") or f"{report}/{reference}"
    new_key(code, scope.codes, scope.known.codes, f"{path}.code", "code", scope)
    if not (scope.updating and code in scope.known.codes):  # an update keeps its own
        _new_reference(report, reference, f"{path}.reference", scope)
    state = checks.choice(
        rec.get("state", scope.table.initial), scope.table.states, f"{path}.state", "state"
    )
    target_date = checks.maybe_day(rec.get("target_date"), f"{path}.target_date")
    return RecommendationRecord(
        report,
        reference,
        code,
        checks.text(rec["text"], f"{path}.text"),
        checks.maybe_line(rec.get("priority"), f"{path}.priority"),
        person_ref(rec.get("owner"), f"{path}.owner", scope),
        person_ref(rec.get("lead_member"), f"{path}.lead_member", scope),
        state,
        target_date,
        _original(rec, target_date, f"{path}.original_target_date"),
        checks.maybe_day(rec.get("monitoring_date"), f"{path}.monitoring_date"),
        checks.maybe_choice(rec.get("rag"), RAGS, f"{path}.rag", "RAG status"),
        _outcome(rec.get("closure_outcome"), state, f"{path}.closure_outcome", scope),
        _group(rec.get("group"), f"{path}.group"),
        _parent(rec.get("parent"), code, f"{path}.parent"),
        *_exemption(rec, path),
        None if _RELATED.isdisjoint(rec) else related(rec, state, path, scope),
    )


def _group(value: object, path: str) -> str | None:
    group = checks.maybe_line(value, path)
    if group is not None and len(group) > GROUP_MAX:
        checks.fail(path, f"is longer than {GROUP_MAX} characters")
    return group


def _exemption(rec: dict[str, Any], path: str) -> tuple[bool, str | None]:
    """Whether it is exempt, and why: an exempt one names its paragraph of Schedule 12A."""
    exempt = rec.get("exempt", False)
    if not isinstance(exempt, bool):
        checks.fail(f"{path}.exempt", f"must be true or false, not {checks.shown(exempt)}")
    reason = checks.maybe_line(rec.get("exempt_reason"), f"{path}.exempt_reason")
    if exempt and reason is None:
        checks.fail(f"{path}.exempt_reason", "an exempt recommendation names its paragraph of "
                    "Schedule 12A")  # fmt: skip
    if reason is not None and not exempt:
        checks.fail(f"{path}.exempt_reason", "only an exempt recommendation has one")
    return exempt, reason


def _parent(value: object, code: str, path: str) -> str | None:
    """A parent's code; whether it exists is checked once every code is known."""
    parent = checks.maybe_line(value, path)
    if parent == code:
        checks.fail(path, "a recommendation cannot come under itself")
    return parent


def check_parents(recs: Sequence[RecommendationRecord], codes: Set[str], path: str) -> None:
    """Refuse a parent that is neither in the document nor in the database."""
    for i, rec in enumerate(recs):
        if rec.parent is not None and rec.parent not in codes:
            checks.fail(f"{path}[{i}].parent", f"no recommendation with code {rec.parent!r}")


def _new_reference(report: str, reference: str, path: str, scope: Scope) -> None:
    if (report, reference) in scope.references:
        shown = checks.shown
        checks.fail(path, f"report {shown(report)} already has a recommendation {shown(reference)}")
    scope.references.add((report, reference))


def _original(rec: dict[str, Any], target_date: date | None, path: str) -> date | None:
    """The baseline target; when not given, the target itself is the baseline."""
    if "original_target_date" not in rec:
        return target_date
    return checks.maybe_day(rec["original_target_date"], path)


def _outcome(value: object, state: str, path: str, scope: Scope) -> str | None:
    outcome = checks.maybe_choice(value, OUTCOME_NAMES, path, "closure outcome")
    if outcome is not None and state not in scope.table.final:
        final = ", ".join(scope.table.final)
        checks.fail(path, f"only a recommendation in a final state ({final}) has one, not {state}")
    return outcome


def related(rec: dict[str, Any], state: str, path: str, scope: Scope) -> Related:
    def each(key: str, check: Callable[[object, str, Scope], T]) -> tuple[T, ...]:
        records = checks.items(rec.get(key), f"{path}.{key}")
        return tuple(check(raw, f"{path}.{key}[{i}]", scope) for i, raw in enumerate(records))

    history = each("history", history_line)
    check_replay(history, scope.table, path)
    if history and history[-1].to_state != state:
        checks.fail(
            f"{path}.history[{len(history) - 1}].to_state",
            f"the history ends in {history[-1].to_state}, but the state is {state}",
        )
    return Related(
        each("responses", response),
        each("updates", update),
        each("amendments", amendment),
        each("milestones", milestone),
        each("indicators", indicator),
        history,
    )


def response(raw: object, path: str, scope: Scope) -> ResponseRecord:
    record = checks.fields(raw, KEYS["response"], REQUIRED["response"], path)
    decisions = [spec.name for spec in scope.table.events if "record_response" in spec.effects]
    return ResponseRecord(
        checks.choice(record["decision"], decisions, f"{path}.decision", "decision"),
        checks.maybe_day(record.get("timescale"), f"{path}.timescale"),
        checks.maybe_text(record.get("comment"), f"{path}.comment"),
        person_ref(record.get("by"), f"{path}.by", scope),
        *_when(record, path),
        _undone(record, path),
    )


def _undone(record: dict[str, Any], path: str) -> bool:
    value = record.get("undone", False)
    if not isinstance(value, bool):
        checks.fail(f"{path}.undone", f"must be true or false, not {checks.shown(value)}")
    return value


def _when(record: dict[str, Any], path: str) -> tuple[datetime, date]:
    """When it was recorded, and the day it happened: that day, unless it says another."""
    at = checks.instant(record["at"], f"{path}.at")
    on = checks.maybe_day(record.get("effective_on"), f"{path}.effective_on")
    return at, on or at.astimezone(UTC).date()


def update(raw: object, path: str, scope: Scope) -> UpdateRecord:
    record = checks.fields(raw, KEYS["update"], REQUIRED["update"], path)
    return UpdateRecord(
        checks.text(record["note"], f"{path}.note"),
        checks.maybe_choice(record.get("rag"), RAGS, f"{path}.rag", "RAG status"),
        person_ref(record.get("by"), f"{path}.by", scope),
        *_when(record, path),
        _undone(record, path),
    )


def amendment(raw: object, path: str, scope: Scope) -> AmendmentRecord:
    record = checks.fields(raw, KEYS["amendment"], REQUIRED["amendment"], path)
    return AmendmentRecord(
        checks.text(record["reason"], f"{path}.reason"),
        body_ref(record["endorsed_by"], f"{path}.endorsed_by", scope),
        checks.day(record["endorsed_on"], f"{path}.endorsed_on"),
        checks.mapping(record.get("changes"), f"{path}.changes"),
        person_ref(record.get("by"), f"{path}.by", scope),
        checks.instant(record["at"], f"{path}.at"),
        _undone(record, path),
    )


def milestone(raw: object, path: str, scope: Scope) -> MilestoneRecord:
    record = checks.fields(raw, KEYS["milestone"], REQUIRED["milestone"], path)
    return MilestoneRecord(
        checks.line(record["title"], f"{path}.title"),
        checks.maybe_day(record.get("due_on"), f"{path}.due_on"),
        checks.maybe_day(record.get("done_on"), f"{path}.done_on"),
    )


def indicator(raw: object, path: str, scope: Scope) -> IndicatorRecord:
    record = checks.fields(raw, KEYS["indicator"], REQUIRED["indicator"], path)
    return IndicatorRecord(
        checks.choice(record["kind"], INDICATOR_KINDS, f"{path}.kind", "kind of indicator"),
        checks.line(record["name"], f"{path}.name"),
        checks.maybe_line(record.get("unit"), f"{path}.unit"),
        checks.number(record.get("baseline"), f"{path}.baseline"),
        checks.number(record.get("target"), f"{path}.target"),
        checks.number(record.get("actual"), f"{path}.actual"),
        tuple(
            _reading(raw, f"{path}.readings[{i}]", scope)
            for i, raw in enumerate(checks.items(record.get("readings", []), f"{path}.readings"))
        ),
    )


def _reading(raw: object, path: str, scope: Scope) -> ReadingRecord:
    record = checks.fields(raw, KEYS["reading"], REQUIRED["reading"], path)
    value = checks.number(record["value"], f"{path}.value")
    if value is None:
        checks.fail(f"{path}.value", "must be a number")
    return ReadingRecord(
        value,
        checks.day(record["on"], f"{path}.on"),
        person_ref(record.get("by"), f"{path}.by", scope),
        checks.instant(record["at"], f"{path}.at"),
    )


def history_line(raw: object, path: str, scope: Scope) -> HistoryRecord:
    record = checks.fields(raw, KEYS["history"], REQUIRED["history"], path)
    states = scope.table.states
    event = checks.line(record["event"], f"{path}.event")
    if len(event) > _EVENT_NAME_LENGTH:
        checks.fail(f"{path}.event", f"{event!r} is longer than {_EVENT_NAME_LENGTH} characters")
    return HistoryRecord(
        event,
        checks.maybe_choice(record.get("from_state"), states, f"{path}.from_state", "state"),
        checks.choice(record["to_state"], states, f"{path}.to_state", "state"),
        person_ref(record.get("actor"), f"{path}.actor", scope),
        *_when(record, path),
        checks.maybe_text(record.get("note"), f"{path}.note"),
        checks.mapping(record.get("data"), f"{path}.data"),
    )
