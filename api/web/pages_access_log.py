"""The access log as pages, for QA officers: `/web/access-log` ("who read what"), the log
across families with a filter form (user, role, agency, dates, outcome), a page of entries
at a time and a link to the same entries as CSV; and `/web/families/{family_id}/access-log`,
one family's log. The same queries, under the same rules, as the access log routes (both
read through api.common.reads_access_log); reading one family's log is itself logged, as
there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.common.cursors import AfterQuery, next_cursor
from api.common.deps import JourneysDep
from api.common.reads_access_log import AccessLogReader, AccessQueryDep, AuditOfficer, log_page
from api.common.reads_search import NO_FAMILY
from api.web.pages import PageRoute
from api.web.templating import render
from infra.audit.access_log import AccessFilter, AccessPage
from infra.bootstrap import Journeys
from infra.tokens import ROLES, Identity

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)

PAGE_SIZE = 50
OUTCOME_LABELS: Mapping[str, str] = {
    "read": "Read",
    "refused": "Refused: not allowed",
    "invalid": "Not answered: invalid request",
}


def link(path: str, given: Mapping[str, str]) -> str:
    return f"{path}?{urlencode(given)}" if given else path


def log_view(
    name: str,
    identity: Identity,
    journeys: Journeys,
    found: AccessPage,
    *,
    title: str,
    here: str,
    given: Mapping[str, str],
    export: Mapping[str, str],
    **context: Any,
) -> HTMLResponse:
    """A page of entries, with the link to the next page and to all of them as CSV."""
    cursor = next_cursor(found.next)
    codes = journeys.app.codes
    return render(
        name,
        identity,
        title=title,
        current="access_log",
        entries=found.items,
        next_link=None if cursor is None else link(here, {**given, "after": cursor}),
        csv_link=link("/access-log.csv", export),
        agencies=codes.lists["agency"],
        reasons=codes.lists["access_reason"],
        outcomes=OUTCOME_LABELS,
        no_family=NO_FAMILY,
        **context,
    )


@router.get("/access-log")
def access_log_page(
    identity: AuditOfficer,
    journeys: JourneysDep,
    query: AccessQueryDep,
    *,
    after: AfterQuery = None,
) -> HTMLResponse:
    found = log_page(journeys, query.matching, after=after, limit=PAGE_SIZE)
    return log_view(
        "access_log.html",
        identity,
        journeys,
        found,
        title="Who read what",
        here="/web/access-log",
        given=query.given,
        export=query.given,
        asked=query.given,
        roles=ROLES,
    )


@router.get("/families/{family_id}/access-log")
def family_access_log_page(
    read: AccessLogReader, journeys: JourneysDep, *, after: AfterQuery = None
) -> HTMLResponse:
    matching = AccessFilter(family_id=read.family_id)
    found = log_page(journeys, matching, after=after, limit=PAGE_SIZE)
    return log_view(
        "access_log_family.html",
        read.identity,
        journeys,
        found,
        title="Who read this family's record",
        here=f"/web/families/{read.family_id}/access-log",
        given={},
        export={"family_id": str(read.family_id)},
        family_id=read.family_id,
    )
