"""`import --update`: what is new is added, what exists is corrected, each change recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import row_counts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runner import Cli
from sqlmodel import Session, col, select

from config import load_workflow_table
from config.periods import Period
from workflow import services
from workflow.errors import InterchangeError
from workflow.interchange import export_document, import_document
from workflow.interchange.csvfile import export_csv, update_csv
from workflow.interchange.update import UpdateSummary
from workflow.lifecycle import Lifecycle
from workflow.models import Audit, Event
from workflow.services.people import actor_for

TABLE = load_workflow_table()
PERIOD = Period(2, "month")
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
ANN, BEN, CAT = "ann@sample.example", "ben@sample.example", "cat@sample.example"
AT = "2027-02-01T10:00:00+00:00"


def document() -> dict[str, Any]:
    """A clerk, two officers, a panel with a meeting, a report and three recommendations."""
    return {
        "people": [
            {"name": "Ann Clerk", "email": ANN, "roles": ["clerk"]},
            {"name": "Ben Officer", "email": BEN, "roles": ["officer"]},
            {"name": "Cat Officer", "email": CAT, "roles": ["officer"]},
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
                "response_due_on": "2027-03-05",
            }
        ],
        "recommendations": [
            {"report": "S/1", "reference": ref, "text": f"Do {ref}.", "owner": BEN} for ref in "abc"
        ],
    }


def load(session: Session, doc: dict[str, Any]) -> None:
    import_document(
        session, doc, table=TABLE, period=PERIOD, by=ANN, now=NOW, tz=LONDON
    )  # fmt: skip


def update(session: Session, doc: object, **options: Any) -> UpdateSummary:
    return services.update_from_document(
        session, json.loads(json.dumps(doc)), table=TABLE, period=PERIOD, tz=LONDON, by=ANN,
        now=NOW, **options,
    )  # fmt: skip


@pytest.fixture
def loaded(session: Session) -> dict[str, Any]:
    """The document, loaded; then exported, as a clerk edits it."""
    load(session, document())
    return export_document(session)


def rec(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in doc["recommendations"] if r["code"] == code)


def test_an_update_adds_what_is_new_and_corrects_what_exists(
    session: Session, loaded: dict[str, Any]
) -> None:
    loaded["people"][1]["name"] = "Ben Officer-Smith"
    loaded["people"].append({"name": "Dee Officer", "email": "dee@sample.example"})
    loaded["bodies"][0]["chair"] = CAT
    loaded["meetings"][0]["title"] = "Review, moved to the Town Hall"
    loaded["reports"][0]["response_due_on"] = "2027-03-19"
    rec(loaded, "S/1/a").update(owner="dee@sample.example", group="key")
    rec(loaded, "S/1/b").update(parent="S/1/a", group="individual", priority="high")
    loaded["recommendations"].append({"report": "S/1", "reference": "d", "text": "Do d."})
    summary = update(session, loaded)
    assert summary.added.people == 1 and summary.added.recommendations == 1
    assert summary.updated() == {"people": 1, "bodies": 1, "meetings": 1, "reports": 1} | {
        "recommendations": 2
    }
    after = export_document(session)
    assert rec(after, "S/1/a")["owner"] == "dee@sample.example"
    assert (rec(after, "S/1/b")["parent"], rec(after, "S/1/b")["priority"]) == ("S/1/a", "high")
    assert after["reports"][0]["response_due_on"] == "2027-03-19"
    assert after["bodies"][0]["chair"] == CAT


def test_each_change_to_the_directory_is_an_audit_row(
    session: Session, loaded: dict[str, Any]
) -> None:
    loaded["people"][1]["name"] = "Ben Officer-Smith"
    loaded["reports"][0]["title"] = "Sample review (revised)"
    update(session, loaded)
    rows = session.exec(select(Audit).order_by(col(Audit.id))).all()
    assert [(r.record, r.key, r.action) for r in rows] == [
        ("person", BEN, "edit"),
        ("report", "S/1", "edit"),
    ]
    assert (rows[0].before or {})["name"] == "Ben Officer"
    assert (rows[0].after or {})["name"] == "Ben Officer-Smith"


def test_a_recommendation_corrected_gets_an_edit_line_saying_what_changed(
    session: Session, loaded: dict[str, Any]
) -> None:
    rec(loaded, "S/1/a")["owner"] = CAT
    update(session, loaded)
    line = session.exec(select(Event).order_by(col(Event.id).desc())).first()
    assert line is not None
    assert (line.event, line.from_state, line.to_state) == ("edit", "proposed", "proposed")
    assert line.note == f"owner {BEN} → {CAT}"


def test_an_edit_is_undone_like_any_other_change(
    session: Session, loaded: dict[str, Any], lifecycle: Lifecycle
) -> None:
    rec(loaded, "S/1/a")["owner"] = CAT
    update(session, loaded)
    clerk = actor_for(session, ANN)
    services.undo(session, lifecycle, "S/1/a", clerk, "Wrong officer", NOW)
    assert rec(export_document(session), "S/1/a")["owner"] == BEN


def test_a_dry_run_lists_the_changes_and_writes_nothing(
    session: Session, loaded: dict[str, Any]
) -> None:
    rec(loaded, "S/1/c")["owner"] = CAT
    loaded["recommendations"].append({"report": "S/1", "reference": "d", "text": "Do d."})
    before = row_counts(session)
    summary = update(session, loaded, dry_run=True)
    assert [(e.record, e.key, e.described()) for e in summary.edits] == [
        ("recommendation", "S/1/c", f"owner {BEN} → {CAT}")
    ]
    assert summary.added.recommendations == 1
    session.rollback()
    assert row_counts(session) == before


def test_a_key_left_out_leaves_the_field_as_it_is(session: Session, loaded: dict[str, Any]) -> None:
    partial = {"recommendations": [{"report": "S/1", "reference": "a", "text": "Do a."}]}
    summary = update(session, partial)
    assert summary.edits == ()
    assert rec(export_document(session), "S/1/a")["owner"] == BEN


@pytest.mark.parametrize(
    ("field", "value", "points_to"),
    [
        ("text", "Do a, better.", "amend --from-file"),
        ("target_date", "2031-01-01", "amend --from-file"),
        ("monitoring_date", "2027-06-01", "amend --from-file"),
        ("state", "closed", "respond, fire or undo"),
        ("rag", "red", "update CODE --rag"),
    ],
)
def test_a_change_the_workflow_records_otherwise_is_refused_and_nothing_is_written(
    session: Session, loaded: dict[str, Any], field: str, value: str, points_to: str
) -> None:
    rec(loaded, "S/1/b")["owner"] = CAT  # a change that alone would go through
    loaded["recommendations"][0][field] = value
    if field == "state":  # as a hand-made file would say it: no history to contradict
        loaded["recommendations"][0]["closure_outcome"] = "withdrawn"
        del loaded["recommendations"][0]["history"]
    before = row_counts(session)
    with pytest.raises(InterchangeError, match=rf"^recommendations\[0\]\.{field}: .*{points_to}"):
        update(session, loaded)
    assert row_counts(session) == before
    assert rec(export_document(session), "S/1/b")["owner"] == BEN


def test_a_stale_export_updates_but_a_rewritten_history_is_refused(
    session: Session, loaded: dict[str, Any]
) -> None:
    rec(loaded, "S/1/a")["owner"] = CAT
    update(session, loaded)  # its history gained an edit line the file has not
    rec(loaded, "S/1/a")["owner"] = BEN
    update(session, loaded)
    rewritten = export_document(session)
    rec(rewritten, "S/1/a")["history"][0]["at"] = "2027-01-01T00:00:00+00:00"
    with pytest.raises(InterchangeError, match=r"^recommendations\[0\]\.history: is kept for good"):
        update(session, rewritten)


def test_a_meeting_is_cancelled_by_an_update_and_stays_cancelled(
    session: Session, loaded: dict[str, Any]
) -> None:
    loaded["meetings"][0]["cancelled_at"] = "2027-03-01T09:00:00+00:00"
    update(session, loaded)
    assert [r.action for r in session.exec(select(Audit))] == ["cancel"]
    reinstated = export_document(session)
    reinstated["meetings"][0]["cancelled_at"] = None
    with pytest.raises(InterchangeError, match=r"^meetings\[0\]\.cancelled_at: .*stays so"):
        update(session, reinstated)


def test_a_report_keeps_the_body_that_made_it(session: Session, loaded: dict[str, Any]) -> None:
    loaded["bodies"].append({"name": "Other Panel", "kind": "scrutiny"})
    loaded["reports"][0]["from_body"] = "Other Panel"
    with pytest.raises(InterchangeError, match=r"^reports\[0\]\.from_body: "):
        update(session, loaded)


def test_a_record_named_twice_is_refused(session: Session, loaded: dict[str, Any]) -> None:
    loaded["people"].append(dict(loaded["people"][1]))
    with pytest.raises(InterchangeError, match=r"^people\[3\]\.email: .* appears twice"):
        update(session, loaded)


def test_after_an_update_the_database_still_round_trips(
    session: Session, loaded: dict[str, Any]
) -> None:
    rec(loaded, "S/1/a")["group"] = "key"
    update(session, loaded)
    first = export_document(session)
    assert update(session, first).edits == ()  # its own export changes nothing


# A CSV, as a council's tracker keeps one


def test_a_csv_corrects_the_rows_it_names(session: Session, loaded: dict[str, Any]) -> None:
    out = StringIO()  # the columns `export --format csv` writes
    export_csv(session, out)
    edited = out.getvalue().replace(f"S/1/b,Do b.,,{BEN}", f"S/1/b,Do b.,,{CAT}")
    assert edited != out.getvalue()
    summary = update_csv(session, StringIO(edited), table=TABLE, by=ANN, now=NOW, tz=LONDON)
    assert [(e.key, e.described()) for e in summary.edits] == [("S/1/b", f"owner {BEN} → {CAT}")]


# Any mix of corrections, applied, is what the next export shows


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    owners=st.lists(st.sampled_from([BEN, CAT, None]), min_size=3, max_size=3),
    groups=st.lists(st.sampled_from(["key", "individual", None]), min_size=3, max_size=3),
    priorities=st.lists(st.sampled_from(["high", "low", None]), min_size=3, max_size=3),
)
def test_any_corrections_are_what_the_next_export_shows(
    session: Session,
    loaded: dict[str, Any],
    owners: list[str | None],
    groups: list[str | None],
    priorities: list[str | None],
) -> None:
    wanted = export_document(session)
    for item, owner, group, priority in zip(
        wanted["recommendations"], owners, groups, priorities, strict=True
    ):
        item.update(owner=owner, group=group, priority=priority)
    update(session, wanted)
    got = export_document(session)
    for before, after in zip(wanted["recommendations"], got["recommendations"], strict=True):
        assert (after["owner"], after["group"], after["priority"]) == (
            before["owner"],
            before["group"],
            before["priority"],
        )
    assert update(session, got).edits == ()


# The command


def test_the_command_lists_a_dry_run_and_refuses_in_one_line(
    cli: Cli, tmp_path: Path, code: str
) -> None:
    status, out, _ = cli("export", "-o", "all.json")
    doc = json.loads((tmp_path / "all.json").read_text())
    doc["recommendations"][0]["group"] = "key"
    (tmp_path / "fix.json").write_text(json.dumps(doc))
    status, out, err = cli("import", "fix.json", "--update", "--dry-run", "--by", CLERK_OF_CLI)
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        f"recommendation {code}: group (none) → key",
        "fix.json: would add nothing; would update 1 recommendation",
    ]
    doc["recommendations"][0]["target_date"] = "2031-01-01"
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    status, out, err = cli("import", "bad.json", "--update", "--by", CLERK_OF_CLI)
    assert status == 2
    assert err.splitlines() == [
        "rectrack: error: recommendations[0].target_date: changes by an amendment, "
        "with its endorsement: use amend --from-file"
    ]
    assert cli.json("recs", "show", code)["group"] is None


CLERK_OF_CLI = "clerk@council.example"
