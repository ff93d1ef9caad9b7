"""Pathways of a cohort of families (optionally one area, joined between two dates): the most
common paths, the median days between stages, and how many went round the step-up /
step-down loop more than once; as answers and as a picture (SVG). No family is named. The
reading is api.common.reads_pathways's, which the pathways page calls too."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from api.common.deps import JourneysDep, ReadAfterDep
from api.common.reads_pathways import CohortAsked, PathwayFinder, find_pathways, pathways_of
from api.common.schemas.journey import PathwaysPublic
from api.http.responses import READS
from projections.journey_picture import pathways_svg

router = APIRouter(tags=["pathways"])

COHORT_READS = {status: answer for status, answer in READS.items() if status != 404}
SVG: dict[int | str, dict[str, Any]] = {
    **COHORT_READS,
    200: {"content": {"image/svg+xml": {}}, "description": "The pathways as a picture"},
}


@router.get("/pathways", responses=COHORT_READS)
def read_pathways(
    journeys: JourneysDep, identity: PathwayFinder, cohort: CohortAsked, after: ReadAfterDep
) -> PathwaysPublic:
    return pathways_of(journeys, identity, cohort, after)


@router.get("/pathways.svg", response_class=Response, responses=SVG)
def pathways_picture(
    journeys: JourneysDep, identity: PathwayFinder, cohort: CohortAsked, after: ReadAfterDep
) -> Response:
    _, found = find_pathways(journeys, cohort, after=after, identity=identity)
    where = journeys.app.codes.label("area", cohort.area) if cohort.area else "all areas"
    title = f"Pathways of families who joined {cohort.title}, {where}"
    return Response(pathways_svg(found, title=title), media_type="image/svg+xml")
