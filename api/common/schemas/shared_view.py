"""What GET /families/{family_id}/shared-view answers: the entries of a family one agency may
see, as the timeline shows them, each with why it may (see projections.sharing)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.common.schemas.timeline import TimelineEntryPublic


class VisibleBecausePublic(BaseModel):
    """Why the agency may see an entry: the first of the sharing rules that holds."""

    basis: Literal["own", "consent", "shared"] = Field(
        description="`own`: the agency recorded it (or it corrects an entry the agency "
        "may see, recorded by the agency); `consent`: a sharing consent in force covers the "
        "agency and the entry's purpose; `shared`: it was shared with the agency on a "
        "recorded lawful basis."
    )
    consent_id: UUID | None = Field(None, description="The consent, for `consent`.")
    entry_id: UUID | None = Field(
        None,
        description="For `shared`: the entry recording the disclosure (information shared "
        "with the agency, or an escalation to it).",
    )
    lawful_basis: str | None = Field(None, description="For `shared`: its lawful basis.")


class SharedEntryPublic(TimelineEntryPublic):
    visible_because: VisibleBecausePublic


class SharedViewPublic(BaseModel):
    family_id: UUID
    agency: str = Field(description="The agency whose view this is.")
    entries: list[SharedEntryPublic] = Field(description="In the order they happened.")
    position: int = Field(
        description="The store position the sharing view has reached: at least the store's "
        "position when the request arrived, so every withdrawal recorded before is honoured."
    )


class SinceOccurredRecordedPublic(BaseModel):
    occurred_at: datetime = Field(description="When it happened, as corrected.")
    recorded_at: datetime = Field(description="When it was recorded.")


class SharedFamilyPublic(BaseModel):
    """A family an agency sees something of, at a glance."""

    family_id: UUID
    area: str = Field(description="A code of the `area` list.")
    categories: list[str] = Field(
        description="The `information_category` codes of the entries the agency sees."
    )
    bases: list[Literal["consent", "own", "shared"]] = Field(
        description="Why it sees them (as `visible_because.basis`)."
    )
    since: SinceOccurredRecordedPublic = Field(
        description="The first entry that let the agency see something: an entry of its "
        "own, a consent given, or a disclosure to it."
    )


class SharedFamiliesPublic(BaseModel):
    agency: str = Field(description="The agency whose families these are.")
    items: list[SharedFamilyPublic] = Field(description="In family id order.")
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")
