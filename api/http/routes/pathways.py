"""Pathways of a cohort of families (optionally one area, joined between two dates): the most
common paths, the median days between stages, and how many went round the step-up /
step-down loop more than once; as answers and as a picture (SVG). No family is named."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.common.deps import JourneysDep, ReadAfter, ReadAfterDep, require_roles
from api.common.periods import check_period
from api.common.permissions import ALLOWED, Action
from api.common.schemas.journey import PathwaysPublic
from api.http.responses import READS
from infra.bootstrap import Journeys
from infra.tokens import Identity
from projections.journey_picture import pathways_svg
from projections.pathways import Pathways, pathways, suppressed

router = APIRouter(tags=["pathways"])

PathwayFinder = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.FIND_PATHWAYS]))]
Area = Annotated[str | None, Query(max_length=64, description="An area code; all when absent.")]
From = Annotated[
    date | None,
    Query(
        alias="from",
        description="Families whose first request for support (or registration, if they "
        "had none) was on or after this day.",
    ),
]
To = Annotated[date | None, Query(alias="to", description="... and on or before this day.")]

# Who sees pathways only with small counts suppressed: those who see no family's record.
SUPPRESSED_FOR = frozenset({"researcher"})
COHORT_READS = {status: answer for status, answer in READS.items() if status != 404}
SVG: dict[int | str, dict[str, Any]] = {
    **COHORT_READS,
    200: {"content": {"image/svg+xml": {}}, "description": "The pathways as a picture"},
}


@dataclass(frozen=True)
class Cohort:
    """Which families to count: of one area (all when None), joined between two days."""

    area: str | None
    start: date | None
    end: date | None

    @property
    def title(self) -> str:
        return f"from {self.start or 'the start'} to {self.end or 'today'}"


async def cohort_asked(
    journeys: JourneysDep, area: Area = None, start: From = None, end: To = None
) -> Cohort:
    """The cohort of the query; 422 naming `area` or `to` if it is not a valid one."""
    check_period(journeys, area, start, end)
    return Cohort(area, start, end)


CohortAsked = Annotated[Cohort, Depends(cohort_asked)]


def find_pathways(
    journeys: Journeys,
    cohort: Cohort,
    *,
    after: ReadAfter | None = None,
    identity: Identity | None = None,
) -> tuple[int, Pathways]:
    """The `journey` view's position and the pathways of the cohort; a researcher's with
    small counts suppressed (projections.pathways.suppressed)."""
    if after is not None:
        after.wait(journeys, "journey")
    position, docs = journeys.views.read_tagged("journey", cohort.area)
    found = pathways((doc for _, doc in docs), start=cohort.start, end=cohort.end)
    if identity is not None and identity.role in SUPPRESSED_FOR:
        found = suppressed(found)
    return position, found


@router.get("/pathways", responses=COHORT_READS)
def read_pathways(
    journeys: JourneysDep, identity: PathwayFinder, cohort: CohortAsked, after: ReadAfterDep
) -> PathwaysPublic:
    position, found = find_pathways(journeys, cohort, after=after, identity=identity)
    answers = {**asdict(found), "area": cohort.area, "from_": cohort.start, "to": cohort.end}
    return PathwaysPublic.model_validate({**answers, "position": position})


@router.get("/pathways.svg", response_class=Response, responses=SVG)
def pathways_picture(
    journeys: JourneysDep, identity: PathwayFinder, cohort: CohortAsked, after: ReadAfterDep
) -> Response:
    _, found = find_pathways(journeys, cohort, after=after, identity=identity)
    where = journeys.app.codes.label("area", cohort.area) if cohort.area else "all areas"
    title = f"Pathways of families who joined {cohort.title}, {where}"
    return Response(pathways_svg(found, title=title), media_type="image/svg+xml")
