"""`GET /families/search`: finding a family by a member's family name, given name or date of
birth. The search, its rules and its access log entries are api.common.reads_search's, which
the search page calls too; the answer names families and members by id only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.common.access import AccessRecording
from api.common.deps import FamilyFinder, JourneysDep, ReadAfterDep
from api.common.reads_search import DateQuery, NameQuery, SearchTerms, search_families
from api.http.responses import ERRORS

router = APIRouter(prefix="/families", tags=["families"])

MAX_FAMILIES = 200


class FoundFamilyPublic(BaseModel):
    family_id: UUID
    area: str
    registered_at: datetime = Field(description="When the family was registered (occurred).")
    member_ids: list[UUID] = Field(description="The members whose details matched.")


class SearchPublic(BaseModel):
    items: list[FoundFamilyPublic]
    more: bool = Field(description="More families matched than `limit`: narrow the search.")


@router.get("/search", responses=ERRORS)
def find_families(
    *,
    journeys: JourneysDep,
    identity: FamilyFinder,
    access: AccessRecording,
    after: ReadAfterDep,
    family_name: NameQuery = None,
    given_name: NameQuery = None,
    date_of_birth: DateQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FAMILIES)] = 50,
) -> SearchPublic:
    """Families with a member of this family name, given name and date of birth (at least
    one; all given must match the same member), among those the caller may read."""
    terms = SearchTerms.parse(
        family_name=family_name, given_name=given_name, date_of_birth=date_of_birth
    )
    after.wait(journeys, "families")  # who leads a family, as of the caller's own writes
    result = search_families(journeys, identity, access, terms, limit=limit)
    return SearchPublic(
        items=[
            FoundFamilyPublic(
                family_id=f.family_id,
                area=f.area,
                registered_at=f.registered_at,
                member_ids=list(f.member_ids),
            )
            for f in result.families
        ],
        more=result.more,
    )
