"""The root of rectrack's errors. It lives in the lowest layer so that every package can join it.

The whole tree is drawn in `workflow.errors`.
"""

from __future__ import annotations


class RectrackError(Exception):
    """Base of every error rectrack reports to its user.

    `field` names the input it is about, by the name the front ends give it (`note`,
    `timescale`), so each can point at it: the command line names its option. `code`
    names the recommendation it is about, where a change of several stopped at one:
    a form with a row for each can point at that row.
    """

    field: str | None = None
    code: str | None = None

    def describe(self, pointer: str | None = None) -> str:
        """The sentence, with `pointer` (how this front end names `field`) where it fits."""
        return f"{self} ({pointer})" if pointer else str(self)
