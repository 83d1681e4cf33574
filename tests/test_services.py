"""The use cases on a real database: state, history and effects are written together, or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
    World,
    make_recommendation,
    row_counts,
)
from sqlmodel import select

from workflow import services, store
from workflow.errors import InputError, NotFound, TransitionRefused
from workflow.lifecycle import Lifecycle
from workflow.models import (
    Amendment,
    Body,
    Event,
    Person,
    ProgressUpdate,
    Recommendation,
    Response,
)
from workflow.records import Change, Outcome

JUNE = date(2027, 6, 30)
SEPTEMBER = date(2027, 9, 30)
ENDORSED = {"endorsed_by": PANEL, "endorsed_on": date(2027, 1, 25)}


@dataclass
class Desk:
    """A clerk's desk: fire events on the real database at a fixed time."""

    world: World
    lifecycle: Lifecycle
    now: datetime = CURRENT_TIME

    def fire(self, code: str, event: str, by: str, **data: Any) -> Outcome:
        change = Change(event, self.world.actor(by), **data)
        return services.fire(self.world.session, self.lifecycle, code, change, self.now)

    def update(self, code: str, by: str, note: str, rag: str | None = None) -> None:
        actor = self.world.actor(by)
        services.add_update(self.world.session, self.lifecycle, code, actor, note, rag, self.now)

    def rec(self, code: str) -> Recommendation:
        session = self.world.session
        session.expire_all()
        return session.exec(select(Recommendation).where(Recommendation.code == code)).one()

    def rows(self, model: type[Any], code: str) -> list[Any]:
        rec_id = self.rec(code).id
        assert rec_id is not None
        return store.related(session=self.world.session, model=model, recommendation_id=rec_id)

    def last_event(self, code: str) -> Event:
        event: Event = self.rows(Event, code)[-1]
        return event

    def person_id(self, email: str) -> int | None:
        return self.world.actor(email).person_id

    def show(self, code: str) -> dict[str, Any]:
        return services.show_recommendation(self.world.session, code)


def said(event: Event) -> dict[str, Any]:
    """What a history line says of its change, beside what an undo would put back."""
    return {key: value for key, value in event.data.items() if key != "before"}


@pytest.fixture
def desk(world: World, lifecycle: Lifecycle) -> Desk:
    return Desk(world, lifecycle)


@pytest.fixture
def code(world: World) -> str:
    return make_recommendation(world)


def in_state(world: World, state: str, target: date | None = JUNE) -> str:
    return make_recommendation(world, f"in-{state}", state, target_date=target)


def test_agree_writes_the_state_the_response_and_the_target(desk: Desk, code: str) -> None:
    desk.fire(code, "agree", EXECUTIVE, timescale=JUNE, note="gladly")
    rec = desk.rec(code)
    assert (rec.state, rec.target_date, rec.original_target_date) == ("endorsed", JUNE, JUNE)
    [response] = desk.rows(Response, code)
    assert (response.decision, response.timescale, response.comment) == ("agree", JUNE, "gladly")
    assert (response.by_id, response.at) == (desk.person_id(EXECUTIVE), CURRENT_TIME)


def test_the_event_row_says_who_when_from_where_to_where_and_what(desk: Desk, code: str) -> None:
    desk.fire(code, "agree", EXECUTIVE, timescale=JUNE, note="gladly")
    event = desk.last_event(code)
    assert (event.event, event.from_state, event.to_state) == ("agree", "proposed", "endorsed")
    assert (event.actor_id, event.at, event.note) == (
        desk.person_id(EXECUTIVE),
        CURRENT_TIME,
        "gladly",
    )
    assert said(event) == {"timescale": "2027-06-30"}


def test_the_event_time_comes_back_timezone_aware(desk: Desk, code: str) -> None:
    desk.now = datetime(2027, 6, 1, 9, 0, tzinfo=CURRENT_TIME.tzinfo) + timedelta(hours=3)
    desk.fire(code, "note", EXECUTIVE, note="noted")
    at = desk.last_event(code).at
    assert at.utcoffset() == timedelta(0)
    assert at == desk.now


def test_each_change_moves_the_version_on_by_one(desk: Desk, code: str) -> None:
    before = desk.rec(code).version
    desk.fire(code, "agree", EXECUTIVE, timescale=JUNE)
    desk.fire(code, "start", OFFICER)
    assert desk.rec(code).version == before + 2


def test_agree_in_part_keeps_the_part_not_agreed(desk: Desk, code: str) -> None:
    desk.fire(code, "agree_in_part", EXECUTIVE, timescale=JUNE, note="not the budget")
    [response] = desk.rows(Response, code)
    assert (response.decision, response.comment) == ("agree_in_part", "not the budget")
    assert desk.rec(code).state == "endorsed"


