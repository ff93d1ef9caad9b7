"""The evidence pages: `/web/reports` (the early help dataset report for a period and area,
as GET /reports/dataset answers it, with its CSV) and `/web/re-referrals` (re-referral
under both definitions, as GET /research/re-referrals answers it, with the Kaplan-Meier
picture). No family is named; small counts are withheld as the API withholds them."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from api.common.deps import JourneysDep, ReadAfter
from api.common.periods import Asked, period_asked
from api.common.reads_reports import MEASURES as MEASURE_ORDER
from api.common.reads_reports import DatasetReader, dataset
from api.common.reads_research import Researcher, re_referral_analysis
from api.common.schemas.reports import DatasetPublic
from api.web.pages import PageRoute
from api.web.pages_pathways import form_day
from api.web.templating import render

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)

# Each measure of the dataset, in the report's order, with what it counts.
MEASURES = [
    (name, DatasetPublic.model_fields[name].description or name.replace("_", " ").capitalize())
    for name in MEASURE_ORDER
]


async def period_of_form(
    journeys: JourneysDep,
    area: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=32)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=32)] = None,
) -> Asked:
    """The period the form asks for, checked as the API checks it; empty means any."""
    return await period_asked(journeys, area or None, form_day("from", start), form_day("to", end))


PeriodOfForm = Annotated[Asked, Depends(period_of_form)]


def query_of(asked: Asked) -> str:
    pairs = (("area", asked.area), ("from", asked.start), ("to", asked.end))
    return urlencode({k: v for k, v in pairs if v is not None})


@router.get("/reports")
def dataset_page(
    journeys: JourneysDep, identity: DatasetReader, asked: PeriodOfForm
) -> HTMLResponse:
    found = dataset(journeys, asked, ReadAfter(None, 0))
    return render(
        "dataset.html",
        identity,
        title="Early help dataset",
        current="reports",
        areas=journeys.app.codes.lists["area"],
        asked=asked,
        found=found,
        measures=MEASURES,
        query=query_of(asked),
    )


@router.get("/re-referrals")
def re_referrals_page(
    journeys: JourneysDep, identity: Researcher, asked: PeriodOfForm
) -> HTMLResponse:
    found = re_referral_analysis(journeys, asked, ReadAfter(None, 0))
    return render(
        "re_referrals.html",
        identity,
        title="Re-referrals",
        current="re_referrals",
        areas=journeys.app.codes.lists["area"],
        asked=asked,
        found=found,
        query=query_of(asked),
    )
