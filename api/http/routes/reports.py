"""The early help dataset report for a period and area (like Kent's early help dataset):
counts summed in the database over the episode-facts view, as JSON or CSV (`?format=csv`,
or `Accept: text/csv`). No family is named; every figure follows corrections and
retractions, since the view's rows are rebuilt from the events that make them."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response

from api.common.deps import JourneysDep, ReadAfterDep, require_roles
from api.common.periods import PeriodAsked
from api.common.permissions import ALLOWED, Action
from api.common.schemas.reports import DatasetPublic, PeriodPublic
from api.http.responses import READS, wants_csv
from infra.tokens import Identity
from infra.views.episode_facts import NAME, EpisodeFactsReader

router = APIRouter(tags=["reports"])

DatasetReader = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.READ_DATASET]))]
Format = Annotated[Literal["json", "csv"] | None, Query(description="`csv` for CSV.")]
ANSWERS: dict[int | str, dict[str, Any]] = {
    **{status: answer for status, answer in READS.items() if status != 404},
    200: {"content": {"text/csv": {}}, "description": "The dataset (JSON, or CSV if asked)"},
}
# The order of the report's measures, as the CSV lists them.
MEASURES = [name for name in DatasetPublic.model_fields if name not in PeriodPublic.model_fields]


@router.get("/reports/dataset", response_model=DatasetPublic, responses=ANSWERS)
def dataset_report(
    journeys: JourneysDep,
    identity: DatasetReader,
    asked: PeriodAsked,
    after: ReadAfterDep,
    *,
    format: Format = None,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    after.wait(journeys, NAME)
    position, counts = EpisodeFactsReader(journeys.views).dataset(asked.period)
    report = DatasetPublic.model_validate(
        {**counts, "area": asked.area, "from_": asked.start, "to": asked.end, "position": position}
    )
    if wants_csv(format, accept):
        return Response(to_csv(report), media_type="text/csv; charset=utf-8")
    return report


def to_csv(report: DatasetPublic) -> str:
    """One line a measure: the period, the area, the measure's name and its count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["from", "to", "area", "measure", "count"])
    for name in MEASURES:
        writer.writerow([report.from_ or "", report.to or "", report.area or "", name,
                         getattr(report, name)])  # fmt: skip
    return buffer.getvalue()
