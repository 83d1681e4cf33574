"""What an update changes: a document's records compared with those the database holds.

Pure. `import --update` validates the document as an import would, except that a
record may name one the database holds (a person by email, a body by name, a
meeting by body and start, a report by reference, a recommendation by code). Such a
record is compared with the stored one, field by field, over the keys the document
gives: a key left out leaves the field as it is, and a key given as null clears it.
Everything else in the document is new and is added as an import adds it.

Only what the directory or the tracker may correct is changed this way. A change
that the workflow records otherwise is refused, naming the record, the field and
the command that makes it: a recommendation's text and dates (an amendment, which
needs its endorsement), its state and outcome (an event), its RAG (a progress
update), and its history (kept for good).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, NamedTuple, TypeVar

from workflow.interchange import checks
from workflow.interchange.records import (
    AuditRecord,
    BodyRecord,
    MeetingRecord,
    PersonRecord,
    RecommendationRecord,
    Related,
    ReportRecord,
    Validated,
)
from workflow.records import RELATED

# A recommendation's own fields an update may correct, and why the others are refused.
EDITABLE = ("priority", "owner", "lead_member", "group", "parent", "exempt", "exempt_reason")
_REFUSED = {
    "report": "names the recommendation and cannot change",
    "reference": "names the recommendation and cannot change",
    **dict.fromkeys(
        ("text", "target_date", "original_target_date", "monitoring_date"),
        "changes by an amendment, with its endorsement: use amend --from-file",
    ),
    "state": "changes by an event of the workflow: use respond, fire or undo",
    "closure_outcome": "changes by an event of the workflow: use respond, fire or undo",
    "rag": "changes with a progress update: use update CODE --rag",
    **dict.fromkeys(
        RELATED,
        "is kept for good and cannot be rewritten: use the command that adds to it "
        "(respond, fire, update, milestone, indicator)",
    ),
}
_REPORT_FIXED = {
    "from_body": "is the body that made it, whose chair acts on it, and cannot change",
    "submitted_on": "dates everything that happened to it and cannot change",
}


R = TypeVar("R", bound=tuple[Any, ...])
K = TypeVar("K")
Changes = dict[str, tuple[Any, Any]]  # field: (before, after), as the document has them
Given = Sequence[tuple[str, Iterable[str]]]  # each record's path and the keys it gives


class Edit(NamedTuple):
    """One record an update changes: each field's value before and after."""

    record: str  # person, body, meeting, report or recommendation
    ident: Any  # what finds it: an email, a name, a reference, a code or a MeetingKey
    changes: Changes

    def described(self) -> str:
        """The changes on one line: "owner a@x.example → b@x.example; group (none) → key"."""
        return "; ".join(
            f"{name} {_shown(old)} → {_shown(new)}" for name, (old, new) in self.changes.items()
        )

    @property
    def key(self) -> str:
        """The record as a person reads it (and the audit names it)."""
        if isinstance(self.ident, tuple):
            body, start = self.ident
            return f"{body} at {start.isoformat()}"
        return str(self.ident)