def test_disagree_closes_with_outcome_rejected(desk: Desk, code: str) -> None:
    desk.fire(code, "disagree", CLERK, note="no money")
    rec = desk.rec(code)
    assert (rec.state, rec.closure_outcome) == ("closed", "rejected")
    assert said(desk.last_event(code)) == {"outcome": "rejected"}
    assert desk.rows(Response, code)[0].comment == "no money"


def test_note_records_the_response_and_stays_proposed(desk: Desk, code: str) -> None:
    desk.fire(code, "note", EXECUTIVE, note="for information")
    assert (desk.rec(code).state, desk.rec(code).target_date) == ("proposed", None)
    assert [r.decision for r in desk.rows(Response, code)] == ["note"]


def test_the_owner_starts_the_work(desk: Desk, world: World) -> None:
    code = in_state(world, "endorsed")
    desk.fire(code, "start", OFFICER)
    assert desk.rec(code).state == "in_progress"
    assert desk.last_event(code).actor_id == desk.person_id(OFFICER)


def test_report_implemented_writes_the_commentary_as_a_progress_update(
    desk: Desk, world: World
) -> None:
    code = in_state(world, "in_progress")
    desk.fire(code, "report_implemented", OFFICER, note="live since May")
    [update] = desk.rows(ProgressUpdate, code)
    assert (update.note, update.by_id) == ("live since May", desk.person_id(OFFICER))
    assert desk.rec(code).state == "monitored"


def test_sign_off_closes_with_outcome_implemented(desk: Desk, world: World) -> None:
    code = in_state(world, "monitored")
    desk.fire(code, "sign_off", CHAIR)
    rec = desk.rec(code)
    assert (rec.state, rec.closure_outcome) == ("closed", "implemented")


def test_reopen_goes_back_to_work_with_its_reason(desk: Desk, world: World) -> None:
    code = in_state(world, "monitored")
    desk.fire(code, "reopen", CHAIR, note="savings not shown")
    assert desk.rec(code).state == "in_progress"
    assert desk.last_event(code).note == "savings not shown"


def test_withdraw_closes_as_withdrawn_unless_told_superseded(desk: Desk, world: World) -> None:
    first, second = in_state(world, "endorsed"), in_state(world, "amended")
    desk.fire(first, "withdraw", CHAIR, note="overtaken", **ENDORSED)
    desk.fire(second, "withdraw", CHAIR, note="replaced", outcome="superseded", **ENDORSED)
    assert [desk.rec(c).closure_outcome for c in (first, second)] == ["withdrawn", "superseded"]


def test_withdraw_records_who_endorsed_it(desk: Desk, world: World) -> None:
    code = in_state(world, "in_progress")
    desk.fire(code, "withdraw", CLERK, note="overtaken", **ENDORSED)
    assert said(desk.last_event(code)) == {
        "endorsed_by": PANEL,
        "endorsed_on": "2027-01-25",
        "outcome": "withdrawn",
    }


def test_amend_keeps_the_original_target_beside_the_new_one(desk: Desk, world: World) -> None:
    code = in_state(world, "in_progress")
    desk.fire(code, "amend", CHAIR, note="slipped", changes={"target_date": SEPTEMBER}, **ENDORSED)
    rec = desk.rec(code)
    assert (rec.state, rec.original_target_date, rec.target_date) == ("amended", JUNE, SEPTEMBER)
    [amendment] = desk.rows(Amendment, code)
    assert amendment.changes == {"target_date": ["2027-06-30", "2027-09-30"]}
    assert (amendment.reason, amendment.endorsed_on) == ("slipped", date(2027, 1, 25))


def test_slippage_and_rebasings_can_be_read_off(desk: Desk, world: World) -> None:
    code = in_state(world, "endorsed")
    for target in (SEPTEMBER, date(2027, 12, 31)):
        desk.fire(code, "amend", CHAIR, note="slipped", changes={"target_date": target}, **ENDORSED)
    desk.fire(code, "amend", CHAIR, note="clearer", changes={"text": "Say it plainly"}, **ENDORSED)
    view = desk.show(code)
    assert (view["original_target_date"], view["target_date"]) == ("2027-06-30", "2027-12-31")
    assert (view["slippage_days"], view["rebasings"]) == (184, 2)
    assert len(view["amendments"]) == 3


def test_a_first_target_set_by_amendment_is_the_baseline(desk: Desk, world: World) -> None:
    code = in_state(world, "endorsed", target=None)
    desk.fire(code, "amend", CHAIR, note="dated", changes={"target_date": JUNE}, **ENDORSED)
    view = desk.show(code)
    assert (view["original_target_date"], view["slippage_days"], view["rebasings"]) == (
        "2027-06-30",
        0,
        0,
    )


