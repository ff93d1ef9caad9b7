"""The access log as read for QA officers, by `GET /families/{family_id}/access-log`,
`GET /access-log` (and its CSV) and the access log pages: who may read it, the filters of
the log across families (checked, 422 naming the field), and a page of entries, newest
first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from api.common.cursors import decode
from api.common.deps import FamilyRead, FamilyReaderFor, JourneysDep, require_roles
from api.common.instants import INSTANT, instant
from api.common.permissions import ALLOWED, Action
from domain.access import Route
from domain.errors import InvalidValueError
from infra.audit.access_log import OUTCOMES, AccessFilter, AccessPage, Outcome
from infra.bootstrap import Journeys
from infra.tokens import ROLES, Identity

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
