"""The lifecycle table, row by row: what each event is allowed from, who may fire it, why not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import CHAIR, CLERK, EXECUTIVE, OFFICER, OTHER_OFFICER, PANEL, REPORT, persona

from config import EventSpec, load_workflow_table
from workflow.errors import TransitionRefused
from workflow.lifecycle import Lifecycle
from workflow.records import Actor, Change, Subject

LONDON = ZoneInfo("Europe/London")

TABLE = load_workflow_table()
CODE = f"{REPORT}/a"

# DESIGN.md's table, written out by hand so the shipped config is checked against it.
DESIGN = {
    "agree": ({"proposed"}, "endorsed", {"executive", "clerk"}),
    "agree_in_part": ({"proposed"}, "endorsed", {"executive", "clerk"}),
    "disagree": ({"proposed"}, "closed", {"executive", "clerk"}),
    "note": ({"proposed"}, "proposed", {"executive", "clerk"}),
    "start": ({"endorsed", "amended"}, "in_progress", {"owner", "clerk"}),
    "amend": ({"endorsed", "amended", "in_progress", "monitored"}, "amended", {"chair", "clerk"}),
    "report_implemented": ({"in_progress"}, "monitored", {"owner", "clerk"}),
    "sign_off": ({"monitored"}, "closed", {"chair", "clerk"}),
    "reopen": ({"monitored"}, "in_progress", {"chair", "clerk"}),
    "conclude": ({"proposed"}, "closed", {"chair", "clerk"}),
    "withdraw": (set(TABLE.states) - {"closed"}, "closed", {"chair", "clerk"}),
}
PERSONAS = {CLERK: "clerk", EXECUTIVE: "executive", OFFICER: "owner", CHAIR: "chair"}
PERMITTED = {role: email for email, role in PERSONAS.items()}
DATA_FOR_NEED: dict[str, dict[str, Any]] = {
    "timescale": {"timescale": date(2027, 6, 30)},
    "reason": {"note": "the budget moved"},
    "comment": {"note": "all but the budget"},
    "commentary": {"note": "the new phone system is live"},
    "endorsement": {"endorsed_by": PANEL, "endorsed_on": date(2027, 5, 1)},
    "changes": {"changes": {"target_date": date(2027, 9, 30)}},
    "outcome": {"outcome": "superseded"},
    "noted": {},  # a fact of the subject, not of the change: see subject_in
}
ROWS = [(spec.name, source) for spec in TABLE.events for source in spec.sources]
NOT_ROWS = [
    (spec.name, state)
    for spec in TABLE.events
    for state in TABLE.states
    if state not in spec.sources
]
NEEDS = [
    (spec.name, need)
    for spec in TABLE.events
    for need in spec.needs
    if need not in ("outcome", "noted")
]
WHO = [(event, email) for event in DESIGN for email in [*PERSONAS, OTHER_OFFICER]]


def change_for(spec: EventSpec, actor: Actor, leave_out: str | None = None) -> Change:
    """The change `spec` needs, fired by `actor`, with everything it needs but `leave_out`."""
    data: dict[str, Any] = {}
    for need in spec.needs:
        if need != leave_out:
            data.update(DATA_FOR_NEED[need])
    return Change(spec.name, actor, **data)


def permitted(spec: EventSpec) -> Actor:
    return persona(PERMITTED[spec.roles[0]])


def spec_of(event: str) -> EventSpec:
    spec = TABLE.event(event)
    assert spec is not None
    return spec


def subject_in(state: str, noted: bool = True) -> Subject:
    """The recommendation in `state`, owned by the officer, made by the chair's panel.

    Unless told otherwise, the executive has noted it (which only `conclude` reads).
    """
    return Subject(CODE, state, OFFICER, body=PANEL, chair_email=CHAIR, noted=noted)


def refusal(lifecycle: Lifecycle, subject: Subject, change: Change) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.fire(subject, change)
    return refused.value


def test_the_shipped_table_is_the_one_in_the_design() -> None:
    shipped = {spec.name: (set(spec.sources), spec.dest, set(spec.roles)) for spec in TABLE.events}
    assert shipped == DESIGN


def test_closing_events_name_their_outcomes() -> None:
    outcomes = {spec.name: spec.outcomes for spec in TABLE.events if spec.dest == "closed"}
    assert outcomes == {
        "disagree": ("rejected",),
        "sign_off": ("implemented", "partly_implemented", "not_implemented"),
        "conclude": ("noted",),
        "withdraw": ("withdrawn", "superseded"),
    }


@pytest.mark.parametrize(("event", "source"), ROWS)
def test_each_row_is_allowed_from_its_source(lifecycle: Lifecycle, event: str, source: str) -> None:
    spec = spec_of(event)
    subject = subject_in(source)
    outcome = lifecycle.fire(subject, change_for(spec, permitted(spec)))
    assert (outcome.before, outcome.after, subject.state) == (source, spec.dest, spec.dest)


@pytest.mark.parametrize(("event", "state"), NOT_ROWS)
def test_each_event_is_refused_from_every_other_state(
    lifecycle: Lifecycle, event: str, state: str
) -> None:
    spec = spec_of(event)
    subject = subject_in(state)
    refused = refusal(lifecycle, subject, change_for(spec, persona(CLERK)))
    assert subject.state == state
    assert refused.rule.startswith(f"it is {state}, and ")
    assert refused.allowed == TABLE.events_from(state)


def test_a_wrong_state_refusal_says_where_it_may_be_fired_and_what_may_be_done(
    lifecycle: Lifecycle,
) -> None:
    refused = refusal(lifecycle, subject_in("proposed"), Change("sign_off", persona(CLERK)))
    assert str(refused) == (
        "cannot sign_off CCS/09/a: it is proposed, and sign_off is allowed only from monitored;"
        " from proposed you may: agree, agree_in_part, disagree, note, conclude, withdraw"
    )


def test_a_refusal_lists_only_what_the_person_may_do(lifecycle: Lifecycle) -> None:
    refused = refusal(lifecycle, subject_in("proposed"), Change("sign_off", persona(CHAIR)))
    assert str(refused).endswith("; from proposed you may: conclude, withdraw")


def test_a_refusal_says_when_the_person_may_do_nothing(lifecycle: Lifecycle) -> None:
    refused = refusal(lifecycle, subject_in("proposed"), Change("agree", persona(OFFICER)))
    assert str(refused).endswith("; from proposed there is nothing you may do")


def test_a_missing_need_names_the_input_it_is_about(lifecycle: Lifecycle) -> None:
    change = Change("withdraw", persona(CHAIR), endorsed_by=PANEL, endorsed_on=date(2027, 3, 1))
    refused = refusal(lifecycle, subject_in("endorsed"), change)
    assert (refused.rule, refused.field) == ("a reason is required", "note")


@pytest.mark.parametrize("event", [spec.name for spec in TABLE.events])
def test_closed_is_final(lifecycle: Lifecycle, event: str) -> None:
    spec = spec_of(event)
    refused = refusal(lifecycle, subject_in("closed"), change_for(spec, persona(CLERK)))
    assert refused.rule == "it is closed, and closed is final"
    assert refused.allowed == []


def test_a_refusal_in_a_final_state_says_nothing_more_may_be_done(lifecycle: Lifecycle) -> None:
    refused = refusal(lifecycle, subject_in("closed"), Change("reopen", persona(CHAIR), "why"))
    assert str(refused).endswith("; from closed nothing more may be done")


NEED_PHRASES = {
    "timescale": "a timescale (the date it will be done by) is required",
    "reason": "a reason is required",
    "comment": "a comment is required",
    "commentary": "a commentary on what was done is required",
    "endorsement": "the endorsing body and the date it endorsed this are required",
    "changes": "say what changes: the text, the target date or the monitoring date",
}


@pytest.mark.parametrize(("event", "need"), NEEDS)
def test_each_missing_need_is_named(lifecycle: Lifecycle, event: str, need: str) -> None:
    spec = spec_of(event)
    source = spec.sources[0]
    actor = permitted(spec)
    subject = subject_in(source)
    refused = refusal(lifecycle, subject, change_for(spec, actor, need))
    assert refused.rule == NEED_PHRASES[need]
    assert refused.allowed == lifecycle.allowed_to(subject, actor)


def test_a_blank_reason_is_no_reason(lifecycle: Lifecycle) -> None:
    change = Change("disagree", persona(EXECUTIVE), note="   ")
    assert refusal(lifecycle, subject_in("proposed"), change).rule == "a reason is required"


def test_an_endorsement_needs_its_date(lifecycle: Lifecycle) -> None:
    change = Change("withdraw", persona(CHAIR), note="overtaken", endorsed_by=PANEL)
    assert "the date it endorsed this" in refusal(lifecycle, subject_in("endorsed"), change).rule


def test_withdraw_refuses_an_outcome_it_does_not_offer(lifecycle: Lifecycle) -> None:
    change = change_for(spec_of("withdraw"), persona(CHAIR))
    bad = Change(**{**change.__dict__, "outcome": "implemented"})
    refused = refusal(lifecycle, subject_in("endorsed"), bad)
    assert refused.rule == "the outcome must be one of withdrawn, superseded, not 'implemented'"


@pytest.mark.parametrize(("event", "outcome"), [("conclude", "rejected"), ("disagree", "done")])
def test_no_event_closes_with_an_outcome_it_does_not_offer(
    lifecycle: Lifecycle, event: str, outcome: str
) -> None:
    spec = spec_of(event)
    change = change_for(spec, permitted(spec))
    bad = Change(**{**change.__dict__, "outcome": outcome})
    refused = refusal(lifecycle, subject_in(spec.sources[0]), bad)
    assert refused.rule == f"the outcome must be {spec.outcomes[0]}, not {outcome!r}"


@pytest.mark.parametrize("verdict", ["implemented", "partly_implemented", "not_implemented"])
def test_the_committee_signs_off_with_its_verdict(lifecycle: Lifecycle, verdict: str) -> None:
    change = Change("sign_off", persona(CHAIR), outcome=verdict)
    assert lifecycle.fire(subject_in("monitored"), change).after == "closed"


def test_only_a_noted_recommendation_may_be_concluded(lifecycle: Lifecycle) -> None:
    change = Change("conclude", persona(CHAIR), note="The board will not commit.")
    refused = refusal(lifecycle, subject_in("proposed", noted=False), change)
    assert refused.rule == "only a recommendation the executive has noted may be concluded"


def test_an_event_that_does_not_close_takes_no_outcome(lifecycle: Lifecycle) -> None:
    change = Change("reopen", persona(CHAIR), note="not done", outcome="withdrawn")
    refused = refusal(lifecycle, subject_in("monitored"), change)
    assert refused.rule == "reopen does not close it, so it takes no outcome"


@pytest.mark.parametrize(("event", "email"), WHO)
def test_only_the_roles_in_the_design_may_fire_each_event(
    lifecycle: Lifecycle, event: str, email: str
) -> None:
    spec = spec_of(event)
    subject = subject_in(spec.sources[0])
    change = change_for(spec, persona(email))
    if PERSONAS.get(email) in DESIGN[event][2]:
        assert lifecycle.fire(subject, change).after == spec.dest
    else:
        assert refusal(lifecycle, subject, change).rule.startswith("only ")


def test_a_role_refusal_names_who_may_and_who_asked(lifecycle: Lifecycle) -> None:
    refused = refusal(lifecycle, subject_in("endorsed"), Change("start", persona(OTHER_OFFICER)))
    assert refused.rule == (
        "only the owner (officer@council.example) or a clerk may start,"
        " and other.officer@council.example is officer"
    )


def test_the_role_is_checked_before_the_data(lifecycle: Lifecycle) -> None:
    refused = refusal(lifecycle, subject_in("proposed"), Change("agree", persona(OFFICER)))
    assert (
        refused.rule
        == "only an executive or a clerk may agree, and officer@council.example is officer"
    )


def test_the_owner_is_recognised_whatever_the_case_of_the_email(lifecycle: Lifecycle) -> None:
    owner = Actor(OFFICER.upper(), frozenset({"officer"}))
    assert lifecycle.fire(subject_in("endorsed"), Change("start", owner)).after == "in_progress"


def test_a_role_called_owner_does_not_make_anyone_the_owner(lifecycle: Lifecycle) -> None:
    impostor = Actor(OTHER_OFFICER, frozenset({"owner"}))
    assert refusal(lifecycle, subject_in("endorsed"), Change("start", impostor)).rule.startswith(
        "only the owner"
    )


def test_without_an_owner_only_a_clerk_may_start(lifecycle: Lifecycle) -> None:
    subject = Subject(CODE, "endorsed", owner_email=None)
    refused = refusal(lifecycle, subject, Change("start", persona(OFFICER)))
    assert refused.rule.startswith("only the owner (none set) or a clerk may start")


def test_an_unknown_event_is_refused_naming_the_events(lifecycle: Lifecycle) -> None:
    refused = refusal(lifecycle, subject_in("proposed"), Change("approve", persona(CLERK)))
    assert refused.rule.startswith("there is no event 'approve' (events: agree, agree_in_part")
    assert refused.allowed == TABLE.events_from("proposed")


def test_a_state_the_table_does_not_know_is_refused_in_words(lifecycle: Lifecycle) -> None:
    refused = refusal(lifecycle, subject_in("deferred"), Change("start", persona(CLERK)))
    assert refused.rule == "it is deferred, a state the workflow table does not have"
    assert refused.allowed == []


def test_check_refuses_like_fire_without_changing_the_subject(lifecycle: Lifecycle) -> None:
    subject = subject_in("proposed")
    with pytest.raises(TransitionRefused, match="a timescale"):
        lifecycle.check(subject, Change("agree", persona(EXECUTIVE)))
    lifecycle.check(subject, change_for(spec_of("agree"), persona(EXECUTIVE)))
    assert subject.state == "proposed"


def test_the_machine_has_no_automatic_jumps(lifecycle: Lifecycle) -> None:
    assert set(lifecycle.machine.events) == {spec.name for spec in TABLE.events}


def test_allowed_lists_the_events_from_a_state_in_table_order(lifecycle: Lifecycle) -> None:
    assert lifecycle.allowed("monitored") == ["amend", "sign_off", "reopen", "withdraw"]


def test_the_chair_of_another_body_may_not_act_as_chair() -> None:
    lifecycle = Lifecycle(TABLE, LONDON)
    other_chair = Actor("other.chair@council.example", frozenset({"chair"}))
    refused = refusal(lifecycle, subject_in("monitored"), Change("sign_off", other_chair))
    assert refused.rule == (
        f"only the chair of {PANEL} ({CHAIR}) or a clerk may sign_off,"
        " and other.chair@council.example is chair"
    )


def test_an_endorsement_by_a_body_that_did_not_make_it_is_refused(lifecycle: Lifecycle) -> None:
    change = change_for(spec_of("amend"), persona(CHAIR))
    refused = refusal(lifecycle, subject_in("endorsed"), replace(change, endorsed_by="Cabinet"))
    assert refused.rule == f"Cabinet cannot endorse it: only {PANEL}, which made it"


def test_the_tables_endorsers_may_endorse_anything(lifecycle: Lifecycle) -> None:
    change = change_for(spec_of("amend"), persona(CHAIR))
    subject = replace(subject_in("endorsed"), endorsers=frozenset({"Full Council"}))
    assert lifecycle.fire(subject, replace(change, endorsed_by="Full Council")).after == "amended"
