"""Errors that a clerk reads. Each carries its data and writes its own sentence.

The root is defined in `config.errors`, the lowest layer, so that every package can
join it; it is re-exported here. Each error is defined beside the code that raises it.

RectrackError                    (config.errors)
├── ConfigError                  a setting that cannot be used (config.settings; exit status 2)
├── WorkflowTableError           a workflow table that cannot be used (config.workflow_table; 2)
├── WorkflowError                refused by the workflow (exit status 1)
│   ├── TransitionRefused        wrong state, a missing reason, a role that may not
│   ├── EditConflict             the recommendation changed meanwhile
│   └── NotAllowed               the person's roles do not allow it
├── InputError                   bad input or usage (exit status 2)
│   ├── NotFound                 no such person, body, report or recommendation
│   ├── InterchangeError         a bad record in an import, with its path
│   └── DatabaseNotReady         the database needs `rectrack init`
├── TransportError               a mail was not delivered; says whether retrying can help
│                                (notifications.transports)
└── BadHeader                    a header value that would start a new header
                                 (notifications.emails)

ConfigError, WorkflowTableError, InputError and BadHeader are also ValueErrors, and
NotFound a LookupError.
"""

from __future__ import annotations

from collections.abc import Sequence

from config.errors import RectrackError as RectrackError  # re-exported: the root of the tree


class WorkflowError(RectrackError):
    """The workflow refused the change; nothing was written."""


class TransitionRefused(WorkflowError):
    def __init__(
        self, event: str, state: str, rule: str, allowed: Sequence[str], code: str = ""
    ) -> None:
        self.event, self.state, self.rule, self.allowed, self.code = (
            event,
            state,
            rule,
            list(allowed),
            code,
        )
        subject = f" {code}" if code else ""
        then = f"you may: {', '.join(allowed)}" if allowed else "nothing more may be done"
        super().__init__(f"cannot {event}{subject}: {rule}; from {state} {then}")


class EditConflict(WorkflowError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(
            f"{code} was changed by someone else meanwhile; nothing was saved, look again and retry"
        )


class NotAllowed(WorkflowError):
    def __init__(self, email: str, action: str, may: str, roles: Sequence[str]) -> None:
        self.email, self.action, self.may, self.roles = email, action, may, list(roles)
        held = ", ".join(sorted(roles)) or "no role"
        super().__init__(f"only {may} may {action}, and {email} is {held}")


class InputError(RectrackError, ValueError):
    """The input cannot be used as given."""


class NotFound(InputError, LookupError):
    def __init__(self, kind: str, key: str, value: str) -> None:
        self.kind, self.key, self.value = kind, key, value
        super().__init__(f"no {kind} with {key} {value!r}")


class InterchangeError(InputError):
    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


class DatabaseNotReady(InputError):
    def __init__(self, url: str, detail: str) -> None:
        super().__init__(f"database {url} {detail}; run `rectrack init`")
