"""Two people change one recommendation at once: one of them is told, and nothing is lost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import partial

import pytest
from factories import CURRENT_TIME, EXECUTIVE, OFFICER, World, make_recommendation, row_counts
from sqlalchemy import Engine
from sqlmodel import Session, select

from workflow import services, store
from workflow.db import make_engine, new_session
from workflow.errors import EditConflict
from workflow.lifecycle import Lifecycle
from workflow.models import Event, Recommendation, Response
from workflow.records import Change

JUNE, JULY = date(2027, 6, 30), date(2027, 7, 31)


@pytest.fixture
def theirs(engine: Engine) -> Iterator[Session]:
    """A second engine and session on the same database: another clerk at another desk."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    with new_session(other) as session:
        yield session
    other.dispose()


@pytest.fixture
def code(world: World) -> str:
    return make_recommendation(world)


def agree(session: Session, lifecycle: Lifecycle, code: str, world: World, by: date) -> None:
    change = Change("agree", world.actor(EXECUTIVE), timescale=by)
    services.fire(session, lifecycle, code, change, CURRENT_TIME)


def between_reading_and_writing(
    monkeypatch: pytest.MonkeyPatch, ours: Session, meanwhile: Callable[[], None]
) -> None:
    """Run `meanwhile` once, right after `ours` has read the recommendation it will change."""
    read = store.load_state
    pending = [meanwhile]

    def read_then_let_the_other_desk_in(*, session: Session, code: str) -> store.RecState:
        rec = read(session=session, code=code)
        if session is ours and pending:
            pending.pop()()
        return rec

    monkeypatch.setattr(store, "load_state", read_then_let_the_other_desk_in)


def test_the_second_write_of_the_same_version_matches_nothing(
    world: World, theirs: Session, code: str
) -> None:
    mine = store.load_state(session=world.session, code=code)
    their = store.load_state(session=theirs, code=code)
    assert mine.version == their.version
    assert store.save_state(session=theirs, rec=their, values={"rag": "red"})
    theirs.commit()
    assert not store.save_state(session=world.session, rec=mine, values={"rag": "green"})
    world.session.rollback()
    rag = world.session.exec(select(Recommendation.rag).where(Recommendation.code == code)).one()
    assert (store.load_state(session=world.session, code=code).version, rag) == (
        mine.version + 1,
        "red",
    )


def test_a_change_that_lands_meanwhile_makes_ours_an_edit_conflict(
    world: World, theirs: Session, lifecycle: Lifecycle, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    their_agree = partial(agree, theirs, lifecycle, code, world, JULY)
    between_reading_and_writing(monkeypatch, world.session, their_agree)
    with pytest.raises(EditConflict):
        agree(world.session, lifecycle, code, world, JUNE)
    responses = world.session.exec(select(Response)).all()
    assert [(r.decision, r.timescale) for r in responses] == [("agree", JULY)]
    events = world.session.exec(select(Event.event).where(Event.event == "agree")).all()
    assert events == ["agree"]


def test_an_edit_conflict_says_to_look_again(
    world: World, theirs: Session, lifecycle: Lifecycle, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    their_agree = partial(agree, theirs, lifecycle, code, world, JULY)
    between_reading_and_writing(monkeypatch, world.session, their_agree)
    with pytest.raises(EditConflict) as conflict:
        agree(world.session, lifecycle, code, world, JUNE)
    assert str(conflict.value) == (
        "CCS/09/a was changed by someone else meanwhile; nothing was saved, look again and retry"
    )


def test_a_progress_update_that_crosses_a_change_is_an_edit_conflict(
    world: World, theirs: Session, lifecycle: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = make_recommendation(world, "b", "in_progress")
    officer = world.actor(OFFICER)
    their_update = partial(
        services.add_update, theirs, lifecycle, code, officer, "done by them", "green", CURRENT_TIME
    )
    between_reading_and_writing(monkeypatch, world.session, their_update)
    with pytest.raises(EditConflict):
        services.add_update(world.session, lifecycle, code, officer, "ours", "red", CURRENT_TIME)
    updates = world.session.exec(select(Event.note).where(Event.event == "progress_update"))
    assert updates.all() == ["done by them"]


def test_a_change_made_on_an_old_version_is_refused(
    world: World, theirs: Session, lifecycle: Lifecycle, code: str
) -> None:
    seen = store.load_state(session=world.session, code=code).version
    world.session.rollback()
    change = Change("agree", world.actor(EXECUTIVE), timescale=JULY)
    services.fire(theirs, lifecycle, code, change, CURRENT_TIME, expected_version=seen)
    before = row_counts(world.session)
    with pytest.raises(EditConflict):
        services.fire(world.session, lifecycle, code, change, CURRENT_TIME, expected_version=seen)
    assert row_counts(world.session) == before


def test_a_change_made_on_the_current_version_goes_through(
    world: World, lifecycle: Lifecycle, code: str
) -> None:
    seen = store.load_state(session=world.session, code=code).version
    change = Change("agree", world.actor(EXECUTIVE), timescale=JUNE)
    services.fire(world.session, lifecycle, code, change, CURRENT_TIME, expected_version=seen)
    assert store.load_state(session=world.session, code=code).version == seen + 1


def test_after_a_conflict_looking_again_and_retrying_works(
    world: World, theirs: Session, lifecycle: Lifecycle, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    their_agree = partial(agree, theirs, lifecycle, code, world, JULY)
    between_reading_and_writing(monkeypatch, world.session, their_agree)
    with pytest.raises(EditConflict):
        agree(world.session, lifecycle, code, world, JUNE)
    start = Change("start", world.actor(OFFICER))
    assert services.fire(world.session, lifecycle, code, start, CURRENT_TIME).after == "in_progress"


def test_changes_to_different_recommendations_do_not_conflict(
    world: World, theirs: Session, lifecycle: Lifecycle, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = make_recommendation(world, "b")
    their_agree = partial(agree, theirs, lifecycle, other, world, JULY)
    between_reading_and_writing(monkeypatch, world.session, their_agree)
    agree(world.session, lifecycle, code, world, JUNE)
    states = [store.load_state(session=world.session, code=c).state for c in (code, other)]
    assert states == ["endorsed", "endorsed"]
