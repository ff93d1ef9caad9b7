"""The page for finding a family by name: `/web/search`, a form (family name, given name,
date of birth) and the families found, each linking to its page. The same search, under
the same rules and logged the same way, as `GET /families/search` (api.common.reads_search)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.common.access import AccessRecording
from api.common.deps import FamilyFinder, JourneysDep
from api.common.reads_search import DateQuery, NameQuery, SearchTerms, search_families
from api.web.pages import PageRoute
from api.web.templating import render

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)


@router.get("/search")
def search_page(
    *,
    journeys: JourneysDep,
    identity: FamilyFinder,
    access: AccessRecording,
    family_name: NameQuery = None,
    given_name: NameQuery = None,
    date_of_birth: DateQuery = None,
) -> HTMLResponse:
    asked = {"family_name": family_name, "given_name": given_name, "date_of_birth": date_of_birth}
    result = None
    if any(asked.values()):  # the empty form first, then what it sends
        terms = SearchTerms.parse(
            family_name=family_name, given_name=given_name, date_of_birth=date_of_birth
        )
        result = search_families(journeys, identity, access, terms)
    return render(
        "search.html",
        identity,
        title="Find a family",
        current="search",
        asked={name: value or "" for name, value in asked.items()},
        result=result,
        areas=journeys.app.codes.lists["area"],
    )
