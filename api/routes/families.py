"""Families: register a household, and find families (paged, optionally by area)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.deps import FamilyFinder, JourneysDep, Registering
from api.responses import COMMAND, ERRORS, created
from api.schemas.commands import FamilyCreate
from api.schemas.reads import FamilyPagePublic, FamilySummaryPublic

router = APIRouter(prefix="/families", tags=["families"])

MAX_POSITION = 2**63 - 1  # the store's positions are 64-bit integers


@router.post("", **COMMAND)
def register_family(body: FamilyCreate, sender: Registering) -> JSONResponse:
    result = sender.app.register_family(
        **sender.entry(body), area=body.area, members=tuple(m.as_member() for m in body.members)
    )
    return created(result)


@router.get("", responses=ERRORS)
def list_families(
    journeys: JourneysDep,
    identity: FamilyFinder,
    area: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="`next` of a page")] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> FamilyPagePublic:
    page = journeys.app.list_families(area=area, after=after, limit=limit)
    return FamilyPagePublic(
        items=[
            FamilySummaryPublic(
                family_id=f.family_id,
                area=f.area,
                registered_at=f.registered_at,
                position=f.position,
            )
            for f in page.items
        ],
        next=None if page.next is None else str(page.next),
    )
