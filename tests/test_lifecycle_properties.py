"""Random event sequences: history replays to the state, closed is final, refusals write nothing."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factories import (
    CHAIR,
    CLERK,
    CURRENT_TIME,
    EXECUTIVE,
    OFFICER,
    OTHER_OFFICER,
    PANEL,
    REPORT,
    World,
    make_recommendation,
    make_world,
    persona,
    row_counts,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from config import load_workflow_table
from workflow import services, store
from workflow.db import make_engine, new_session
from workflow.errors import RectrackError, TransitionRefused
from workflow.lifecycle import Lifecycle
from workflow.models import Event
from workflow.records import Change, Subject

TABLE = load_workflow_table()
UPDATE = services.PROGRESS_UPDATE
UNDO = "undo"
EVENTS = [spec.name for spec in TABLE.events]

# Everything any event needs, so that a fair share of random steps is accepted.
COMPLETE = {
    "note": "because",
    "timescale": date(2027, 6, 30),
    "endorsed_by": PANEL,
    "endorsed_on": date(2027, 5, 1),
    "changes": {"target_date": date(2027, 9, 30)},
}
partial_data = st.fixed_dictionaries(
    {},
    optional={
        "note": st.sampled_from(["", "  ", "because"]),
        "timescale": st.just(date(2027, 6, 30)),
        "endorsed_by": st.sampled_from([PANEL, "No Such Panel"]),
        "endorsed_on": st.just(date(2027, 5, 1)),
        "outcome": st.sampled_from(["withdrawn", "superseded", "implemented", "rejected", "lost"]),
        "rag": st.sampled_from(["green", "amber", "purple"]),
        "changes": st.sampled_from(
            [{"target_date": date(2027, 9, 30)}, {"text": "Plainer"}, {"monitoring_date": None}]
        ),
    },
)
PEOPLE = [CLERK, EXECUTIVE, OFFICER, OTHER_OFFICER, CHAIR]
Step = tuple[str, str, dict[str, Any]]


def draw_step(data: st.DataObject, state: str) -> Step:
    """A random step, often one the table allows from `state` and by a clerk, who may do all."""
    likely = TABLE.events_from(state) or EVENTS
    event = data.draw(st.sampled_from(likely) | st.sampled_from([*EVENTS, UPDATE, UNDO, "approve"]))
    email = data.draw(st.just(CLERK) | st.sampled_from(PEOPLE))
    return event, email, data.draw(st.just(COMPLETE) | partial_data)


def without_rag(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a Change: the RAG status belongs to progress updates only."""
    return {key: value for key, value in data.items() if key != "rag"}


def draw_length(data: st.DataObject) -> range:
    return range(data.draw(st.integers(min_value=0, max_value=15), label="steps"))


@given(st.data())
@settings(max_examples=150)
def test_the_machine_moves_only_along_the_table(lifecycle: Lifecycle, data: st.DataObject) -> None:
    subject = Subject(f"{REPORT}/a", TABLE.initial, OFFICER)
    for _ in draw_length(data):
        before = subject.state
        event, email, fields = draw_step(data, before)
        actor = persona(email)
        try:
            outcome = lifecycle.fire(subject, Change(event, actor, **without_rag(fields)))
        except TransitionRefused as refused:
            assert subject.state == before
            assert refused.allowed == lifecycle.allowed_to(subject, actor)
            assert set(refused.allowed) <= set(TABLE.events_from(before))
        else:
            spec = TABLE.event(event)
            assert spec is not None and before in spec.sources
            assert (outcome.before, outcome.after, subject.state) == (before, spec.dest, spec.dest)
            assert before not in TABLE.final


@pytest.fixture(scope="module")
def one_world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One real SQLite file for the module; each example works on a new recommendation."""
    path = tmp_path_factory.mktemp("properties") / "rectrack.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with new_session(engine) as session:
        yield make_world(session)
    engine.dispose()


REFERENCES = (f"p{n}" for n in itertools.count())


def take(world: World, lifecycle: Lifecycle, code: str, step: Step) -> None:
    """Do one step through the services, as the command line would."""
    event, email, data = step
    actor = world.actor(email)
    if event == UPDATE:
        note, rag = data.get("note", ""), data.get("rag")
        services.add_update(world.session, lifecycle, code, actor, note, rag, CURRENT_TIME)
    elif event == UNDO:
        services.undo(world.session, lifecycle, code, actor, data.get("note"), CURRENT_TIME)
    else:
        change = Change(event, actor, **without_rag(data))
        services.fire(world.session, lifecycle, code, change, CURRENT_TIME)


def replayed(world: World, code: str) -> str:
    """Fold the history's from/to states from the initial state; return where it ends."""
    rec_id = store.load_state(session=world.session, code=code).id
    query = select(Event).where(Event.recommendation_id == rec_id).order_by(col(Event.id))
    imported, *changes = world.session.exec(query)
    assert (imported.from_state, imported.to_state) == (None, TABLE.initial)
    state = TABLE.initial
    for row in changes:
        assert row.from_state == state
        state = row.to_state
    return state


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_random_sequences_through_the_services_keep_every_promise(
    one_world: World, lifecycle: Lifecycle, data: st.DataObject
) -> None:
    world = one_world
    code = make_recommendation(world, next(REFERENCES))
    for _ in draw_length(data):
        before = store.load_state(session=world.session, code=code), row_counts(world.session)
        world.session.rollback()
        step = draw_step(data, before[0].state)
        try:
            take(world, lifecycle, code, step)
        except RectrackError:
            after = store.load_state(session=world.session, code=code), row_counts(world.session)
            assert after == before
        else:
            assert step[0] == UNDO or before[0].state not in TABLE.final
            rec = store.load_state(session=world.session, code=code)
            assert rec.version == before[0].version + 1
        world.session.rollback()
    assert replayed(world, code) == store.load_state(session=world.session, code=code).state
    world.session.rollback()