def test_an_amendment_that_changes_nothing_is_refused(desk: Desk, world: World) -> None:
    code = in_state(world, "endorsed")
    with pytest.raises(TransitionRefused, match="say what changes"):
        desk.fire(code, "amend", CHAIR, note="same", changes={"target_date": JUNE}, **ENDORSED)


def test_an_amendment_of_a_field_that_cannot_change_is_bad_input(desk: Desk, world: World) -> None:
    code = in_state(world, "endorsed")
    with pytest.raises(InputError, match="cannot amend owner"):
        desk.fire(code, "amend", CHAIR, note="x", changes={"owner": OTHER_OFFICER}, **ENDORSED)


def test_the_history_lists_every_change_in_order(desk: Desk, code: str) -> None:
    desk.fire(code, "agree", EXECUTIVE, timescale=JUNE)
    desk.fire(code, "start", OFFICER)
    desk.update(code, OFFICER, "half way", "amber")
    history = desk.show(code)["history"]
    assert [(h["event"], h["from_state"], h["to_state"]) for h in history] == [
        ("import", None, "proposed"),
        ("agree", "proposed", "endorsed"),
        ("start", "endorsed", "in_progress"),
        ("progress_update", "in_progress", "in_progress"),
    ]
    assert history[-1]["actor"] == OFFICER


def test_a_progress_update_keeps_the_state_and_sets_the_rag(desk: Desk, world: World) -> None:
    code = in_state(world, "in_progress")
    version = desk.rec(code).version
    desk.update(code, OFFICER, "half way", "amber")
    rec = desk.rec(code)
    assert (rec.state, rec.rag, rec.version) == ("in_progress", "amber", version + 1)
    assert [u.note for u in desk.rows(ProgressUpdate, code)] == ["half way"]
    assert said(desk.last_event(code)) == {"rag": "amber"}


@pytest.mark.parametrize(
    ("state", "by", "note", "rag", "rule"),
    [
        ("in_progress", OTHER_OFFICER, "done", None, "only the owner (officer@council.example)"),
        ("in_progress", EXECUTIVE, "done", None, "or a clerk may write a progress update"),
        ("closed", OFFICER, "done", None, "it is closed, and closed is final"),
        ("in_progress", OFFICER, "  ", None, "a note is required"),
        ("in_progress", CLERK, "done", "purple", "must be one of green, amber, red"),
    ],
)
def test_a_refused_progress_update_writes_nothing(
    desk: Desk, world: World, state: str, by: str, note: str, rag: str | None, rule: str
) -> None:
    code = in_state(world, state)
    before = row_counts(world.session), desk.rec(code).version
    with pytest.raises(TransitionRefused, match=re.escape(rule)):
        desk.update(code, by, note, rag)
    assert (row_counts(world.session), desk.rec(code).version) == before


REFUSALS = [
    ("proposed", "sign_off", CHAIR, {}),
    ("proposed", "agree", EXECUTIVE, {}),
    ("proposed", "agree", OFFICER, {"timescale": JUNE}),
    ("endorsed", "start", OTHER_OFFICER, {}),
    ("in_progress", "report_implemented", OFFICER, {"note": " "}),
    ("monitored", "reopen", EXECUTIVE, {"note": "not done"}),
    ("monitored", "sign_off", CHAIR, {"outcome": "rejected"}),
    ("endorsed", "amend", CHAIR, {"note": "x", "changes": {"text": "new"}}),
    ("endorsed", "withdraw", CHAIR, {"note": "x", "outcome": "implemented", **ENDORSED}),
    ("closed", "reopen", CLERK, {"note": "again"}),
    ("closed", "withdraw", CLERK, {"note": "x", **ENDORSED}),
    ("proposed", "approve", CLERK, {}),
]


@pytest.mark.parametrize(("state", "event", "by", "data"), REFUSALS)
def test_a_refused_event_writes_nothing(
    desk: Desk, world: World, state: str, event: str, by: str, data: dict[str, Any]
) -> None:
    code = in_state(world, state)
    before = row_counts(world.session), desk.rec(code).version, desk.rec(code).state
    with pytest.raises(TransitionRefused):
        desk.fire(code, event, by, **data)
    assert (row_counts(world.session), desk.rec(code).version, desk.rec(code).state) == before


def test_an_unknown_endorsing_body_is_not_found_and_nothing_is_written(
    desk: Desk, code: str
) -> None:
    # agree needs no endorsement, so no guard asks about the body: the service does.
    before = row_counts(desk.world.session)
    with pytest.raises(NotFound, match="no body with name 'Nobody'"):
        desk.fire(code, "agree", EXECUTIVE, timescale=JUNE, endorsed_by="Nobody")
    assert row_counts(desk.world.session) == before
    assert desk.rec(code).state == "proposed"


