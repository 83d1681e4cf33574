"""Plain records passed between the pure core and the edge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

RAGS = ("green", "amber", "red")
RED = "red"  # the RAG a chair's agenda watches for
UNDO = "undo"  # the act of the workflow table that reverses a change, and its history lines
# What a recommendation carries beside its own fields, in the order shown and exported.
RELATED = ("responses", "updates", "amendments", "milestones", "indicators", "history")
# What the audit keeps the changes of (beside each recommendation's own history), and how.
AUDITED = ("person", "body", "meeting", "report", "milestone", "indicator")
AUDIT_ACTIONS = ("add", "edit", "move", "cancel", "done", "record")
# What a token is for: a program's key to the API, an invitation to set a password, a
# person's calendar feed, the update link in a reminder.
TOKEN_PURPOSES = ("api", "invite", "calendar", "update")


@dataclass(frozen=True)
class Actor:
    """The person on whose behalf a change is made, with their roles."""

    email: str
    roles: frozenset[str]
    person_id: int | None = None


@dataclass(frozen=True)
class Change:
    """What someone asks of a recommendation: the event and the data it carries."""

    event: str
    actor: Actor
    note: str | None = None
    timescale: date | None = None
    endorsed_by: str | None = None
    endorsed_on: date | None = None
    outcome: str | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)
    on: date | None = None  # the day it was decided; the council's today when not given
    endorsed_by_id: int | None = None  # the endorsing body's, once the service has found it


@dataclass(frozen=True)
class Refusal:
    """The first rule a change breaks, and the input it is about (None for a role).

    `role` marks a refusal of the person rather than of the change: their roles do not
    reach it (the API answers it 403, not 409).
    """

    rule: str
    field: str | None = None
    role: bool = False


@dataclass
class Subject:
    """The part of a recommendation the machine reads and writes: never a database row."""

    code: str
    state: str
    owner_email: str | None = None
    body: str | None = None  # the body that made it
    chair_email: str | None = None  # that body's chair: a chair's acts are theirs alone
    endorsers: frozenset[str] = frozenset()  # other bodies whose endorsement counts
    noted: bool = False  # its latest response was one that commits to nothing (a note)
    refusal: Refusal | None = None


@dataclass(frozen=True)
class Outcome:
    """What a fired event did: the states before and after."""

    event: str
    before: str
    after: str
