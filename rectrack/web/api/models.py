"""What the API's changes are sent as: JSON bodies with the command line's field names.

A field the command does not take is refused, so a typo is not silently dropped.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class Asking(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: date | None = Field(
        None, description="The day it was decided or happened (today if not given)."
    )


class RespondIn(Asking):
    """The executive's response, as `rectrack respond CODE DECISION`."""

    decision: str = Field(description="agree, agree-in-part, disagree or note.")
    timescale: date | None = Field(
        None, description="The date it will be done by (agree, agree-in-part)."
    )
    comment: str | None = Field(
        None, description="The comment, or the part not agreed (agree-in-part, note)."
    )
    reason: str | None = Field(None, description="Why the executive disagrees (disagree).")


class FireIn(Asking):
    """Any other event of the workflow, as `rectrack fire CODE EVENT`."""

    event: str = Field(
        description="start, report_implemented, sign_off, reopen, conclude, withdraw."
    )
    note: str | None = Field(None, description="The reason, comment or commentary the event needs.")
    endorsed_by: str | None = Field(None, description="The body that endorsed it (withdraw).")
    outcome: str | None = Field(None, description="How it closes, where the event offers a choice.")


class UpdateIn(Asking):
    """A progress update, as `rectrack update CODE`: the state stays."""

    note: str = Field(description="What has been done, and what is next.")
    rag: str | None = Field(None, description="The RAG status now: green, amber or red.")


class AmendIn(BaseModel):
    """An endorsed amendment, as `rectrack amend CODE`; `on` is the day it was endorsed."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="The new text of the recommendation.")
    target_date: date | None = Field(None, description="The new target date.")
    monitoring_date: date | None = Field(None, description="The new monitoring date.")
    reason: str = Field(description="Why it changes.")
    endorsed_by: str = Field(description="The body that endorsed it.")
    on: date = Field(description="The day the body endorsed it.")


class Done(BaseModel):
    """What a change did, as the command's `--json` says it."""

    code: str
    event: str
    from_state: str
    to_state: str
    by: str


class Updated(BaseModel):
    """A progress update recorded, as `rectrack update --json` says it."""

    code: str
    event: str
    rag: str | None
    by: str


class Refused(BaseModel):
    """Every error: the sentence, and the input it is about (null if none)."""

    error: str
    field: str | None = None
