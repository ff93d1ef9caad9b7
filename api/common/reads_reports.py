"""The early help dataset report for a period and area, as GET /reports/dataset answers it
and the dataset page shows it: counts summed in the database over the episode-facts view,
who may read them, and the order of the measures. No family is named."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.common.deps import ReadAfter, require_roles
from api.common.periods import Asked
from api.common.permissions import ALLOWED, Action
from api.common.schemas.reports import DatasetPublic, PeriodPublic
from infra.bootstrap import Journeys
from infra.tokens import Identity
from infra.views.episode_facts import NAME, EpisodeFactsReader

DatasetReader = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.READ_DATASET]))]
# The order of the report's measures, as the CSV lists them.
MEASURES = [name for name in DatasetPublic.model_fields if name not in PeriodPublic.model_fields]


def dataset(journeys: Journeys, asked: Asked, after: ReadAfter) -> DatasetPublic:
    """The report of the asked period and area, once the view has reached `after`."""
    after.wait(journeys, NAME)
    position, counts = EpisodeFactsReader(journeys.views).dataset(asked.period)
    return DatasetPublic.model_validate(
        {**counts, "area": asked.area, "from_": asked.start, "to": asked.end, "position": position}
    )
