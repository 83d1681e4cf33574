"""The lifecycle: one transitions Machine, built once from the table, shared by all.

The machine only ever sees a plain `Subject`; the service writes the new state back
to the database. A refusal of any kind becomes one `TransitionRefused`.
"""

from __future__ import annotations

from typing import Any

from transitions import EventData, Machine, MachineError

from config.workflow_table import EventSpec, WorkflowTable
from workflow.errors import TransitionRefused
from workflow.guards import first_refusal
from workflow.records import Change, Outcome, Subject


def _check(event_data: EventData) -> bool:
    """The single condition on every transition: ask the guards named in the table."""
    subject = event_data.model
    assert isinstance(subject, Subject)
    spec: EventSpec = event_data.kwargs["spec"]
    subject.refusal = first_refusal(spec, subject, event_data.kwargs["change"])
    return subject.refusal is None


class Lifecycle:
    def __init__(self, table: WorkflowTable) -> None:
        self.table = table
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

    def is_final(self, state: str) -> bool:
        return state in self.table.final

    def fire(self, subject: Subject, change: Change) -> Outcome:
        """Fire `change.event` on `subject`; if refused, raise TransitionRefused, change nothing."""
        before = subject.state
        spec = self._spec(subject, change.event)
        self._known_state(spec, subject)
        try:
            fired = self.machine.events[spec.name].trigger(subject, spec=spec, change=change)
        except MachineError:
            fired = False
            subject.refusal = self._wrong_state(spec, before)
        if not fired:
            subject.state = before
            raise self._refused(change.event, subject, subject.refusal or "refused")
        return Outcome(change.event, before, subject.state)

    def check(self, subject: Subject, change: Change) -> None:
        """Raise TransitionRefused if `change` would be refused, without firing it."""
        spec = self._spec(subject, change.event)
        self._known_state(spec, subject)
        if subject.state not in spec.sources:
            raise self._refused(spec.name, subject, self._wrong_state(spec, subject.state))
        rule = first_refusal(spec, subject, change)
        if rule:
            raise self._refused(spec.name, subject, rule)

    def _spec(self, subject: Subject, event: str) -> EventSpec:
        spec = self.table.event(event)
        if spec is None:
            known = ", ".join(s.name for s in self.table.events)
            raise self._refused(event, subject, f"there is no event {event!r} (events: {known})")
        return spec

    def _known_state(self, spec: EventSpec, subject: Subject) -> None:
        # A row may hold a state that a council's edited table no longer has.
        if subject.state not in self.table.states:
            rule = f"it is {subject.state}, a state the workflow table does not have"
            raise self._refused(spec.name, subject, rule)

    def _wrong_state(self, spec: EventSpec, state: str) -> str:
        if self.is_final(state):
            return f"it is {state}, and {state} is final"
        return f"it is {state}, and {spec.name} is allowed only from {' or '.join(spec.sources)}"

    def _refused(self, event: str, subject: Subject, rule: str) -> TransitionRefused:
        return TransitionRefused(
            event, subject.state, rule, self.allowed(subject.state), subject.code
        )
