"""The sustained-outcomes page, `/web/outcomes`: GET /outcomes/sustained for a form's rule
set, area and closure period: the counts by status and the claim list (ids only), then every
episode's verdict."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from api.common.deps import JourneysDep
from api.common.periods import Asked, check_period
from api.common.reads_outcomes import Reader, answer
from api.web.pages import PageRoute
from api.web.pages_pathways import form_day
from api.web.templating import render
from domain.outcome_rules import DEFAULT, STATUSES, rule_sets

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)


async def period_of_form(
    journeys: JourneysDep,
    area: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=32)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=32)] = None,
) -> Asked:
    """The closure period the form asks for, checked as the JSON route checks it; a field
    left empty means any."""
    asked = Asked(area or None, form_day("from", start), form_day("to", end))
    check_period(journeys, asked.area, asked.start, asked.end)
    return asked


@router.get("/outcomes")
def outcomes_page(
    journeys: JourneysDep,
    identity: Reader,
    asked: Annotated[Asked, Depends(period_of_form)],
    rules: Annotated[str, Query(max_length=64)] = DEFAULT,
) -> HTMLResponse:
    found = answer(journeys, identity, asked, rules or DEFAULT)
    return render(
        "outcomes.html",
        identity,
        title="Sustained outcomes",
        current="outcomes",
        areas=journeys.app.codes.lists["area"],
        rule_sets=rule_sets(),
        statuses=STATUSES,
        asked=asked,
        found=found,
    )
