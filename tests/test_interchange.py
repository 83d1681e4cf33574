"""The JSON interchange document: round trips, defaults, every refusal, all or nothing."""

from __future__ import annotations

import ast
import json
import re
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import (
    CHAIR,
    CLERK,
    CURRENT_TIME,
    EXECUTIVE,
    OFFICER,
    PANEL,
    World,
    make_recommendation,
    row_counts,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, select

from config import load_workflow_table
from config.periods import Period
from notifications import ledger, transfer
from notifications.ledger import NoticeStatus
from notifications.models import NoticeRow
from notifications.notices import Kind, Notice
from rectrack.cli.demo import demo_document
from workflow import services
from workflow.errors import BadInput, InterchangeError, NotAllowed, NotFound
from workflow.interchange import export_document, import_document, read_json, write_json
from workflow.interchange import records as rec
from workflow.interchange.load import write
from workflow.interchange.validate import validate_document
from workflow.lifecycle import Lifecycle
from workflow.models import Milestone, Person, Recommendation
from workflow.records import Change

TABLE = load_workflow_table()
PERIOD = Period(2, "month")
ANN, BEN = "ann@sample.example", "ben@sample.example"
AT = "2027-02-01T10:00:00+00:00"


def import_(session: Session, document: object, **options: Any) -> rec.ImportSummary:
    defaults: dict[str, Any] = {
        "table": TABLE,
        "period": PERIOD,
        "by": a_clerk(session, document),
        "now": CURRENT_TIME,
        "tz": LONDON,
    }
    return import_document(session, document, **defaults | options)


def a_clerk(session: Session, document: object) -> str | None:
    """The personas' clerk where they are in the database, else the document's own."""
    if session.exec(select(Person).where(Person.email == CLERK)).first():
        return CLERK
    people = document.get("people", []) if isinstance(document, dict) else []
    return next((p["email"] for p in people if "clerk" in p.get("roles", [])), None)


def empty(engine: Engine) -> None:
    """Remove every row, so the next import starts from an empty database."""
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


def round_trip(engine: Engine, session: Session) -> tuple[dict[str, Any], dict[str, Any]]:
    """Export, empty the database, import the export, export again."""
    first = export_document(session)
    session.close()
    empty(engine)
    import_(session, json.loads(json.dumps(first)))
    return first, export_document(session)


def sample() -> dict[str, Any]:
    """A small document with one of everything, valid on its own and beside the personas."""
    agreed = {"event": "agree", "from_state": "proposed", "to_state": "endorsed", "actor": ANN}
    started = {"event": "start", "from_state": "endorsed", "to_state": "in_progress", "actor": BEN}
    return {
        "people": [
            {"name": "Ann Clerk", "email": ANN, "roles": ["clerk"]},
            {"name": "Ben Officer", "email": BEN, "roles": ["officer"]},
        ],
        "bodies": [{"name": "Sample Panel", "kind": "scrutiny", "chair": ANN}],
        "meetings": [
            {"body": "Sample Panel", "starts_at": "2027-04-20T18:00:00+01:00", "title": "Review"}
        ],
        "reports": [
            {
                "reference": "S/1",
                "title": "Sample review",
                "from_body": "Sample Panel",
                "to_body": "Sample Panel",
                "submitted_on": "2027-01-05",
            }
        ],
        "recommendations": [
            {"report": "S/1", "reference": "a", "text": "Do a.", "owner": BEN, "state": "proposed"},
            {
                "report": "S/1",
                "reference": "b",
                "text": "Do b.",
                "owner": BEN,
                "state": "in_progress",
                "target_date": "2027-06-30",
                "responses": [
                    {"decision": "agree", "timescale": "2027-05-31", "by": ANN, "at": AT}
                ],
                "updates": [{"note": "Going well.", "rag": "green", "by": BEN, "at": AT}],
                "amendments": [
                    {
                        "reason": "The plan moved.",
                        "endorsed_by": "Sample Panel",
                        "endorsed_on": "2027-03-01",
                        "changes": {"target_date": ["2027-05-31", "2027-06-30"]},
                        "by": ANN,
                        "at": AT,
                    }
                ],
                "milestones": [{"title": "Plan agreed", "due_on": "2027-03-31"}],
                "indicators": [{"kind": "cost", "name": "Cost per contact", "baseline": 4.2}],
                "history": [
                    {"event": "import", "to_state": "proposed", "at": AT},
                    {**agreed, "at": AT, "data": {"timescale": "2027-05-31"}},
                    {**started, "at": AT, "note": "Under way."},
                ],
            },
        ],
    }


# -- round trips ------------------------------------------------------------------------


def test_the_demo_document_imports_cleanly(session: Session) -> None:
    summary = import_(session, demo_document())
    assert summary.counts() == {
        "people": 7,
        "bodies": 2,
        "meetings": 3,
        "reports": 1,
        "recommendations": 3,
        "responses": 0,
        "updates": 0,
        "amendments": 0,
        "milestones": 2,
        "indicators": 3,
        "history": 0,
        "audit": 0,
        "notices": 0,
    }


def test_the_demo_document_round_trips(engine: Engine, session: Session) -> None:
    import_(session, demo_document())
    first, second = round_trip(engine, session)
    assert second == first


def test_the_sample_document_round_trips(engine: Engine, session: Session) -> None:
    import_(session, sample())
    first, second = round_trip(engine, session)
    assert second == first


def test_a_worked_recommendation_round_trips_with_its_whole_history(
    engine: Engine, world: World, lifecycle: Lifecycle
) -> None:
    session = world.session
    for code in _work_through_the_lifecycle(world, lifecycle):
        assert services.show_recommendation(session, code)["history"]
    first, second = round_trip(engine, session)
    assert second == first
    closed = first["recommendations"][0]
    assert [line["event"] for line in closed["history"]] == [
        "import",
        "agree",
        "start",
        "progress_update",
        "amend",
        "start",
        "report_implemented",
        "sign_off",
    ]
    assert closed["closure_outcome"] == "implemented"
    assert closed["responses"] and closed["updates"] and closed["amendments"]
    undone = first["recommendations"][1]
    assert [line["event"] for line in undone["history"]] == [
        "import",
        "disagree",
        "undo",
        "disagree",
    ]
    assert [r.get("undone", False) for r in undone["responses"]] == [True, False]


def _work_through_the_lifecycle(world: World, lifecycle: Lifecycle) -> list[str]:
    session, now = world.session, CURRENT_TIME
    done, rejected = make_recommendation(world, "a"), make_recommendation(world, "b")

    def fire(code: str, event: str, by: str, **data: Any) -> None:
        services.fire(session, lifecycle, code, Change(event, world.actor(by), **data), now)

    fire(done, "agree", EXECUTIVE, timescale=date(2027, 6, 30), note="Agreed.")
    fire(done, "start", OFFICER)
    services.add_update(session, lifecycle, done, world.actor(OFFICER), "On track.", "green", now)
    endorsed = {"endorsed_by": PANEL, "endorsed_on": date(2027, 1, 20)}
    fire(
        done, "amend", CHAIR, note="Moved.", changes={"target_date": date(2027, 9, 30)}, **endorsed
    )
    fire(done, "start", OFFICER)
    fire(done, "report_implemented", OFFICER, note="Done.")
    fire(done, "sign_off", CHAIR)
    fire(rejected, "disagree", EXECUTIVE, note="Too costly.")
    clerk = world.actor(CLERK)
    services.undo(session, lifecycle, rejected, clerk, "Recorded against the wrong one.", now)
    fire(rejected, "disagree", EXECUTIVE, note="Too costly, and the wrong one.")
    return [done, rejected]


def test_an_export_names_people_bodies_and_reports_not_ids(session: Session) -> None:
    import_(session, sample())
    exported = export_document(session)
    worked = exported["recommendations"][1]
    assert worked["owner"] == BEN
    assert worked["amendments"][0]["endorsed_by"] == "Sample Panel"
    assert exported["bodies"][0]["chair"] == ANN
    assert exported["reports"][0]["from_body"] == "Sample Panel"


def test_an_export_gives_every_recommendation_every_key(session: Session) -> None:
    import_(session, demo_document())
    for item in export_document(session)["recommendations"]:
        assert list(item) == [
            *("report", "reference", "code", "text", "priority", "group", "parent"),
            *("owner", "lead_member"),
            *("state", "target_date", "original_target_date", "monitoring_date", "rag"),
            *("closure_outcome", "exempt", "exempt_reason"),
            *("responses", "updates", "amendments", "milestones", "indicators", "history"),
        ]


def test_groups_and_parents_are_kept_and_round_trip(engine: Engine, session: Session) -> None:
    document = sample()
    document["recommendations"][0] |= {"group": "individual", "parent": "S/1/b"}
    document["recommendations"][1] |= {"group": "key"}
    import_(session, document)
    first, second = round_trip(engine, session)
    assert second == first
    kept = [(rec["group"], rec["parent"]) for rec in first["recommendations"]]
    assert kept == [("individual", "S/1/b"), ("key", None)]


def test_a_cancelled_meeting_and_the_audit_round_trip(engine: Engine, session: Session) -> None:
    document = sample()
    document["meetings"][0]["cancelled_at"] = "2027-04-01T09:00:00+00:00"
    before, after = {"name": "Ben"}, {"name": "Ben Officer"}
    edit = {"record": "person", "key": BEN, "action": "edit", "by": ANN, "at": AT}
    document["audit"] = [edit | {"before": before, "after": after}]
    assert import_(session, document).audit == 1
    first, second = round_trip(engine, session)
    assert second == first
    assert first["meetings"][0]["cancelled_at"] == "2027-04-01T09:00:00+00:00"
    assert first["audit"] == [edit | {"before": before, "after": after}]


def test_an_audit_row_of_an_unknown_record_is_refused_with_its_path(session: Session) -> None:
    document = sample()
    document["audit"] = [{"record": "cabinet", "key": "x", "action": "add", "at": AT}]
    with pytest.raises(InterchangeError, match=r"^audit\[0\]\.record: unknown audited record"):
        import_(session, document)


def test_a_parent_that_is_nowhere_is_refused_with_its_path(session: Session) -> None:
    document = sample()
    document["recommendations"][0]["parent"] = "S/1/q"
    with pytest.raises(InterchangeError, match=r"^recommendations\[0\]\.parent: no recommendation"):
        import_(session, document)


def test_write_json_writes_the_document_that_read_json_reads(
    session: Session, tmp_path: Path
) -> None:
    import_(session, sample())
    exported = export_document(session)
    stream = StringIO()
    write_json(exported, stream)
    path = tmp_path / "export.json"
    path.write_text(stream.getvalue(), encoding="utf-8")
    assert read_json(path) == exported


# -- defaults ---------------------------------------------------------------------------


def test_a_response_due_date_defaults_to_the_end_of_the_period(session: Session) -> None:
    import_(session, sample())
    assert export_document(session)["reports"][0]["response_due_on"] == "2027-03-04"


def test_a_response_due_date_given_is_kept(session: Session) -> None:
    document = sample()
    document["reports"][0]["response_due_on"] = "2027-02-26"
    import_(session, document)
    assert export_document(session)["reports"][0]["response_due_on"] == "2027-02-26"


def test_the_period_comes_from_the_caller(session: Session) -> None:
    import_(session, sample(), period=Period(8, "week"))
    assert export_document(session)["reports"][0]["response_due_on"] == "2027-03-01"


def test_a_code_defaults_to_report_and_reference(session: Session) -> None:
    import_(session, sample())
    codes = [item["code"] for item in export_document(session)["recommendations"]]
    assert codes == ["S/1/a", "S/1/b"]


def test_a_code_given_is_kept(session: Session) -> None:
    document = sample()
    document["recommendations"][0]["code"] = "SAMPLE-A"
    import_(session, document)
    assert export_document(session)["recommendations"][0]["code"] == "SAMPLE-A"


def test_the_baseline_target_defaults_to_the_target(session: Session) -> None:
    import_(session, sample())
    worked = export_document(session)["recommendations"][1]
    assert worked["original_target_date"] == worked["target_date"] == "2027-06-30"


def test_a_recommendation_without_history_gets_one_import_line(world: World) -> None:
    import_(world.session, sample(), by=CLERK)
    plain = export_document(world.session)["recommendations"][0]
    assert plain["history"] == [
        {
            "event": "import",
            "from_state": None,
            "to_state": "proposed",
            "actor": CLERK,
            "at": CURRENT_TIME.isoformat(),
            "effective_on": CURRENT_TIME.date().isoformat(),
            "note": None,
            "data": {},
        }
    ]


def test_the_importer_may_be_one_of_the_documents_own_people(session: Session) -> None:
    import_(session, sample(), by=ANN.upper())
    assert export_document(session)["recommendations"][0]["history"][0]["actor"] == ANN


def test_only_a_clerk_may_import(world: World) -> None:
    before = row_counts(world.session)
    with pytest.raises(NotAllowed, match=r"only a clerk may import, and .* is officer"):
        import_(world.session, sample(), by=OFFICER)
    assert row_counts(world.session) == before


def test_an_import_names_its_importer(session: Session) -> None:
    with pytest.raises(BadInput, match="say who is importing") as refused:
        import_(session, sample(), by=None)
    assert refused.value.field == "by"


def test_a_document_cannot_make_its_own_clerk_in_a_database_in_use(world: World) -> None:
    before = row_counts(world.session)
    with pytest.raises(BadInput, match="only an empty one may take its importer"):
        import_(world.session, sample(), by=ANN)
    assert row_counts(world.session) == before


def test_a_document_importer_must_be_a_clerk_of_the_document(session: Session) -> None:
    with pytest.raises(NotAllowed, match="only a clerk may import"):
        import_(session, sample(), by=BEN)


def test_a_history_the_workflow_could_not_make_is_refused(session: Session) -> None:
    document = sample()
    forged = {"event": "sign_off", "from_state": "proposed", "to_state": "closed", "at": AT}
    document["recommendations"][0] |= {"state": "closed", "closure_outcome": "implemented"}
    document["recommendations"][0]["history"] = [
        {"event": "import", "to_state": "proposed", "at": AT},
        forged,
    ]
    with pytest.raises(InterchangeError) as refused:
        import_(session, document)
    assert str(refused.value) == (
        "recommendations[0].history[1].event: sign_off is allowed only from monitored, not proposed"
    )


def test_an_unknown_importer_is_refused_before_anything_is_written(world: World) -> None:
    before = row_counts(world.session)
    with pytest.raises(NotFound, match=r"no person with email 'nobody@x\.example'"):
        import_(world.session, sample(), by="nobody@x.example")
    assert row_counts(world.session) == before


def test_an_import_line_names_the_importer(session: Session) -> None:
    import_(session, sample())
    assert export_document(session)["recommendations"][0]["history"][0]["actor"] == ANN


def test_a_recommendation_with_history_keeps_exactly_that_history(session: Session) -> None:
    import_(session, sample())
    history = export_document(session)["recommendations"][1]["history"]
    assert [(line["event"], line["note"]) for line in history] == [
        ("import", None),
        ("agree", None),
        ("start", "Under way."),
    ]
    assert history[1]["data"] == {"timescale": "2027-05-31"}


def test_emails_are_stored_lower_cased_and_found_in_any_case(session: Session) -> None:
    document = sample()
    document["people"][1]["email"] = "Ben@Sample.Example"
    document["recommendations"][0]["owner"] = "BEN@SAMPLE.EXAMPLE"
    import_(session, document)
    exported = export_document(session)
    assert exported["people"][1]["email"] == BEN
    assert exported["recommendations"][0]["owner"] == BEN


def test_a_meeting_time_without_an_offset_is_in_the_councils_zone(session: Session) -> None:
    document = sample()
    document["meetings"][0]["starts_at"] = "2027-04-20T18:00"
    import_(session, document, tz=ZoneInfo("Europe/London"))
    assert export_document(session)["meetings"][0]["starts_at"] == "2027-04-20T17:00:00+00:00"


def test_an_instant_is_kept_as_the_same_moment_in_utc(session: Session) -> None:
    import_(session, sample())
    assert export_document(session)["meetings"][0]["starts_at"] == "2027-04-20T17:00:00+00:00"


def test_references_may_name_records_already_in_the_database(world: World) -> None:
    document = {
        "recommendations": [
            {"report": "CCS/09", "reference": "z", "text": "New.", "owner": OFFICER.upper()}
        ]
    }
    import_(world.session, document)
    assert services.show_recommendation(world.session, "CCS/09/z")["owner"] == OFFICER


def test_a_state_defaults_to_the_initial_state(world: World) -> None:
    import_(
        world.session, {"recommendations": [{"report": "CCS/09", "reference": "z", "text": ""}]}
    )
    assert services.show_recommendation(world.session, "CCS/09/z")["state"] == "proposed"


# -- dry runs and progress --------------------------------------------------------------


def test_a_dry_run_counts_what_it_would_write_and_writes_nothing(world: World) -> None:
    before = row_counts(world.session)
    summary = import_(world.session, sample(), dry_run=True)
    assert summary.counts()["recommendations"] == 2
    assert summary.counts()["history"] == 3
    assert row_counts(world.session) == before


def test_a_dry_run_checks_against_the_database_too(world: World) -> None:
    document = sample()
    document["people"][0]["email"] = CLERK
    with pytest.raises(InterchangeError, match=r"people\[0\]\.email: .* already exists"):
        import_(world.session, document, dry_run=True)


def test_progress_is_reported_after_each_chunk(session: Session) -> None:
    document = sample()
    plain = document["recommendations"][0]
    more = [{**plain, "reference": str(i)} for i in range(5_001)]
    document["recommendations"] += more
    seen: list[int] = []
    import_(session, document, progress=seen.append)
    assert seen == [5_000, 5_003]


# -- refusals ---------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], object]


def put(path: str, value: object, **siblings: object) -> Mutation:
    """Set the value at a path such as `recommendations[1].history[0].at` (and beside it)."""

    def mutate(document: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        target: Any = document
        for step in parents:
            target = target[step]
        target[last] = value
        if siblings:
            target.update(siblings)

    return mutate


def drop(path: str) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        target: Any = document
        for step in parents:
            target = target[step]
        del target[last]

    return mutate


def _steps(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in re.findall(r"(\w+)|\[(\d+)\]", path)]


def add(key: str, record: dict[str, Any]) -> Mutation:
    return lambda document: document[key].append(record)


REPORT = {
    "reference": "S/1",
    "title": "Again",
    "from_body": "Sample Panel",
    "to_body": "Sample Panel",
    "submitted_on": "2027-01-05",
}

R0, R1 = "recommendations[0]", "recommendations[1]"
LONDON = ZoneInfo("Europe/London")
NO_ONE = "no person with email 'x@y'"

REFUSALS: list[tuple[str, Mutation, str]] = [
    ("top-level key", put("projects", []), "projects: unknown key"),
    ("person key", put("people[0].nickname", "A"), "people[0].nickname: unknown key"),
    ("nested key", put(f"{R1}.history[0].colour", "red"), f"{R1}.history[0].colour: unknown key"),
    ("missing key", drop(f"{R0}.text"), f"{R0}.text: is required"),
    ("not a list", put("people", {}), "people: must be a list, not {}"),
    ("not an object", put(R0, "a"), f"{R0}: must be an object, not 'a'"),
    ("name with CRLF", put("people[0].name", "A\r\nBcc: x@y"), "people[0].name: 'A\\r\\nBcc: x@y'"),
    ("name with ESC", put("people[0].name", "A\x1b[2J"), "must be one line without control"),
    (
        "name with U+2028",
        put("bodies[0].name", "Panel\u2028"),
        "bodies[0].name: 'Panel\\u2028' must",
    ),
    ("blank name", put("people[0].name", "  "), "people[0].name: must be a non-empty string"),
    ("email with LF", put("people[0].email", f"{ANN}\nBcc: x@y"), "is not a plain email address"),
    ("email with a name", put("people[0].email", f"A <{ANN}>"), f"people[0].email: 'A <{ANN}>' is"),
    ("two emails", put("people[0].email", f"{ANN}, x@y"), "is not a plain email address"),
    ("email not text", put("people[0].email", 7), "people[0].email: 7 is not a plain email"),
    ("email twice", put("people[1].email", ANN.upper()), f"email '{ANN}' appears twice"),
    ("role", put("people[0].roles", ["boss"]), "people[0].roles[0]: unknown role 'boss'"),
    ("body kind", put("bodies[0].kind", "panel"), "bodies[0].kind: unknown kind of body 'panel'"),
    ("body twice", add("bodies", {"name": "Sample Panel", "kind": "other"}), "bodies[1].name: a"),
    ("chair", put("bodies[0].chair", "x@y"), f"bodies[0].chair: {NO_ONE}"),
    ("meeting body", put("meetings[0].body", "Cabinet"), "meetings[0].body: no body named"),
    ("not a time", put("meetings[0].starts_at", "soon"), "'soon' is not a date and time"),
    ("bad date", put("reports[0].submitted_on", "2027-02-30"), "'2027-02-30' is not a date"),
    ("local date", put("reports[0].submitted_on", "05/01/2027"), "is not a date (YYYY-MM-DD)"),
    (
        "date too late",
        put("reports[0].submitted_on", "9999-12-31"),
        "reports[0].submitted_on: 9999-12-31 is not between 1900 and 2199",
    ),
    (
        "time too early",
        put("meetings[0].starts_at", "0001-01-01T00:00:00+00:00"),
        "meetings[0].starts_at: 0001-01-01 is not between 1900 and 2199",
    ),
    (
        "name too long",
        put("people[0].name", "A" * 501),
        "people[0].name: is longer than 500 characters (it has 501)",
    ),
    (
        "text too long",
        put(f"{R0}.text", "x" * 30_001),
        f"{R0}.text: is longer than 30,000 characters (it has 30,001)",
    ),
    ("report twice", add("reports", REPORT), "reports[1].reference: a report 'S/1' appears twice"),
    ("report body", put("reports[0].to_body", "Cabinet"), "reports[0].to_body: no body named"),
    ("report", put(f"{R0}.report", "S/2"), f"{R0}.report: no report with reference 'S/2'"),
    ("owner", put(f"{R0}.owner", "x@y"), f"{R0}.owner: {NO_ONE}"),
    ("lead member", put(f"{R0}.lead_member", "x@y"), f"{R0}.lead_member: {NO_ONE}"),
    ("state", put(f"{R0}.state", "done"), f"{R0}.state: unknown state 'done'"),
    ("target date", put(f"{R0}.target_date", "2027-02-30"), f"{R0}.target_date: '2027-02-30'"),
    ("rag", put(f"{R0}.rag", "blue"), f"{R0}.rag: unknown RAG status 'blue'"),
    ("outcome while open", put(f"{R0}.closure_outcome", "implemented"), "(closed) has one, not"),
    ("unknown outcome", put(f"{R0}.closure_outcome", "done"), "unknown closure outcome 'done'"),
    ("code twice", put(f"{R1}.code", "S/1/a"), f"{R1}.code: code 'S/1/a' appears twice"),
    ("reference twice", put(f"{R1}.code", "B", reference="a"), "'S/1' already has a rec"),
    ("text", put(f"{R0}.text", None), f"{R0}.text: must be a string, not None"),
    ("NUL in text", put(f"{R0}.text", "a\x00b"), "holds a character that cannot be stored"),
    ("decision", put(f"{R1}.responses[0].decision", "maybe"), "unknown decision 'maybe'"),
    ("naive response", put(f"{R1}.responses[0].at", "2027-02-01T10:00"), "has no UTC offset"),
    ("update rag", put(f"{R1}.updates[0].rag", "purple"), "updates[0].rag: unknown RAG status"),
    ("update by", put(f"{R1}.updates[0].by", "x@y"), f"updates[0].by: {NO_ONE}"),
    ("endorsed by", put(f"{R1}.amendments[0].endorsed_by", "Cabinet"), "no body named 'Cabinet'"),
    ("changes", put(f"{R1}.amendments[0].changes", []), "changes: must be an object"),
    ("milestone", put(f"{R1}.milestones[0].due_on", "31/03/2027"), "due_on: '31/03/2027' is not"),
    ("indicator kind", put(f"{R1}.indicators[0].kind", "speed"), "unknown kind of indicator"),
    ("indicator value", put(f"{R1}.indicators[0].baseline", "high"), "must be a finite number"),
    ("not a number", put(f"{R1}.indicators[0].target", float("nan")), "must be a finite number"),
    ("history actor", put(f"{R1}.history[1].actor", "x@y"), f"history[1].actor: {NO_ONE}"),
    ("history state", put(f"{R1}.history[1].from_state", "limbo"), "unknown state 'limbo'"),
    (
        "history end",
        put(f"{R1}.state", "endorsed"),
        "ends in in_progress, but the state is endorsed",
    ),
    ("history path", put(f"{R1}.history[2].to_state", "monitored"), "start leads to in_progress"),
    ("history gap", put(f"{R1}.history[2].from_state", "amended"), "left it endorsed, not amended"),
    ("history start", put(f"{R1}.history[0].from_state", "endorsed"), "from no state (null)"),
    ("history event", put(f"{R1}.history[2].event", "begin"), "'begin' is not an event"),
    ("event name", put(f"{R1}.history[1].event", "x" * 33), "is longer than 32 characters"),
]


@pytest.mark.parametrize(("mutate", "message"), [pytest.param(m, s, id=i) for i, m, s in REFUSALS])
def test_a_bad_document_is_refused_with_the_path_and_nothing_is_written(
    world: World, mutate: Mutation, message: str
) -> None:
    document = sample()
    mutate(document)
    before = row_counts(world.session)
    with pytest.raises(InterchangeError) as refused:
        import_(world.session, document)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert row_counts(world.session) == before


TAKEN = f"'{CLERK}' already exists"
ALREADY: list[tuple[str, Mutation, str]] = [
    (
        "email",
        put("people[0].email", CLERK.upper()),
        f"people[0].email: a person with email {TAKEN}",
    ),
    (
        "body",
        put("bodies[0].name", PANEL),
        f"bodies[0].name: a body named '{PANEL}' already exists",
    ),
    ("report", put("reports[0].reference", "CCS/09"), "a report 'CCS/09' already exists"),
    ("code", put(f"{R0}.code", "CCS/09/a"), f"{R0}.code: code 'CCS/09/a' already exists"),
    ("reference", put(f"{R0}.report", "CCS/09", code="X"), "'CCS/09' already has a recommendation"),
]


@pytest.mark.parametrize(("mutate", "message"), [pytest.param(m, s, id=i) for i, m, s in ALREADY])
def test_a_record_that_is_already_in_the_database_is_refused(
    world: World, mutate: Mutation, message: str
) -> None:
    make_recommendation(world, "a")
    document = sample()
    mutate(document)
    before = row_counts(world.session)
    with pytest.raises(InterchangeError, match=re.escape(message)):
        import_(world.session, document)
    assert row_counts(world.session) == before


def test_a_document_that_is_not_an_object_is_refused(session: Session) -> None:
    with pytest.raises(InterchangeError, match=r"^document: must be an object, not \[\]$"):
        import_(session, [])


def test_a_long_value_is_clipped_in_the_message(session: Session) -> None:
    document = sample()
    document["recommendations"][0]["owner"] = "x" * 500
    with pytest.raises(InterchangeError) as refused:
        import_(session, document)
    assert len(str(refused.value)) < 150


def test_a_write_the_database_refuses_leaves_nothing_behind(world: World) -> None:
    """The checks run first, but the database has the last word: all or nothing still."""
    document = sample()
    document["recommendations"][1]["code"] = "CCS/09/a"  # passes: not yet in the database
    validated = validate_document(document, table=TABLE, period=PERIOD, known=rec.Known())
    make_recommendation(world, "a")  # ... and now it is
    before = row_counts(world.session)
    with pytest.raises(InterchangeError, match=r"^import: the database refused it: "):
        write(world.session, validated, by=None, now=CURRENT_TIME, today=CURRENT_TIME.date())
    assert row_counts(world.session) == before


# -- the pure core ----------------------------------------------------------------------

PURE = ("checks", "records", "recommendations", "scope", "shapes", "validate")
STORAGE = ("sqlalchemy", "sqlmodel", "workflow.models", "workflow.db", "workflow.store")


@pytest.mark.parametrize("module", PURE)
def test_the_checks_import_nothing_that_touches_storage(module: str) -> None:
    source = Path(validate_document.__code__.co_filename).with_name(f"{module}.py")
    tree = ast.parse(source.read_text(encoding="utf-8"))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert not [name for name in imported if name.startswith(STORAGE)]


# -- reading the file -------------------------------------------------------------------


def test_bad_json_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "people": [,]\n}', encoding="utf-8")
    with pytest.raises(InterchangeError, match=r"is not valid JSON: .* at line 2, column 14$"):
        read_json(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InterchangeError, match=r"missing\.json: cannot be read"):
        read_json(tmp_path / "missing.json")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"people": [{"name": "Zoë"}]}'.encode("latin-1"))
    with pytest.raises(InterchangeError, match="is not UTF-8 text"):
        read_json(path)


