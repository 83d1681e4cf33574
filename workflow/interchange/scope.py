"""What a reference in a document may name, and the value lists records are checked against.

Pure: the database's contents come in as `Known`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from config.workflow_table import OUTCOMES, ROLES, WorkflowTable
from workflow.interchange import checks
from workflow.interchange.records import Known

ROLE_NAMES = tuple(sorted(ROLES))
INDICATOR_KINDS = ("cost", "saving", "outcome")
OUTCOME_NAMES = tuple(sorted(OUTCOMES))


@dataclass
class Scope:
    """The keys of the database's records and of the document's records seen so far."""

    table: WorkflowTable
    known: Known
    tz: ZoneInfo | None = None  # the council's: a meeting time without an offset is in it
    # An update (`import --update`) may name a record the database holds, once: it is
    # compared with what is there rather than refused.
    updating: bool = False
    updated: set[tuple[str, str]] = field(default_factory=set)  # (what, key) named so far
    emails: set[str] = field(default_factory=set)
    bodies: set[str] = field(default_factory=set)
    reports: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    references: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.emails |= self.known.emails
        self.bodies |= self.known.bodies
        self.reports |= self.known.reports
        self.codes |= self.known.codes
        self.references |= self.known.references


# References are checked against keys that passed their own checks already; a value
# found among them as it stands needs no second look.


def person_ref(value: object, path: str, scope: Scope) -> str | None:
    """An optional reference to a person by email, in any case."""
    if isinstance(value, str) and value in scope.emails:
        return value
    return checks.known(checks.maybe_email(value, path), scope.emails, path, "person with email")


def body_ref(value: object, path: str, scope: Scope) -> str:
    if isinstance(value, str) and value in scope.bodies:
        return value
    name = checks.line(value, path)
    checks.known(name, scope.bodies, path, "body named")
    return name


def report_ref(value: object, path: str, scope: Scope) -> str:
    if isinstance(value, str) and value in scope.reports:
        return value
    reference = checks.line(value, path)
    checks.known(reference, scope.reports, path, "report with reference")
    return reference


def new_key(
    value: str, taken: set[str], existing: frozenset[str], path: str, what: str, scope: Scope
) -> None:
    """Refuse a second record with the same key, in the document or in the database.

    In an update, a key the database holds may be named once: that record is updated.
    """
    if scope.updating and value in existing:
        if (what, value) in scope.updated:
            checks.fail(path, f"{what} {checks.shown(value)} appears twice")
        scope.updated.add((what, value))
        return
    if value in taken:
        where = "already exists" if value in existing else "appears twice"
        checks.fail(path, f"{what} {checks.shown(value)} {where}")
    taken.add(value)
