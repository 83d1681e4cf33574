"""A document's history must be one the workflow table could have made.

Pure. Each line after the first must be an event the table allows from the state
the line before left, leading where the table says, or an act that leaves the
state alone (a progress update); the first line is the recommendation's arrival
(from no state). So an import cannot carry a recommendation to `closed` along a
path the workflow would have refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from config.workflow_table import WorkflowTable
from workflow.interchange import checks
from workflow.interchange.records import HistoryRecord

EDIT = "edit"  # a line of fields corrected by `import --update`: the state stays
EXEMPT = "exempt"  # a line marking it exempt, or no longer so: the state stays
STATELESS = frozenset(
    {"progress_update", EDIT, EXEMPT}
)  # history lines of acts that keep the state


UNDO = "undo"  # a line that puts back the state the latest change not undone found


def check_replay(history: Sequence[HistoryRecord], table: WorkflowTable, path: str) -> None:
    """Raise InterchangeError at the first line of `history` the table would not have made."""
    state: str | None = None
    changes: list[HistoryRecord] = []  # the lines not undone, latest last
    for i, line in enumerate(history):
        where = f"{path}.history[{i}]"
        if i == 0:
            _first(line, where)
        elif line.event == UNDO:
            assert state is not None
            _undo(line, state, changes, where)
        else:
            assert state is not None
            _next(line, state, table, where)
            changes.append(line)
        state = line.to_state


def _undo(line: HistoryRecord, state: str, changes: list[HistoryRecord], where: str) -> None:
    if line.from_state != state:
        checks.fail(
            f"{where}.from_state", f"the line before left it {state}, not {line.from_state}"
        )
    if not changes:
        checks.fail(f"{where}.event", "there is no change before it to undo")
    undone = changes.pop()
    if line.to_state != undone.from_state:
        reason = f"undoing {undone.event} puts it back in {undone.from_state}, not {line.to_state}"
        checks.fail(f"{where}.to_state", reason)


def _first(line: HistoryRecord, where: str) -> None:
    if line.from_state is not None:
        checks.fail(f"{where}.from_state", "the first line is its arrival: from no state (null)")


def _next(line: HistoryRecord, state: str, table: WorkflowTable, where: str) -> None:
    if line.from_state != state:
        checks.fail(
            f"{where}.from_state", f"the line before left it {state}, not {line.from_state}"
        )
    if line.event in STATELESS:
        if line.to_state != state:
            checks.fail(f"{where}.to_state", f"{line.event} leaves the state {state}")
        return
    spec = table.event(line.event)
    if spec is None:
        checks.fail(f"{where}.event", f"{line.event!r} is not an event of the workflow")
    if state not in spec.sources:
        sources = " or ".join(spec.sources)
        checks.fail(f"{where}.event", f"{spec.name} is allowed only from {sources}, not {state}")
    if line.to_state != spec.dest:
        checks.fail(f"{where}.to_state", f"{spec.name} leads to {spec.dest}, not {line.to_state}")
