"""What GET /families/{family_id}/timeline answers: a page of a family's entries, each with
its corrections and retraction (see projections.timeline for what the entries mean)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field


class ActorPublic(BaseModel):
    """Who recorded an entry: a user id (never a name), their role and agency."""

    user_id: str
    role: str
    agency: str


class ChangePublic(BaseModel):
    """One corrected field: its value before this correction, and after it (as text)."""

    field: str
    before: Any
    after: Any


PersonalFields = Annotated[
    list[str],
    Field(
        description="Where this record holds personal data (`notes`, "
        "`members.<member_id>.given_name`...), never the data itself."
    ),
]
PersonalValues = Annotated[
    dict[str, Any] | None,
    Field(
        description="The personal data itself, laid out as `personal_fields` name it, for "
        "readers entitled to it; null when there is none or it may not be shown."
    ),
]


class CorrectionPublic(BaseModel):
    """A correction of an entry, recorded later; it is also an entry of its own."""

    entry_id: UUID
    occurred_at: datetime
    recorded_at: datetime
    actor: ActorPublic
    reason: str
    member_id: UUID | None = Field(description="The member whose details were corrected.")
    changes: list[ChangePublic]
    personal_fields: PersonalFields
    personal: PersonalValues


class RetractionPublic(BaseModel):
    """The retraction of an entry recorded in error; the entry stays on the timeline."""

    entry_id: UUID
    occurred_at: datetime
    recorded_at: datetime
    actor: ActorPublic
    reason: str


class TimelineEntryPublic(BaseModel):
    entry_id: UUID
    type: str = Field(description="The kind of entry, e.g. `ContactRecorded`.")
    version: int = Field(description="The entry's place in the family's stream.")
    occurred_at: datetime = Field(description="When it happened, as corrected.")
    recorded_at: datetime
    actor: ActorPublic
    agency: str = Field(
        description="The agency the entry concerns (a contact's agency, an escalation's "
        "receiving service, who information was shared with...), else the actor's."
    )
    episode_id: UUID | None
    summary: str = Field(description="A line for people, made from codes only.")
    facts: dict[str, Any] = Field(
        description="The entry's own fields as corrected: codes, ids, dates, numbers."
    )
    corrections: list[CorrectionPublic]
    retracted: RetractionPublic | None
    personal_fields: PersonalFields
    personal: PersonalValues


class TimelinePublic(BaseModel):
    family_id: UUID
    entries: list[TimelineEntryPublic]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")
    position: int = Field(description="The store position the timeline view has reached.")
