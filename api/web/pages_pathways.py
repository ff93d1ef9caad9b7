"""The pathways page, `/web/pathways`: the paths families of a cohort took through early
help, as GET /pathways answers them, for a form's area and joining period. No family is
named."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from api.common.deps import JourneysDep, ReadAfter
from api.common.reads_pathways import Cohort, PathwayFinder, cohort_asked, pathways_of
from api.web.pages import PageRoute
from api.web.templating import render
from domain.errors import InvalidValueError

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)


def form_day(field: str, text: str | None) -> date | None:
    """A date field of a form: empty means not given."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(field, "give a date as 2025-03-31") from None


async def cohort_of_form(
    journeys: JourneysDep,
    area: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=32)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=32)] = None,
) -> Cohort:
    """The cohort the form asks for, checked as GET /pathways checks it; a field left
    empty means any."""
    return await cohort_asked(journeys, area or None, form_day("from", start), form_day("to", end))


@router.get("/pathways")
def pathways_page(
    journeys: JourneysDep,
    identity: PathwayFinder,
    cohort: Annotated[Cohort, Depends(cohort_of_form)],
) -> HTMLResponse:
    found = pathways_of(journeys, identity, cohort, ReadAfter(None, 0))
    asked = {
        k: v
        for k, v in (("area", cohort.area), ("from", cohort.start), ("to", cohort.end))
        if v is not None
    }
    return render(
        "pathways.html",
        identity,
        title="Pathways",
        current="pathways",
        areas=journeys.app.codes.lists["area"],
        cohort=cohort,
        found=found,
        picture_query=urlencode(asked),
    )
