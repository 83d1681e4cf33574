"""The lifecycle table: parsed from TOML and validated into plain frozen records.

Every refusal carries the path of the bad entry (``events[3].source: unknown state 'x'``)
so that a council editing its own copy sees at once what to fix.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from config.errors import RectrackError

ROLES = frozenset({"clerk", "executive", "officer", "chair"})
OWNER = "owner"
CHAIR = "chair"  # a chair's acts are on the recommendations of the body they chair
BODY_KINDS = ("scrutiny", "executive", "council", "other")
OUTCOMES = frozenset(
    {
        "implemented",
        "partly_implemented",
        "not_implemented",
        "rejected",
        "noted",
        "superseded",
        "withdrawn",
    }
)
_EVENT_KEYS = frozenset({"name", "source", "dest", "needs", "roles", "effects", "outcomes"})
_TOP_KEYS = frozenset(
    {"states", "initial", "final", "open", "overdue", "events", "acts", "endorsers"}
)
_ACT_KEYS = frozenset({"roles"})
# The acts rectrack performs that leave the state alone; the table says who may do each.
ACTS = {  # name: in words
    "progress_update": "write a progress update",
    "import": "import",
    "undo": "undo a change",
    "directory": "keep people, bodies and meetings",
    "monitor": "keep milestones and indicators",
    "exempt": "mark a recommendation exempt",
}


class WorkflowTableError(RectrackError, ValueError):
    """A workflow table that cannot be used; says where and why."""

    def __init__(self, path: str, reason: str, file: str | None = None) -> None:
        self.path, self.reason, self.file = path, reason, file
        where = ": ".join(part for part in (file, path, reason) if part)
        super().__init__(f"workflow table {where}")


@dataclass(frozen=True)
class EventSpec:
    name: str
    sources: tuple[str, ...]
    dest: str
    needs: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()

    @property
    def action(self) -> str:
        """What it is called in a refusal: the event's own name."""
        return self.name

    def as_transition(self) -> dict[str, Any]:
        """Return this event as a transitions ``MachineConfig`` transition entry."""
        return {"trigger": self.name, "source": list(self.sources), "dest": self.dest}


@dataclass(frozen=True)
class ActSpec:
    """An act that is not an event (a progress update, an import): who may do it."""

    name: str
    roles: tuple[str, ...]

    @property
    def action(self) -> str:
        return ACTS[self.name]


@dataclass(frozen=True)
class WorkflowTable:
    states: tuple[str, ...]
    initial: str
    final: tuple[str, ...]
    open: tuple[str, ...]
    events: tuple[EventSpec, ...]
    acts: tuple[ActSpec, ...] = ()
    endorsers: tuple[str, ...] = ()  # kinds of body whose endorsement counts on anything
    # The open states in which a passed target is overdue: not once reported implemented.
    overdue: tuple[str, ...] = ()

    def event(self, name: str) -> EventSpec | None:
        return next((spec for spec in self.events if spec.name == name), None)

    def act(self, name: str) -> ActSpec:
        """Return the act named; every one of ACTS is in a table that loaded."""
        return next(spec for spec in self.acts if spec.name == name)

    def events_with_effect(self, effect: str) -> list[EventSpec]:
        return [spec for spec in self.events if effect in spec.effects]

    def notes(self) -> frozenset[str]:
        """The responses that commit to nothing: they leave it in the state it started in."""
        responses = self.events_with_effect("record_response")
        return frozenset(spec.name for spec in responses if spec.dest == self.initial)

    def events_from(self, state: str) -> list[str]:
        return [spec.name for spec in self.events if state in spec.sources]


