"""The access log, for QA officers: who read a family's record, when, what and why, newest
first. `GET /families/{family_id}/access-log` for one family; `GET /access-log` across
families ("who read what"), filtered by user, role, agency, family, time and outcome; and
`GET /access-log.csv`, every entry those filters match, as CSV.

Reading one family's log is itself logged. The log across families is not: it is no
family's record, and holds only ids, codes and times (infra/audit/access_log.py). No route
changes the log (the database refuses changes too).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from api.common.cursors import AfterQuery, decode, next_cursor
from api.common.deps import FamilyRead, FamilyReaderFor, JourneysDep, require_roles
from api.common.instants import INSTANT, instant
from api.common.permissions import ALLOWED, Action
from api.http.responses import READS
from api.http.schemas.access_log import AccessLogPublic, AccessPublic
from domain.access import Route
from domain.errors import InvalidValueError
from infra.audit.access_log import OUTCOMES, AccessFilter, AccessPage, LoggedAccess, Outcome
from infra.bootstrap import Journeys
from infra.tokens import ROLES, Identity

router = APIRouter(tags=["access log"])

AccessLogReader = Annotated[
    FamilyRead, Depends(FamilyReaderFor(Action.READ_ACCESS_LOG, Route.WHOLE))
]
AuditOfficer = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.READ_ACCESS_LOG]))]
From = Annotated[
    str | None,
    Query(alias="from", max_length=64, description=f"Reads at or after this instant. {INSTANT}"),
]
To = Annotated[
    str | None, Query(alias="to", max_length=64, description=f"Reads by this instant. {INSTANT}")
]
# No control characters: PostgreSQL text cannot hold NUL, and no user id has any.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
ByUser = Annotated[
    str | None,
    Query(min_length=1, max_length=200, pattern=_PRINTABLE, description="Reads by one user."),
]
# The filters of the log across families. An empty value is no filter, as a form sends it.
AnyUser = Annotated[
    str | None, Query(max_length=200, pattern=_PRINTABLE, description="Reads by one user.")
]
ByRole = Annotated[str | None, Query(max_length=64, description="Reads by one role.")]
ByAgency = Annotated[
    str | None, Query(max_length=64, description="Reads by one agency (`agency` code).")
]
ByFamily = Annotated[UUID | None, Query(description="Reads of one family's record.")]
ByOutcome = Annotated[
    str | None,
    Query(
        max_length=16,
        description="`read`, `refused` (403) or `invalid` (422: nothing was answered).",
    ),
]
Limit = Annotated[int, Query(ge=1, le=200, description="Entries per page.")]


def start_of(field: str, text: str | None) -> datetime | None:
    """Like `instant`, but a date alone is the start of that day (UTC)."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return instant(field, text)
    return datetime.combine(day, time.min, tzinfo=UTC)


def outcome_of(text: str | None) -> Outcome | None:
    for outcome in OUTCOMES:
        if text == outcome:
            return outcome
    if text is None:
        return None
    raise InvalidValueError("outcome", f"not an outcome; give one of {', '.join(OUTCOMES)}")


@dataclass(frozen=True)
class AccessQuery:
    """The filters of the log across families, checked (422 naming the field), and as given
    (for links that carry them on: the next page, the CSV)."""

    matching: AccessFilter
    given: dict[str, str]


async def access_query(
    journeys: JourneysDep,
    *,
    user_id: AnyUser = None,
    role: ByRole = None,
    agency: ByAgency = None,
    family_id: ByFamily = None,
    start: From = None,
    end: To = None,
    outcome: ByOutcome = None,
) -> AccessQuery:
    """No I/O, so `async`."""
    user_id, role, agency, start, end = (v or None for v in (user_id, role, agency, start, end))
    if role is not None and role not in ROLES:
        raise InvalidValueError("role", f"not a role; give one of {', '.join(ROLES)}")
    if agency is not None:
        journeys.app.codes.require("agency", agency, field="agency")
    matching = AccessFilter(
        user_id=user_id,
        role=role,
        agency=agency,
        family_id=family_id,
        outcome=outcome_of(outcome or None),
        start=start_of("from", start),
        end=instant("to", end),
    )
    given = {
        "user_id": user_id,
        "role": role,
        "agency": agency,
        "family_id": None if family_id is None else str(family_id),
        "from": start,
        "to": end,
        "outcome": outcome,
    }
    return AccessQuery(matching, {name: value for name, value in given.items() if value})


AccessQueryDep = Annotated[AccessQuery, Depends(access_query)]


def log_page(
    journeys: Journeys, matching: AccessFilter, *, after: str | None, limit: int
) -> AccessPage:
    return journeys.access_log.find(matching, before=decode(after), limit=limit)


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
