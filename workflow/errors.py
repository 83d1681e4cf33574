"""Errors that a clerk reads. Each carries its data and writes its own sentence.

The root is defined in `config.errors`, the lowest layer, so that every package can
join it; it is re-exported here. Each error is defined beside the code that raises it.
Every error may name the input `field` it is about, so each front end can point at it.

RectrackError                    (config.errors)
├── ConfigError                  a setting that cannot be used (config.settings; exit status 2)
├── WorkflowTableError           a workflow table that cannot be used (config.workflow_table; 2)
├── WorkflowError                refused by the workflow (exit status 1)
│   ├── TransitionRefused        wrong state, a missing reason, a role that may not
│   ├── EditConflict             the recommendation changed meanwhile
│   ├── NotAllowed               the person's roles do not allow it
│   ├── TokenRefused             a token or link that cannot be used (workflow.services.accounts)
│   │   └── LinkNotNeeded        a link whose recommendation closed or changed owner
│   │                            (workflow.services.links)
│   └── UpdateDecided            an update from a link, accepted or rejected already
├── InputError                   bad input or usage (exit status 2)
│   ├── BadInput                 a value that cannot be used, naming its field
│   ├── NotFound                 no such person, body, report or recommendation
│   ├── InterchangeError         a bad record in an import, with its path
│   ├── DatabaseUnreachable      the database cannot be connected to (down, missing, bad path)
│   ├── DatabaseNotReady         the database needs `rectrack init`
│   ├── NotOneOf                 a value not among its field's choices (notifications.service)
│   ├── RetryNeedsOne            a retry names its messages or asks for the failed ones
│   ├── DaysOutOfOrder           a range of days that ends before it starts
│   └── FarAhead                 a tick far ahead of the clock, on a database in use
├── SignInRefused              the email and password do not match (workflow.services.accounts)
├── SignInHeldOff                too many failed sign-ins for one email, for a while
├── DatabaseBusy                 another process held the database past the busy timeout;
│                                trying again can help (workflow.db, exit status 2)
├── SweepOvertaken               a later sweep took over from a stalled one (notifications.turns)
├── TransportError               a mail was not delivered; says whether retrying can help
│                                (notifications.transports)
├── SendingPaused                sending waits for a setting to be fixed (notifications.service; 2)
├── MailServerUnreachable        the mail server could not be reached (notifications.service; 3)
├── ResultsNotRecorded           messages tried whose results the database would not take
│                                (notifications.service; 2)
├── SweepSkipped                 a sweep that did nothing, a later one having run
│                                (notifications.service; 4)
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
    """`allowed` is what the person may do from `state`; `final` says nobody may do more;
    `role` says it was the person's roles that do not reach it.
    """

    def __init__(
        self,
        event: str,
        state: str,
        rule: str,
        allowed: Sequence[str],
        code: str = "",
        *,
        field: str | None = None,
        final: bool = False,
        role: bool = False,
    ) -> None:
        self.event, self.state, self.rule, self.code = event, state, rule, code
        self.allowed, self.field, self.final, self.role = list(allowed), field, final, role
        super().__init__(self.describe())

    def describe(self, pointer: str | None = None) -> str:
        subject = f" {self.code}" if self.code else ""
        rule = f"{self.rule} ({pointer})" if pointer else self.rule
        return f"cannot {self.event}{subject}: {rule}; from {self.state} {self._then()}"

    def _then(self) -> str:
        if self.allowed:
            return f"you may: {', '.join(self.allowed)}"
        return "nothing more may be done" if self.final else "there is nothing you may do"


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


class BadInput(InputError):
    """A value given for `field` (of recommendation `code`, if one) cannot be used; `reason`
    says why."""

    def __init__(self, field: str, reason: str, code: str | None = None) -> None:
        self.field, self.reason, self.code = field, reason, code
        super().__init__(reason)


class NotFound(InputError, LookupError):
    def __init__(self, kind: str, key: str, value: str) -> None:
        self.kind, self.key, self.value = kind, key, value
        super().__init__(f"no {kind} with {key} {value!r}")


class InterchangeError(InputError):
    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


class DatabaseUnreachable(InputError):
    def __init__(self, url: str, reason: str) -> None:
        self.url, self.reason = url, reason
        super().__init__(f"the database {url} cannot be reached: {reason}")


class DatabaseBusy(RectrackError):
    """The database stayed locked by another writer past the busy timeout: try again."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"the database is busy ({reason}): another process is writing to it;"
            " try again in a moment"
        )


class DatabaseNotReady(InputError):
    def __init__(self, url: str, detail: str) -> None:
        super().__init__(f"database {url} {detail}; run `rectrack init`")
