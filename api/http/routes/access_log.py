"""The access log, for QA officers: who read a family's record, when, what and why, newest
first. `GET /families/{family_id}/access-log` for one family; `GET /access-log` across
families ("who read what"), filtered by user, role, agency, family, time and outcome; and
`GET /access-log.csv`, every entry those filters match, as CSV.

Reading one family's log is itself logged. The log across families is not: it is no
family's record, and holds only ids, codes and times (infra/audit/access_log.py). No route
changes the log (the database refuses changes too). The filters and the reading are
api.common.reads_access_log's, which the access log pages call too.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.common.cursors import AfterQuery, next_cursor
from api.common.deps import JourneysDep
from api.common.instants import instant
from api.common.reads_access_log import (
    AccessLogReader,
    AccessQueryDep,
    AuditOfficer,
    ByUser,
    From,
    To,
    log_page,
    start_of,
)
from api.http.responses import READS
from api.http.schemas.access_log import AccessLogPublic, AccessPublic
from infra.audit.access_log import AccessFilter, AccessPage, LoggedAccess

router = APIRouter(tags=["access log"])

Limit = Annotated[int, Query(ge=1, le=200, description="Entries per page.")]


def public(found: AccessPage) -> AccessLogPublic:
    return AccessLogPublic(
        items=[AccessPublic.model_validate(entry, from_attributes=True) for entry in found.items],
        next=next_cursor(found.next),
    )


@router.get("/families/{family_id}/access-log", responses=READS)
def read_access_log(
    read: AccessLogReader,
    journeys: JourneysDep,
    *,
    start: From = None,
    end: To = None,
    user_id: ByUser = None,
    after: AfterQuery = None,
    limit: Limit = 50,
) -> AccessLogPublic:
    matching = AccessFilter(
        family_id=read.family_id,
        start=start_of("from", start),
        end=instant("to", end),
        user_id=user_id,
    )
    return public(log_page(journeys, matching, after=after, limit=limit))


@router.get("/access-log", responses=READS)
def read_whole_access_log(
    identity: AuditOfficer,
    journeys: JourneysDep,
    query: AccessQueryDep,
    *,
    after: AfterQuery = None,
    limit: Limit = 50,
) -> AccessLogPublic:
    return public(log_page(journeys, query.matching, after=after, limit=limit))


CSV_COLUMNS = (
    "access_id",
    "at",
    "user_id",
    "role",
    "agency",
    "family_id",
    "what",
    "detail",
    "reason",
    "outcome",
)


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a quote."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_lines(entries: Iterator[LoggedAccess]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield out.getvalue()
    for entry in entries:
        out.seek(0)
        out.truncate()
        row = {
            **vars(entry),
            "at": entry.at.isoformat().replace("+00:00", "Z"),
            "detail": json.dumps(dict(entry.detail), sort_keys=True, separators=(",", ":")),
            "reason": entry.reason or "",
        }
        writer.writerow(csv_cell(str(row[column])) for column in CSV_COLUMNS)
        yield out.getvalue()


@router.get(
    "/access-log.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **READS},
)
def export_access_log(
    identity: AuditOfficer, journeys: JourneysDep, query: AccessQueryDep
) -> StreamingResponse:
    return StreamingResponse(
        csv_lines(journeys.access_log.each(query.matching)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="access-log.csv"',
            "Cache-Control": "no-store",
        },
    )
