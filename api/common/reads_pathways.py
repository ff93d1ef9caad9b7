"""Pathways of a cohort of families, as GET /pathways answers them and the pathways page
shows them: who may ask, the cohort asked for (checked), and the pathways of the `journey`
view, a researcher's with small counts suppressed. No family is named."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from api.common.deps import JourneysDep, ReadAfter, require_roles
from api.common.periods import check_period
from api.common.permissions import ALLOWED, Action
from api.common.schemas.journey import PathwaysPublic
from infra.bootstrap import Journeys
from infra.tokens import Identity
from projections.pathways import Pathways, pathways, suppressed

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


def pathways_of(
    journeys: Journeys, identity: Identity, cohort: Cohort, after: ReadAfter
) -> PathwaysPublic:
    """The pathways of the cohort as answers, once the `journey` view has reached `after`."""
    position, found = find_pathways(journeys, cohort, after=after, identity=identity)
    answers = {**asdict(found), "area": cohort.area, "from_": cohort.start, "to": cohort.end}
    return PathwaysPublic.model_validate({**answers, "position": position})
