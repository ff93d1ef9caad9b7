"""Families: register a household, and list families from the family directory (paged,
filtered by area, by stage, and to the caller's own: api.common.reads_families, which the
families page calls too)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.cursors import AfterQuery
from api.common.deps import FamilyFinder, JourneysDep, ReadAfterDep, Registering
from api.common.reads_families import (
    DEFAULT_LIMIT,
    AreaQuery,
    LimitQuery,
    MineQuery,
    StageQuery,
    checked,
    listed_for,
)
from api.http.responses import COMMAND, READS, created
from api.http.schemas.reads import FamilyPagePublic, FamilySummaryPublic
from api.http.sending import body_of
from domain.commands import RegisterFamily

router = APIRouter(prefix="/families", tags=["families"])


@router.post("", **COMMAND)
def register_family(
    command: Annotated[RegisterFamily, body_of(RegisterFamily, Registering)], sender: Registering
) -> JSONResponse:
    return created(sender.app.handle(command))


@router.get("", responses=READS)
def list_families(
    journeys: JourneysDep,
    identity: FamilyFinder,
    read_after: ReadAfterDep,
    *,
    area: AreaQuery = None,
    stage: StageQuery = None,
    mine: MineQuery = False,
    after: AfterQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> FamilyPagePublic:
    checked(journeys, area=area, stage=stage, after=after)  # refused at once, not after a wait
    read_after.wait(journeys, "families", "caseload")  # the list, and whose caseload
    page = listed_for(
        journeys, identity, area=area, stage=stage, mine=mine, after=after, limit=limit
    )
    return FamilyPagePublic(
        items=[FamilySummaryPublic.model_validate(doc) for doc in page.items],
        next=page.next,
        position=page.position,
    )
