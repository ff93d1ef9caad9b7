"""The early help dataset report for a period and area (like Kent's early help dataset):
counts summed in the database over the episode-facts view, as JSON or CSV (`?format=csv`,
or `Accept: text/csv`). No family is named; every figure follows corrections and
retractions, since the view's rows are rebuilt from the events that make them. The reading is
api.common.reads_reports's, which the dataset page calls too: `outcomes_sustained` under the
rule set `rules` (default `sf-2022`), and `as_recorded_at=` (a day: its end; or an instant)
for the report as the record stood then."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from api.common.deps import JourneysDep, ReadAfterDep
from api.common.instants import RecordedAt, instant
from api.common.periods import PeriodAsked
from api.common.reads_reports import MEASURES, DatasetReader, dataset
from api.common.schemas.reports import DatasetPublic
from api.http.responses import READS, wants_csv
from domain.outcome_rules import DEFAULT

router = APIRouter(tags=["reports"])

Format = Annotated[Literal["json", "csv"] | None, Query(description="`csv` for CSV.")]
ANSWERS: dict[int | str, dict[str, Any]] = {
    **{status: answer for status, answer in READS.items() if status != 404},
    200: {"content": {"text/csv": {}}, "description": "The dataset (JSON, or CSV if asked)"},
}
Rules = Annotated[
    str, Query(max_length=64, description="The sustained-outcome rule set, e.g. `sf-2022-12m`.")
]


@router.get("/reports/dataset", response_model=DatasetPublic, responses=ANSWERS)
def dataset_report(
    journeys: JourneysDep,
    identity: DatasetReader,
    asked: PeriodAsked,
    after: ReadAfterDep,
    *,
    rules: Rules = DEFAULT,
    as_recorded_at: RecordedAt = None,
    format: Format = None,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    report = dataset(journeys, asked, after, rules, instant("as_recorded_at", as_recorded_at))
    if wants_csv(format, accept):
        return Response(to_csv(report), media_type="text/csv; charset=utf-8")
    return report


def to_csv(report: DatasetPublic) -> str:
    """One line a measure: the period, the area, the measure's name and its count, then the
    rule set and the instant the record is shown as of (empty: now)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["from", "to", "area", "measure", "count", "rules", "as_recorded_at"])
    recorded = report.as_recorded_at.isoformat() if report.as_recorded_at else ""
    for name in MEASURES:
        writer.writerow([report.from_ or "", report.to or "", report.area or "", name,
                         getattr(report, name), report.rules, recorded])  # fmt: skip
    return buffer.getvalue()