def _shown(value: object) -> str:
    if value is None or value == []:
        return "(none)"
    text = ", ".join(map(str, value)) if isinstance(value, list) else " ".join(str(value).split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


_SHOWN = 60
MeetingKey = tuple[str, datetime]  # the body's name and the start, in UTC


def meeting_key(meeting: MeetingRecord) -> MeetingKey:
    return meeting.body, meeting.starts_at.astimezone(UTC)


@dataclass(frozen=True)
class Stored:
    """The database's records that a document names, as validation would make them."""

    people: Mapping[str, PersonRecord] = field(default_factory=dict)
    bodies: Mapping[str, BodyRecord] = field(default_factory=dict)
    meetings: Mapping[MeetingKey, MeetingRecord] = field(default_factory=dict)
    meeting_ids: Mapping[MeetingKey, int] = field(default_factory=dict)
    reports: Mapping[str, ReportRecord] = field(default_factory=dict)
    recommendations: Mapping[str, RecommendationRecord] = field(default_factory=dict)
    audit: frozenset[tuple[str, str, str, datetime]] = frozenset()  # (record, key, action, at)


@dataclass(frozen=True)
class Update:
    """What an update adds (as an import would) and what it changes."""

    new: Validated
    edits: tuple[Edit, ...]


def diff(document: Mapping[str, Any], validated: Validated, stored: Stored) -> Update:
    """Split the document into what is new and what it changes; raise InterchangeError
    naming the record's path and field for a change an update may not make.
    """
    people, people_edits = _split(
        "person", _given(document, "people"), validated.people, stored.people,
        key=lambda p: p.email, compare=_fields,
    )  # fmt: skip
    bodies, body_edits = _split(
        "body", _given(document, "bodies"), validated.bodies, stored.bodies,
        key=lambda b: b.name, compare=_fields,
    )  # fmt: skip
    meetings, meeting_edits = _split(
        "meeting", _given(document, "meetings"), validated.meetings, stored.meetings,
        key=meeting_key, compare=_meeting_changes, twice=True,
    )  # fmt: skip
    reports, report_edits = _split(
        "report", _given(document, "reports"), validated.reports, stored.reports,
        key=lambda r: r.reference, compare=_report_changes,
    )  # fmt: skip
    recs, rec_edits = _split(
        "recommendation", _given(document, "recommendations"), validated.recommendations,
        stored.recommendations, key=lambda r: r.code, compare=_recommendation_changes,
    )  # fmt: skip
    audit = tuple(row for row in validated.audit if _audit_key(row) not in stored.audit)
    new = Validated(people, bodies, meetings, reports, recs, audit)
    edits = (*people_edits, *body_edits, *meeting_edits, *report_edits, *rec_edits)
    return Update(new, edits)


def recommendations_update(
    given: Given,
    recs: Sequence[RecommendationRecord],
    stored: Mapping[str, RecommendationRecord],
) -> Update:
    """`diff` for recommendations alone (a CSV): `given` is each one's (path, keys)."""
    new, edits = _split(
        "recommendation", given, recs, stored, key=lambda r: r.code,
        compare=_recommendation_changes,
    )  # fmt: skip
    return Update(Validated((), (), (), (), new), tuple(edits))


def _given(document: Mapping[str, Any], part: str) -> Given:
    """Each record's path and the keys it gives, in the order validation read them."""
    return [(f"{part}[{i}]", raw.keys()) for i, raw in enumerate(document.get(part) or [])]


def _split(
    what: str,
    given: Given,
    records: Sequence[R],
    stored: Mapping[K, R],
    *,
    key: Callable[[R], K],
    compare: Callable[[R, R, frozenset[str], str], Changes],
    twice: bool = False,
) -> tuple[tuple[R, ...], list[Edit]]:
    """The new records, and an edit for each stored one the document changes."""
    new: list[R] = []
    edits: list[Edit] = []
    seen: set[K] = set()
    for (path, keys), record in zip(given, records, strict=True):
        ident = key(record)
        old = stored.get(ident)
        if old is None:
            new.append(record)
            continue
        if twice and ident in seen:  # other kinds refuse a second one as they validate
            checks.fail(path, f"names the same {what} as one before it")
        seen.add(ident)
        changes = compare(old, record, frozenset(keys), path)
        if changes:
            edits.append(Edit(what, ident, changes))
    return tuple(new), edits


def _fields(old: Any, new: Any, keys: frozenset[str], path: str) -> Changes:
    """The fields the document gives that differ from the stored record's (NamedTuples)."""
    changes: Changes = {}
    order = _places(old._fields)
    for name in sorted(keys & order.keys(), key=order.__getitem__):  # a file names a few
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changes[name] = (_plain(before), _plain(after))
    return changes


@cache
def _places(fields: tuple[str, ...]) -> dict[str, int]:
    """A record's fields and their places, in the order the record has them."""
    return {name: place for place, name in enumerate(fields)}


def _plain(value: object) -> object:
    """A value as the document writes it: days and instants in ISO 8601, lists as lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _meeting_changes(
    old: MeetingRecord, new: MeetingRecord, keys: frozenset[str], path: str
) -> Changes:
    changes = _fields(old, new, keys, path)  # aware instants: equal whatever the offset
    if "cancelled_at" in changes and old.cancelled_at is not None:
        if new.cancelled_at is None:
            checks.fail(f"{path}.cancelled_at", "a cancelled meeting stays so: add a new one")
        if new.cancelled_at == old.cancelled_at:
            del changes["cancelled_at"]
        else:
            when = old.cancelled_at.isoformat()
            checks.fail(f"{path}.cancelled_at", f"the meeting was cancelled at {when}")
    return changes


def _report_changes(
    old: ReportRecord, new: ReportRecord, keys: frozenset[str], path: str
) -> Changes:
    changes = _fields(old, new, keys, path)
    for name, reason in _REPORT_FIXED.items():
        if name in changes:
            checks.fail(f"{path}.{name}", reason)
    return changes


def _recommendation_changes(
    old: RecommendationRecord, new: RecommendationRecord, keys: frozenset[str], path: str
) -> Changes:
    stored_related = old.related
    changes = _fields(old, new, keys, path)  # `related` is no key of a document's
    for name in changes:
        if name in _REFUSED:
            checks.fail(f"{path}.{name}", _REFUSED[name])
    if new.related is not None:
        _same_history(stored_related, new.related, keys, path)
    return changes


def _same_history(old: Related | None, new: Related, keys: frozenset[str], path: str) -> None:
    """Refuse a related list that is not the one the database holds, or how it began.

    A list exported before the latest changes is the stored one's beginning: the
    document is older, not different, and nothing in it is rewritten.
    """
    for name in RELATED:
        given, kept = getattr(new, name), getattr(old, name) if old else ()
        if name in keys and tuple(kept[: len(given)]) != given:
            checks.fail(f"{path}.{name}", _REFUSED[name])


def _audit_key(row: AuditRecord) -> tuple[str, str, str, datetime]:
    return row.record, row.key, row.action, row.at
