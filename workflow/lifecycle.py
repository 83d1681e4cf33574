"""The lifecycle: one transitions Machine, built once from the table, shared by all.

The machine only ever sees a plain `Subject`; the service writes the new state back
to the database. A refusal of any kind becomes one `TransitionRefused`, which lists
what the person asking may do instead.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from transitions import EventData, Machine, MachineError

from config.workflow_table import EventSpec, WorkflowTable, WorkflowTableError
from workflow.clock import local_day
from workflow.errors import TransitionRefused
from workflow.guards import NEEDS, first_refusal, may
from workflow.records import Actor, Change, Outcome, Refusal, Subject


def _check(event_data: EventData) -> bool:
    """The single condition on every transition: ask the guards named in the table."""
    subject = event_data.model
    assert isinstance(subject, Subject)
    spec: EventSpec = event_data.kwargs["spec"]
    subject.refusal = first_refusal(spec, subject, event_data.kwargs["change"])
    return subject.refusal is None


def check_needs(table: WorkflowTable) -> None:
    """Refuse a table that names a need no guard checks, with the path of the entry."""
    for i, spec in enumerate(table.events):
        for need in spec.needs:
            if need not in NEEDS:
                known = ", ".join(NEEDS)
                raise WorkflowTableError(
                    f"events[{i}].needs", f"unknown need {need!r} (needs: {known})"
                )


class Lifecycle:
    """The workflow in force: its table, and the council's zone that dates its changes."""

    def __init__(self, table: WorkflowTable, tz: ZoneInfo) -> None:
        check_needs(table)
        self.table, self.tz = table, tz
        transitions: list[dict[str, Any]] = [
            {**spec.as_transition(), "conditions": [_check]} for spec in table.events
        ]
        self.machine = Machine(
            model=None,
            states=list(table.states),
            transitions=transitions,
            initial=None,
            auto_transitions=False,
            send_event=True,
            queued=False,
            ignore_invalid_triggers=False,
        )

    def allowed(self, state: str) -> list[str]:
        """Return the events the table allows from `state`, in table order."""
        return self.table.events_from(state)

    def allowed_to(self, subject: Subject, actor: Actor) -> list[str]:
        """Return the events from the subject's state that `actor` may fire, in table order."""
        return [
            spec.name
            for spec in self.table.events
            if subject.state in spec.sources and may(spec, subject, actor)
        ]

    def today(self, now: datetime) -> date:
        """The council's day at the instant `now`."""
        return local_day(now, self.tz)

    def is_final(self, state: str) -> bool:
        return state in self.table.final

    def fire(self, subject: Subject, change: Change) -> Outcome:
        """Fire `change.event` on `subject`; if refused, raise TransitionRefused, change nothing."""
        before = subject.state
        spec = self._spec(subject, change)
        self._known_state(spec, subject, change)
        try:
            fired = self.machine.events[spec.name].trigger(subject, spec=spec, change=change)
        except MachineError:
            fired = False
            subject.refusal = Refusal(self._wrong_state(spec, before))
        if not fired:
            subject.state = before
            raise self._refused(change, subject, subject.refusal or Refusal("refused"))
        return Outcome(change.event, before, subject.state)

    def check(self, subject: Subject, change: Change) -> None:
        """Raise TransitionRefused if `change` would be refused, without firing it."""
        spec = self._spec(subject, change)
        self._known_state(spec, subject, change)
        if subject.state not in spec.sources:
            raise self._refused(change, subject, Refusal(self._wrong_state(spec, subject.state)))
        refusal = first_refusal(spec, subject, change)
        if refusal:
            raise self._refused(change, subject, refusal)

    def refuse(self, action: str, subject: Subject, actor: Actor, refusal: Refusal) -> NoReturn:
        """Raise the refusal of an act that is not an event (a progress update, say)."""
        raise self._refused(Change(action, actor), subject, refusal)

    def _spec(self, subject: Subject, change: Change) -> EventSpec:
        spec = self.table.event(change.event)
        if spec is None:
            known = ", ".join(s.name for s in self.table.events)
            rule = f"there is no event {change.event!r} (events: {known})"
            raise self._refused(change, subject, Refusal(rule))
        return spec

    def _known_state(self, spec: EventSpec, subject: Subject, change: Change) -> None:
        # A row may hold a state that a council's edited table no longer has.
        if subject.state not in self.table.states:
            rule = f"it is {subject.state}, a state the workflow table does not have"
            raise self._refused(change, subject, Refusal(rule))

    def _wrong_state(self, spec: EventSpec, state: str) -> str:
        if self.is_final(state):
            return f"it is {state}, and {state} is final"
        return f"it is {state}, and {spec.name} is allowed only from {' or '.join(spec.sources)}"

    def _refused(self, change: Change, subject: Subject, refusal: Refusal) -> TransitionRefused:
        return TransitionRefused(
            change.event,
            subject.state,
            refusal.rule,
            self.allowed_to(subject, change.actor),
            subject.code,
            field=refusal.field,
            final=self.is_final(subject.state),
            role=refusal.role,
        )
