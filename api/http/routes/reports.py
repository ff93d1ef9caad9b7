"""The early help dataset report for a period and area (like Kent's early help dataset):
counts summed in the database over the episode-facts view, as JSON or CSV (`?format=csv`,
or `Accept: text/csv`). No family is named; every figure follows corrections and
retractions, since the view's rows are rebuilt from the events that make them.

`outcomes_sustained` counts the episodes closed in the period that the sustained-outcome
rule set `rules` (default `sf-2022`) judges sustained, by the same code as GET
/outcomes/sustained. `as_recorded_at=` (a day: its end; or an instant) gives the report as
the record stood then: the episode facts rebuilt from the events stored by that time
(infra.views.as_recorded) and summed by the same SQL, sustained outcomes judged at it."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response

from api.http.deps import JourneysDep, ReadAfterDep, require_roles
from api.http.instants import RecordedAt, instant
from api.http.periods import PeriodAsked
from api.http.permissions import ALLOWED, Action
from api.http.responses import READS, wants_csv
from api.http.schemas.reports import DatasetPublic, PeriodPublic
from domain.outcome_rules import DEFAULT, rule_set
from infra.tokens import Identity
from infra.views.as_recorded import view_as_recorded
from infra.views.episode_facts import NAME, EpisodeFactsReader, Period
from infra.views.store import ViewStore
from infra.views.sustained import sustained_outcomes
from projections.episode_facts import EpisodeFactsProjection

router = APIRouter(tags=["reports"])

DatasetReader = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.READ_DATASET]))]
Format = Annotated[Literal["json", "csv"] | None, Query(description="`csv` for CSV.")]
ANSWERS: dict[int | str, dict[str, Any]] = {
    **{status: answer for status, answer in READS.items() if status != 404},
    200: {"content": {"text/csv": {}}, "description": "The dataset (JSON, or CSV if asked)"},
}
Rules = Annotated[
    str, Query(max_length=64, description="The sustained-outcome rule set, e.g. `sf-2022-12m`.")
]
# The order of the report's measures, as the CSV lists them.
NOT_MEASURES = {*PeriodPublic.model_fields, "rules", "as_recorded_at"}
MEASURES = [name for name in DatasetPublic.model_fields if name not in NOT_MEASURES]


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
    moment = instant("as_recorded_at", as_recorded_at)
    rule_set(rules)  # 422 naming `rules` before any work
    after.wait(journeys, NAME)
    if moment is None:
        position, counts = measures(journeys.views, asked.period, rules, journeys.app.clock())
    else:
        projection = EpisodeFactsProjection()
        with view_as_recorded(journeys.app, projection, moment) as then:
            position, counts = measures(then, asked.period, rules, moment)
    asked_for = {"area": asked.area, "from_": asked.start, "to": asked.end, "rules": rules}
    report = DatasetPublic.model_validate(
        {**counts, **asked_for, "position": position, "as_recorded_at": moment}
    )
    if wants_csv(format, accept):
        return Response(to_csv(report), media_type="text/csv; charset=utf-8")
    return report


def measures(
    store: ViewStore, period: Period, rules_id: str, now: datetime
) -> tuple[int, dict[str, int]]:
    """The store's position and the report's counts, sustained outcomes judged at `now`."""
    position, counts = EpisodeFactsReader(store).dataset(period)
    _, judged = sustained_outcomes(store, rule_set(rules_id), period, now=now)
    counts["outcomes_sustained"] = sum(j.verdict.status == "sustained" for j in judged)
    return position, counts


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
