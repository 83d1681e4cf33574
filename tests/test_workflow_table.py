"""A council's own copy of the workflow table: what it may change; a broken one is refused."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import CHAIR, CLERK, EXECUTIVE, World, make_recommendation, persona
from sqlmodel import select

from config import Settings, WorkflowTableError, load_workflow_table
from config.workflow_table import WorkflowTable, parse_workflow_table
from rectrack.app import App
from workflow import services
from workflow.clock import FixedClock
from workflow.errors import TransitionRefused
from workflow.lifecycle import Lifecycle
from workflow.models import Response
from workflow.records import Change, Subject

LONDON = ZoneInfo("Europe/London")

DEFAULT_TEXT = resources.files("config").joinpath("workflow.toml").read_text("utf-8")
Data = dict[str, Any]


def default_data() -> Data:
    return tomllib.loads(DEFAULT_TEXT)


def council_copy(tmp_path: Path, edit: Callable[[str], str]) -> WorkflowTable:
    """Write an edited copy of the default table, as a council would, and load it."""
    path = tmp_path / "our-workflow.toml"
    path.write_text(edit(DEFAULT_TEXT), "utf-8")
    return load_workflow_table(path)


def rename_agree(text: str) -> str:
    return text.replace('name = "agree"\n', 'name = "accept"\n')


def test_the_default_table_loads() -> None:
    table = load_workflow_table()
    assert (table.initial, table.final) == ("proposed", ("closed",))
    assert len(table.events) == 11


def test_targets_are_overdue_until_the_owner_reports_them_implemented() -> None:
    table = load_workflow_table()
    assert table.overdue == ("endorsed", "amended", "in_progress")
    assert set(table.overdue) < set(table.open)


def test_a_table_that_names_no_overdue_states_counts_every_open_one() -> None:
    data = default_data()
    data.pop("overdue")
    table = parse_workflow_table(data)
    assert table.overdue == table.open


def test_a_council_may_rename_an_event(tmp_path: Path) -> None:
    lifecycle = Lifecycle(council_copy(tmp_path, rename_agree), LONDON)
    change = Change("accept", persona(EXECUTIVE), timescale=date(2027, 6, 30))
    assert lifecycle.fire(Subject("R/1", "proposed"), change).after == "endorsed"


def test_the_old_name_of_a_renamed_event_is_unknown(tmp_path: Path) -> None:
    lifecycle = Lifecycle(council_copy(tmp_path, rename_agree), LONDON)
    change = Change("agree", persona(EXECUTIVE), timescale=date(2027, 6, 30))
    with pytest.raises(TransitionRefused, match="there is no event 'agree'"):
        lifecycle.fire(Subject("R/1", "proposed"), change)


def test_a_renamed_event_keeps_its_effects_in_the_service(
    tmp_path: Path, world: World, clock: FixedClock
) -> None:
    lifecycle = Lifecycle(council_copy(tmp_path, rename_agree), LONDON)
    code = make_recommendation(world)
    change = Change("accept", world.actor(EXECUTIVE), timescale=date(2027, 6, 30))
    services.fire(world.session, lifecycle, code, change, clock.now())
    response = world.session.exec(select(Response)).one()
    assert (response.decision, response.timescale) == ("accept", date(2027, 6, 30))


DEFER = """
[[events]]
name = "defer"
source = ["proposed"]
dest = "deferred"
needs = ["reason"]
roles = ["chair", "clerk"]

