"""The use cases. Every front end calls these and nothing else; none holds a rule.

The actor and the time are always passed in.
"""

from __future__ import annotations

from workflow.interchange.shapes import FORMATS
from workflow.services.calendar import calendar_entries
from workflow.services.changes import (
    AMENDABLE,
    PROGRESS_UPDATE,
    Choices,
    add_update,
    add_updates,
    choices,
    fire,
    fire_all,
    updates_from_file,
)
from workflow.services.decisions import (
    Answer,
    Asked,
    act,
    amend,
    amendment_plan,
    respond,
    respond_each,
    response_decisions,
    response_event,
    targets,
)
from workflow.services.effects import EFFECTS, check_table
from workflow.services.exempt import clear_exempt, exempt
from workflow.services.people import actor_for, find_actor
from workflow.services.reading import (
    RecFilters,
    count_recommendations,
    list_recommendations,
    show_recommendation,
)
from workflow.services.responses import ResponseSheet, response_sheet
from workflow.services.review import Review, committee_events, meeting_review, reviewed_meeting
from workflow.services.stats import impact_figures
from workflow.services.transfer import (
    document,
    export_recommendations_csv,
    format_of,
    import_recommendations_csv,
    import_tracker_xlsx,
    load_document,
    update_from_document,
    update_recommendations_csv,
)
from workflow.services.undo import undo

__all__ = [
    "AMENDABLE",
    "EFFECTS",
    "FORMATS",
    "PROGRESS_UPDATE",
    "Answer",
    "Asked",
    "Choices",
    "RecFilters",
    "ResponseSheet",
    "Review",
    "act",
    "actor_for",
    "add_update",
    "add_updates",
    "amend",
    "amendment_plan",
    "calendar_entries",
    "check_table",
    "choices",
    "clear_exempt",
    "committee_events",
    "count_recommendations",
    "document",
    "exempt",
    "export_recommendations_csv",
    "find_actor",
    "fire",
    "fire_all",
    "format_of",
    "impact_figures",
    "import_recommendations_csv",
    "import_tracker_xlsx",
    "list_recommendations",
    "load_document",
    "meeting_review",
    "respond",
    "respond_each",
    "response_decisions",
    "response_event",
    "response_sheet",
    "reviewed_meeting",
    "show_recommendation",
    "targets",
    "undo",
    "update_from_document",
    "update_recommendations_csv",
    "updates_from_file",
]