def load_workflow_table(path: Path | None = None) -> WorkflowTable:
    """Read and validate a table file, or the default table shipped with rectrack."""
    try:
        if path is None:
            text = resources.files("config").joinpath("workflow.toml").read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        data = tomllib.loads(text)
    except OSError as error:
        raise WorkflowTableError("", error.strerror or str(error), str(path)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise WorkflowTableError("", f"not a TOML table: {error}", str(path)) from None
    try:
        return parse_workflow_table(data)
    except WorkflowTableError as error:
        raise WorkflowTableError(error.path, error.reason, str(path) if path else None) from None


def parse_workflow_table(data: Mapping[str, object]) -> WorkflowTable:
    """Validate a table already read into plain data."""
    _no_unknown_keys(data, _TOP_KEYS, "")
    states = _names(data.get("states"), "states")
    initial = _one_of(data.get("initial"), states, "initial", "state")
    final = _subset(data.get("final", []), states, "final")
    open_states = _subset(data.get("open", []), states, "open")
    for state in open_states:
        if state in final:
            raise WorkflowTableError("open", f"{state!r} is final, so it cannot be open")
    overdue = _overdue(data.get("overdue", list(open_states)), states, open_states)
    raw_events = data.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise WorkflowTableError("events", "must be a non-empty list of [[events]] tables")
    events = tuple(_event(raw, states, f"events[{i}]") for i, raw in enumerate(raw_events))
    _no_duplicates([spec.name for spec in events], "events[{}].name", "event")
    for i, spec in enumerate(events):
        _check_finality(spec, final, f"events[{i}]")
    acts = _acts(data.get("acts"))
    endorsers = _subset(data.get("endorsers", []), BODY_KINDS, "endorsers", kind="kind of body")
    return WorkflowTable(states, initial, final, open_states, events, acts, endorsers, overdue)


def _overdue(value: object, states: Sequence[str], open_states: Sequence[str]) -> tuple[str, ...]:
    """The states a target can be overdue in: some of the open ones (all, if not given)."""
    overdue = _subset(value, states, "overdue")
    for state in overdue:
        if state not in open_states:
            raise WorkflowTableError(
                "overdue",
                f"{state!r} is not open, so no target of it is overdue;"
                f" the open states: {', '.join(open_states)}",
            )
    return overdue


def _acts(raw: object) -> tuple[ActSpec, ...]:
    if not isinstance(raw, dict):
        raise WorkflowTableError("acts", f"must be a table with {', '.join(ACTS)}")
    _no_unknown_keys(raw, ACTS, "acts.")
    return tuple(_act(raw.get(name), name) for name in ACTS)


def _act(raw: object, name: str) -> ActSpec:
    path = f"acts.{name}"
    if not isinstance(raw, dict):
        raise WorkflowTableError(path, "missing: say who may do it, as roles = [...]")
    _no_unknown_keys(raw, _ACT_KEYS, path + ".")
    roles = _subset(raw.get("roles"), ROLES | {OWNER}, path + ".roles", kind="role", required=True)
    return ActSpec(name, roles)


def _check_finality(spec: EventSpec, final: Collection[str], path: str) -> None:
    """Nothing leaves a final state; an event leads into one with outcomes, and only then."""
    for state in spec.sources:
        if state in final:
            raise WorkflowTableError(f"{path}.source", f"{state!r} is final: nothing leaves it")
    if spec.dest in final and not spec.outcomes:
        raise WorkflowTableError(f"{path}.outcomes", "an event into a final state needs outcomes")
    if spec.dest not in final and spec.outcomes:
        raise WorkflowTableError(
            f"{path}.outcomes", "only an event into a final state has outcomes"
        )


def _event(raw: object, states: Sequence[str], path: str) -> EventSpec:
    if not isinstance(raw, dict):
        raise WorkflowTableError(path, "must be a table")
    _no_unknown_keys(raw, _EVENT_KEYS, path + ".")
    name = _identifier(raw.get("name"), path + ".name")
    return EventSpec(
        name=name,
        sources=_subset(raw.get("source"), states, path + ".source", required=True),
        dest=_one_of(raw.get("dest"), states, path + ".dest", "state"),
        needs=_names_or_none(raw.get("needs", []), path + ".needs"),
        roles=_subset(
            raw.get("roles"), ROLES | {OWNER}, path + ".roles", kind="role", required=True
        ),
        effects=_names_or_none(raw.get("effects", []), path + ".effects"),
        outcomes=_subset(raw.get("outcomes", []), OUTCOMES, path + ".outcomes", kind="outcome"),
    )


def _names_or_none(value: object, path: str) -> tuple[str, ...]:
    """Names of guards or effects; which exist is the lifecycle's and the services' to say."""
    if not isinstance(value, list):
        raise WorkflowTableError(path, "must be a list of names")
    return tuple(_identifier(item, f"{path}[{i}]") for i, item in enumerate(value))


def _no_unknown_keys(table: Mapping[str, object], known: Collection[str], prefix: str) -> None:
    for key in table:
        if key not in known:
            raise WorkflowTableError(f"{prefix}{key}", "unknown key")


def _identifier(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.isidentifier():
        raise WorkflowTableError(path, f"{value!r} is not a name like 'in_progress'")
    return value


def _names(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise WorkflowTableError(path, "must be a non-empty list of names")
    names = tuple(_identifier(item, f"{path}[{i}]") for i, item in enumerate(value))
    _no_duplicates(list(names), path + "[{}]", "name")
    return names


def _one_of(value: object, allowed: Collection[str], path: str, kind: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise WorkflowTableError(path, f"unknown {kind} {value!r}")
    return value


def _subset(
    value: object,
    allowed: Collection[str],
    path: str,
    *,
    kind: str = "state",
    required: bool = False,
) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or (required and not items):
        raise WorkflowTableError(path, f"must be a {kind} or a list of them")
    return tuple(_one_of(item, allowed, path, kind) for item in items)


def _no_duplicates(names: list[str], path: str, kind: str) -> None:
    """Refuse the second of two equal names; `path` has a {} for its index."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise WorkflowTableError(path.format(i), f"{kind} {name!r} appears twice")
        seen.add(name)
