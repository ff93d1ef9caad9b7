"""GET /families/{family_id}/access-log: who read the family's record, when, what and why,
newest first, for QA officers. Reading it is itself logged; no route changes it (the
database refuses changes too: infra/access_log.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import FamilyRead, FamilyReaderFor, JourneysDep
from api.permissions import Action
from api.responses import READS
from api.routes.timeline import INSTANT, instant
from api.schemas.access_log import AccessLogPublic, AccessPublic
from domain.access import Route

router = APIRouter(prefix="/families/{family_id}", tags=["access log"])

AccessLogReader = Annotated[
    FamilyRead, Depends(FamilyReaderFor(Action.READ_ACCESS_LOG, Route.WHOLE))
]
From = Annotated[
    str | None,
    Query(alias="from", max_length=64, description=f"Reads at or after this instant. {INSTANT}"),
]
To = Annotated[
    str | None, Query(alias="to", max_length=64, description=f"Reads by this instant. {INSTANT}")
]
ByUser = Annotated[
    str | None, Query(min_length=1, max_length=200, description="Reads by one user.")
]
After = Annotated[
    int | None, Query(ge=1, le=2**63 - 1, description="The `next` of the previous page.")
]
Limit = Annotated[int, Query(ge=1, le=200, description="Entries per page.")]


@router.get("/access-log", responses=READS)
def read_access_log(
    read: AccessLogReader,
    journeys: JourneysDep,
    *,
    start: From = None,
    end: To = None,
    user_id: ByUser = None,
    after: After = None,
    limit: Limit = 50,
) -> AccessLogPublic:
    found = journeys.access_log.page(
        read.family_id,
        start=start_of("from", start),
        end=instant("to", end),
        user_id=user_id,
        before=after,
        limit=limit,
    )
    return AccessLogPublic(
        items=[AccessPublic.model_validate(entry, from_attributes=True) for entry in found.items],
        next=None if found.next is None else str(found.next),
    )


def start_of(field: str, text: str | None) -> datetime | None:
    """Like `instant`, but a date alone is the start of that day (UTC)."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return instant(field, text)
    return datetime.combine(day, time.min, tzinfo=UTC)
