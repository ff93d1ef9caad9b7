"""The early help dataset report for a period and area (like Kent's early help dataset):
counts summed in the database over the episode-facts view, as JSON or CSV (`?format=csv`,
or `Accept: text/csv`). No family is named; every figure follows corrections and
retractions, since the view's rows are rebuilt from the events that make them. The reading is
api.common.reads_reports's, which the dataset page calls too."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from api.common.deps import JourneysDep, ReadAfterDep
from api.common.periods import PeriodAsked
from api.common.reads_reports import MEASURES, DatasetReader, dataset
from api.common.schemas.reports import DatasetPublic
from api.http.responses import READS, wants_csv

router = APIRouter(tags=["reports"])

Format = Annotated[Literal["json", "csv"] | None, Query(description="`csv` for CSV.")]
ANSWERS: dict[int | str, dict[str, Any]] = {
    **{status: answer for status, answer in READS.items() if status != 404},
    200: {"content": {"text/csv": {}}, "description": "The dataset (JSON, or CSV if asked)"},
}


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
    report = dataset(journeys, asked, after)
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