[[events]]
name = "resume"
source = ["deferred"]
dest = "proposed"
roles = ["clerk"]
"""


def add_deferred(text: str) -> str:
    text = text.replace('"monitored", "closed"]', '"monitored", "deferred", "closed"]', 1)
    return text + DEFER


def test_a_council_may_add_a_state(tmp_path: Path) -> None:
    lifecycle = Lifecycle(council_copy(tmp_path, add_deferred), LONDON)
    subject = Subject("R/1", "proposed", chair_email=CHAIR)
    lifecycle.fire(subject, Change("defer", persona(CHAIR), note="after the election"))
    assert subject.state == "deferred"
    assert lifecycle.allowed("deferred") == ["resume"]
    lifecycle.fire(subject, Change("resume", persona(CLERK)))
    assert subject.state == "proposed"


def test_a_council_may_change_who_may_fire_an_event(tmp_path: Path) -> None:
    def clerks_sign_off(text: str) -> str:
        return text.replace(
            'dest = "closed"\nroles = ["chair", "clerk"]', 'dest = "closed"\nroles = ["clerk"]'
        )

    lifecycle = Lifecycle(council_copy(tmp_path, clerks_sign_off), LONDON)
    with pytest.raises(TransitionRefused, match="only a clerk may sign_off"):
        lifecycle.fire(Subject("R/1", "monitored"), Change("sign_off", persona(CHAIR)))


def refused(edit: Callable[[Data], None]) -> str:
    data = copy.deepcopy(default_data())
    edit(data)
    with pytest.raises(WorkflowTableError) as error:
        services.check_table(parse_workflow_table(data))
    return f"{error.value.path}: {error.value.reason}"


def event(data: Data, name: str) -> Data:
    found: Data = next(spec for spec in data["events"] if spec["name"] == name)
    return found


BROKEN: dict[str, tuple[Callable[[Data], None], str]] = {
    "unknown source": (
        lambda d: event(d, "start").update(source=["endorsed", "agreed"]),
        "events[4].source: unknown state 'agreed'",
    ),
    "unknown dest": (
        lambda d: event(d, "start").update(dest="underway"),
        "events[4].dest: unknown state 'underway'",
    ),
    "unknown initial": (lambda d: d.update(initial="draft"), "initial: unknown state 'draft'"),
    "unknown final": (lambda d: d.update(final=["done"]), "final: unknown state 'done'"),
    "unknown need": (
        lambda d: event(d, "agree").update(needs=["budget"]),
        "events[0].needs: unknown need 'budget' (needs: timescale, reason, comment,"
        " commentary, endorsement, changes, outcome, noted)",
    ),
    "unknown role": (
        lambda d: event(d, "agree").update(roles=["mayor"]),
        "events[0].roles: unknown role 'mayor'",
    ),
    "unknown effect": (
        lambda d: event(d, "agree").update(effects=["send_fax"]),
        "events[0].effects: unknown effect 'send_fax' (effects: record_response, set_target,"
        " apply_amendment, record_progress)",
    ),
    "unknown outcome": (
        lambda d: event(d, "disagree").update(outcomes=["lost"]),
        "events[2].outcomes: unknown outcome 'lost'",
    ),
    "duplicate event": (
        lambda d: event(d, "note").update(name="agree"),
        "events[3].name: event 'agree' appears twice",
    ),
    "duplicate state": (
        lambda d: d["states"].append("endorsed"),
        "states[6]: name 'endorsed' appears twice",
    ),
    "leaving a final state": (
        lambda d: event(d, "reopen").update(source=["monitored", "closed"]),
        "events[8].source: 'closed' is final: nothing leaves it",
    ),
    "into a final state without outcomes": (
        lambda d: event(d, "sign_off").pop("outcomes"),
        "events[7].outcomes: an event into a final state needs outcomes",
    ),
    "outcomes on an event that does not close": (
        lambda d: event(d, "reopen").update(outcomes=["withdrawn"]),
        "events[8].outcomes: only an event into a final state has outcomes",
    ),
    "a final state that is open": (
        lambda d: d["open"].append("closed"),
        "open: 'closed' is final, so it cannot be open",
    ),
    "an overdue state that is not open": (
        lambda d: d["overdue"].append("proposed"),
        "overdue: 'proposed' is not open, so no target of it is overdue;"
        " the open states: endorsed, amended, in_progress, monitored",
    ),
    "unknown overdue state": (
        lambda d: d.update(overdue=["late"]),
        "overdue: unknown state 'late'",
    ),
    "unknown key": (lambda d: d.update(colour="blue"), "colour: unknown key"),
    "unknown event key": (
        lambda d: event(d, "agree").update(guard="x"),
        "events[0].guard: unknown key",
    ),
    "a name that is not a name": (
        lambda d: event(d, "sign_off").update(name="sign off"),
        "events[7].name: 'sign off' is not a name like 'in_progress'",
    ),
    "no events": (
        lambda d: d.update(events=[]),
        "events: must be a non-empty list of [[events]] tables",
    ),
    "nobody may fire it": (
        lambda d: event(d, "start").pop("roles"),
        "events[4].roles: must be a role or a list of them",
    ),
    "no source": (
        lambda d: event(d, "start").update(source=[]),
        "events[4].source: must be a state or a list of them",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_table_is_refused_with_the_path_of_the_bad_entry(case: str) -> None:
    edit, expected = BROKEN[case]
    assert refused(edit) == expected


def test_a_refused_file_is_named_in_the_message(tmp_path: Path) -> None:
    with pytest.raises(WorkflowTableError) as error:
        council_copy(tmp_path, lambda text: text.replace('dest = "monitored"', 'dest = "done"'))
    assert str(error.value) == (
        f"workflow table {tmp_path / 'our-workflow.toml'}: events[6].dest: unknown state 'done'"
    )


def test_bad_toml_is_refused_with_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(WorkflowTableError) as error:
        council_copy(tmp_path, lambda text: text.replace('name = "start"', "name = start"))
    assert "our-workflow.toml" in str(error.value)
    assert "line 61" in str(error.value)


def test_a_table_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "our-workflow.toml"
    path.write_bytes(b"states = ['\xe9t\xe9']\n")
    with pytest.raises(WorkflowTableError, match="our-workflow"):
        load_workflow_table(path)


def test_a_missing_table_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(WorkflowTableError, match="nowhere"):
        load_workflow_table(tmp_path / "nowhere.toml")


def test_a_table_without_its_acts_is_refused_naming_the_missing_one() -> None:
    assert refused(lambda d: d["acts"].pop("import")) == (
        "acts.import: missing: say who may do it, as roles = [...]"
    )


def test_a_council_may_let_officers_import(tmp_path: Path) -> None:
    table = council_copy(
        tmp_path,
        lambda text: text.replace(
            '[acts.import]\nroles = ["clerk"]', '[acts.import]\nroles = ["clerk", "officer"]'
        ),
    )
    assert table.act("import").roles == ("clerk", "officer")


def test_the_app_refuses_an_unknown_effect_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "our-workflow.toml"
    path.write_text(DEFAULT_TEXT.replace('"record_progress"]', '"send_fax"]'), "utf-8")
    app = App(replace(Settings.defaults(), workflow_table=path))
    with pytest.raises(WorkflowTableError) as error:
        app.table  # noqa: B018
    assert str(error.value).startswith(f"workflow table {path}: events[6].effects: unknown effect")