def test_an_amendment_endorsed_by_an_unknown_body_writes_nothing(desk: Desk, world: World) -> None:
    code = in_state(world, "endorsed")
    before = row_counts(world.session), desk.rec(code).target_date
    with pytest.raises(TransitionRefused, match="Nobody cannot endorse it"):
        desk.fire(
            code,
            "amend",
            CHAIR,
            note="x",
            changes={"target_date": SEPTEMBER},
            endorsed_by="Nobody",
            endorsed_on=date(2027, 1, 25),
        )
    assert (row_counts(world.session), desk.rec(code).target_date) == before


def test_an_unknown_recommendation_is_not_found(desk: Desk, world: World) -> None:
    with pytest.raises(NotFound, match="no recommendation with code 'NOPE/1'"):
        desk.fire("NOPE/1", "start", CLERK)


def test_a_person_is_found_whatever_the_case_of_the_email(world: World) -> None:
    actor = services.find_actor(world.session, OFFICER.upper())
    person = world.session.exec(select(Person).where(Person.email == OFFICER)).one()
    assert (actor.email, actor.person_id, actor.roles) == (
        OFFICER,
        person.id,
        frozenset({"officer"}),
    )


def a_chair_of_another_body(world: World) -> str:
    """Add a second scrutiny body with a chair of its own; return that chair's email."""
    email = "other.chair@council.example"
    person = Person(name="Oscar Other", email=email, roles=["chair"])
    world.session.add(person)
    world.session.flush()
    world.session.add(Body(name="Housing Panel", kind="scrutiny", chair_id=person.id))
    world.session.commit()
    return email


def test_only_the_chair_of_the_body_that_made_it_may_sign_it_off(desk: Desk, world: World) -> None:
    code, other_chair = in_state(world, "monitored"), a_chair_of_another_body(world)
    before = row_counts(world.session)
    with pytest.raises(TransitionRefused, match=f"only the chair of {PANEL}"):
        desk.fire(code, "sign_off", other_chair)
    assert row_counts(world.session) == before
    assert desk.fire(code, "sign_off", CHAIR).after == "closed"


def test_another_body_may_not_endorse_an_amendment(desk: Desk, world: World) -> None:
    code = in_state(world, "endorsed")
    a_chair_of_another_body(world)
    endorsed = {"endorsed_by": "Housing Panel", "endorsed_on": date(2027, 1, 25)}
    with pytest.raises(TransitionRefused, match="Housing Panel cannot endorse it"):
        desk.fire(code, "amend", CHAIR, note="x", changes={"target_date": SEPTEMBER}, **endorsed)


def test_the_full_council_may_endorse_an_amendment(desk: Desk, world: World) -> None:
    code = in_state(world, "endorsed")
    world.session.add(Body(name="Full Council", kind="council"))
    world.session.commit()
    endorsed = {"endorsed_by": "Full Council", "endorsed_on": date(2027, 1, 25)}
    outcome = desk.fire(code, "amend", CHAIR, note="x", changes={"text": "New."}, **endorsed)
    assert outcome.after == "amended"


def test_a_note_too_long_is_refused_naming_the_field(desk: Desk, world: World) -> None:
    code = in_state(world, "in_progress")
    before = row_counts(world.session)
    with pytest.raises(InputError, match="the note is longer than 30,000 characters") as refused:
        desk.update(code, OFFICER, "x" * 30_001)
    assert refused.value.field == "note"
    assert row_counts(world.session) == before


def test_a_timescale_out_of_range_is_refused_naming_the_field(desk: Desk, code: str) -> None:
    with pytest.raises(InputError, match="the timescale 2207-06-30 is not between") as refused:
        desk.fire(code, "agree", EXECUTIVE, timescale=date(2207, 6, 30))
    assert refused.value.field == "timescale"


def test_a_noted_recommendation_is_concluded_with_the_outcome_noted(desk: Desk, code: str) -> None:
    desk.fire(code, "note", EXECUTIVE, note="The board will keep an open mind.")
    assert desk.fire(code, "conclude", CHAIR, note="No commitment to monitor.").after == "closed"
    assert desk.rec(code).closure_outcome == "noted"


def test_a_recommendation_not_noted_cannot_be_concluded(desk: Desk, code: str) -> None:
    with pytest.raises(TransitionRefused, match="only a recommendation the executive has noted"):
        desk.fire(code, "conclude", CHAIR, note="Nothing to monitor.")


def test_the_committee_signs_off_as_partly_implemented(desk: Desk, world: World) -> None:
    code = in_state(world, "monitored")
    desk.fire(code, "sign_off", CHAIR, outcome="partly_implemented")
    assert desk.rec(code).closure_outcome == "partly_implemented"
