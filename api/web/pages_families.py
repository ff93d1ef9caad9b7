"""The families list page, `/web/families`: where each family stands (stage and since when,
level of need, lead agency, latest activity), filtered by area, stage and "my families",
page by page. The same query, under the same rules, as `GET /families`
(api.common.reads_families.listed_for: family_page within the caller's caseload)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.common.cursors import AfterQuery
from api.common.deps import FamilyFinder, JourneysDep
from api.common.reads_families import DEFAULT_LIMIT, AreaQuery, LimitQuery, MineQuery, listed_for
from api.web.pages import PageRoute
from api.web.templating import render
from projections.journey import STAGE_LABELS, STAGES

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)

# The form sends an empty choice as an empty string: "any".
StageChoice = Annotated[str | None, Query(max_length=64)]


@router.get("/families")
def families_page(
    *,
    journeys: JourneysDep,
    identity: FamilyFinder,
    area: AreaQuery = None,
    stage: StageChoice = None,
    mine: MineQuery = False,
    after: AfterQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> HTMLResponse:
    area, stage = area or None, stage or None
    listed = listed_for(
        journeys, identity, area=area, stage=stage, mine=mine, after=after, limit=limit
    )
    asked = {"area": area, "stage": stage, "mine": mine}
    shown = {name: "true" if value is True else value for name, value in asked.items() if value}
    if limit != DEFAULT_LIMIT:
        shown["limit"] = str(limit)
    codes = journeys.app.codes
    return render(
        "families.html",
        identity,
        title="Families",
        current="families",
        asked=asked,
        families=listed.items,
        next_query=None if listed.next is None else urlencode({**shown, "after": listed.next}),
        areas=codes.lists["area"],
        levels=codes.lists["level_of_need"],
        agencies=codes.lists["agency"],
        stages={code: STAGE_LABELS[code] for code in STAGES},
    )