def test_a_file_that_holds_a_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(InterchangeError, match="must hold a JSON object"):
        read_json(path)


# -- generated documents ----------------------------------------------------------------

ONE_LINE = st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"])
NAMES = st.text(ONE_LINE, min_size=1, max_size=12).filter(str.strip)
TEXTS = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))
EMAILS = st.builds(
    "{}@{}".format,
    st.from_regex(r"[A-Za-z0-9_+-]{1,8}(\.[A-Za-z0-9_+-]{1,8})?", fullmatch=True),
    st.sampled_from(["council.example", "Panel.Example", "localhost"]),
)
DAYS = st.dates(date(2020, 1, 1), date(2035, 12, 31)).map(date.isoformat)
OFFSETS = st.integers(-12 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
INSTANTS = st.datetimes(datetime(2020, 1, 1), datetime(2035, 1, 1), timezones=OFFSETS)
NUMBERS = st.none() | st.floats(allow_nan=False, allow_infinity=False) | st.integers(-999, 999)


ROLES = ["clerk", "executive", "officer", "chair"]
KINDS = ["scrutiny", "executive", "council", "other"]


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid document: people, bodies, meetings, reports and recommendations that fit."""
    emails = draw(st.lists(EMAILS, min_size=1, max_size=4, unique_by=str.lower))
    someone = st.none() | st.sampled_from(emails)
    names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    body = st.sampled_from(names)
    references = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    keys = st.tuples(st.sampled_from(references), NAMES)
    pairs = draw(st.lists(keys, min_size=1, max_size=6, unique_by=lambda pair: "/".join(pair)))
    return {
        "people": [draw(person(email, clerk=i == 0)) for i, email in enumerate(emails)],
        "bodies": [draw(body_named(name, someone)) for name in names],
        "meetings": draw(st.lists(meeting(body), max_size=2)),
        "reports": [draw(report(reference, body)) for reference in references],
        "recommendations": [draw(recommendation(*pair, someone)) for pair in pairs],
    }


def person(email: str, clerk: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """A person; the clerk, who does the import, has the clerk role among others."""
    roles = st.lists(st.sampled_from(ROLES))
    if clerk:
        roles = roles.map(lambda drawn: ["clerk", *(role for role in drawn if role != "clerk")])
    return st.fixed_dictionaries({"name": NAMES, "email": st.just(email), "roles": roles})


def body_named(name: str, someone: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    kind = st.sampled_from(KINDS)
    return st.fixed_dictionaries({"name": st.just(name), "kind": kind, "chair": someone})


def meeting(body: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    starts_at = INSTANTS.map(datetime.isoformat)
    return st.fixed_dictionaries(
        {"body": body, "starts_at": starts_at, "title": NAMES | st.just("")}
    )


def report(reference: str, body: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"reference": st.just(reference), "title": NAMES, "from_body": body, "to_body": body}
        | {"submitted_on": DAYS}
    )


def recommendation(
    report: str, reference: str, someone: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    indicator = st.fixed_dictionaries(
        {"kind": st.sampled_from(["cost", "saving", "outcome"]), "name": NAMES},
        optional={"unit": NAMES, "baseline": NUMBERS, "target": NUMBERS, "actual": NUMBERS},
    )
    milestone = st.fixed_dictionaries(
        {"title": NAMES}, optional={"due_on": DAYS, "done_on": st.none() | DAYS}
    )
    fixed = {"report": st.just(report), "reference": st.just(reference), "text": TEXTS}
    return st.fixed_dictionaries(
        fixed | {"state": st.sampled_from(TABLE.states)},
        optional={
            "owner": someone.map(lambda email: email and email.upper()),
            "lead_member": someone,
            "priority": st.none() | NAMES,
            "target_date": st.none() | DAYS,
            "monitoring_date": st.none() | DAYS,
            "rag": st.none() | st.sampled_from(["green", "amber", "red"]),
            "milestones": st.lists(milestone, max_size=2),
            "indicators": st.lists(indicator, max_size=2),
        },
    )


GENERATED = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def start_empty(engine: Engine, session: Session) -> None:
    session.close()
    empty(engine)


@GENERATED
@given(document=documents())
def test_a_generated_document_is_exported_as_given_and_round_trips(
    engine: Engine, session: Session, document: dict[str, Any]
) -> None:
    start_empty(engine, session)
    import_(session, document)
    first, second = round_trip(engine, session)
    assert second == first
    assert first["people"] == [p | {"email": p["email"].lower()} for p in document["people"]]
    for given_rec, exported in zip(
        document["recommendations"], first["recommendations"], strict=True
    ):
        for key, value in given_rec.items():
            assert exported[key] == _as_exported(key, value), key


def _as_exported(key: str, value: Any) -> Any:
    if key in ("owner", "lead_member") and value:
        return value.lower()
    if key == "milestones":
        return [{"due_on": None, "done_on": None} | item for item in value]
    if key == "indicators":
        return [_indicator(item) for item in value]
    return value


def _indicator(item: dict[str, Any]) -> dict[str, Any]:
    numbers = {key: None if item.get(key) is None else float(item[key]) for key in NUMBER_KEYS}
    return {"unit": None} | item | numbers


NUMBER_KEYS = ("baseline", "target", "actual")

# (list, field, bad value): one corrupt field in one record, refused at its path.
CORRUPTIONS = [
    ("recommendations", "owner", "nobody@else.example"),
    ("recommendations", "report", "no\nreport"),
    ("recommendations", "state", "limbo"),
    ("recommendations", "target_date", "2027-02-30"),
    ("recommendations", "text", 7),
    ("recommendations", "rag", "blue"),
    ("recommendations", "surprise", True),
    ("people", "email", "someone\n@council.example"),
    ("people", "name", "Eve\r\nBcc: all@council.example"),
    ("bodies", "kind", "panel"),
    ("bodies", "chair", "nobody@else.example"),
    ("reports", "submitted_on", "2027-13-01"),
    ("reports", "from_body", "No\tBody"),
]


@GENERATED
@given(document=documents(), corruption=st.sampled_from(CORRUPTIONS), data=st.data())
def test_a_generated_document_with_one_corrupt_field_is_refused_at_its_path(
    engine: Engine,
    session: Session,
    document: dict[str, Any],
    corruption: tuple[str, str, object],
    data: st.DataObject,
) -> None:
    start_empty(engine, session)
    key, field, bad = corruption
    index = data.draw(st.integers(0, len(document[key]) - 1), label="index")
    document[key][index][field] = bad
    with pytest.raises(InterchangeError) as refused:
        import_(session, document)
    assert str(refused.value).startswith(f"{key}[{index}].{field}: ")
    assert not any(row_counts(session).values())


def test_a_notice_about_something_not_in_the_database_is_refused_with_its_path(
    session: Session,
) -> None:
    document = sample()
    document["notices"] = [
        {
            "kind": "monitoring-reminder",
            "about": {"recommendation": "S/9"},
            "recipient": BEN,
            "due_day": "2027-04-06",
            "status": "sent",
        }
    ]
    path = Path(tempfile.mkdtemp()) / "moved.json"
    path.write_text(json.dumps(document), "utf-8")
    before = row_counts(session)
    with pytest.raises(InterchangeError) as refused:
        transfer.import_file(
            session, path, table=TABLE, period=PERIOD, tz=LONDON, by=ANN, now=CURRENT_TIME
        )
    assert str(refused.value) == "notices[0].about: no recommendation 'S/9' is in the database"
    assert row_counts(session) == before


def test_a_milestone_notice_is_carried_by_its_recommendation_and_number(world: World) -> None:
    session, code = world.session, make_recommendation(world, "a", "in_progress")
    rec_id = session.exec(select(Recommendation.id).where(Recommendation.code == code)).one()
    milestones = [Milestone(recommendation_id=rec_id or 0, title=t) for t in ("Costed", "Out")]
    session.add_all(milestones)
    session.flush()
    item = f"milestone:{milestones[1].id}"
    notice = Notice(
        Kind.MILESTONE_DUE, item, OFFICER, "Olive", date(2027, 4, 6), CURRENT_TIME, None
    )
    ledger.record(session=session, notices=[notice], now=CURRENT_TIME, status=NoticeStatus.MISSED)
    [carried] = transfer.settled_notices(session.connection())
    assert carried["about"] == {"milestone": {"recommendation": code, "number": 2}}
    session.execute(text("DELETE FROM notice"))
    records = transfer.check_notices([carried], LONDON)
    transfer.write_notices(session.connection(), records, CURRENT_TIME)
    assert session.exec(select(NoticeRow.key)).one() == notice.key


def test_a_notice_of_an_unknown_kind_is_refused_with_its_path() -> None:
    notice = {"kind": "fax", "about": {"report": "S/1"}, "recipient": BEN}
    notice |= {"due_day": "2027-04-06", "status": "sent"}
    with pytest.raises(InterchangeError, match=r"notices\[0\].kind: unknown kind of notice 'fax'"):
        transfer.check_notices([notice], LONDON)
