"""The families the family directory lists, as GET /families answers them and the families
page shows them: paged in the order they were registered, filtered by area, by stage and to
the caller's own, within the caller's caseload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query

from api.common.cursors import decode, next_cursor
from api.common.deps import caseload_of
from domain.errors import InvalidValueError
from infra.bootstrap import Journeys
from infra.tokens import Identity
from infra.views.store import ViewNotReadyError
from projections.base import Doc
from projections.families import FamilyDirectory
from projections.journey import STAGES

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

AreaQuery = Annotated[str | None, Query(max_length=64, description="An area code.")]
StageQuery = Annotated[
    str | None,
    Query(max_length=64, description="A stage code (projections.journey), `closed` included."),
]
MineQuery = Annotated[
    bool, Query(description="Only the families the caller leads now (an open episode's lead).")
]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Families per page.")]


@dataclass(frozen=True)
class FamilyPage:
    """One page of the directory: its documents, the cursor of the next page (None at the
    end), and the directory's position in the store."""

    items: list[Doc]
    next: str | None
    position: int


def checked(
    journeys: Journeys, *, area: str | None, stage: str | None, after: str | None
) -> int | None:
    """The filters checked (422 naming the one at fault) and the cursor decoded."""
    if area is not None:
        journeys.app.codes.require("area", area, field="area")
    if stage is not None and stage not in STAGES:
        raise InvalidValueError("stage", f"not a stage; one of {', '.join(STAGES)}")
    return decode(after, field="after")


def family_page(
    journeys: Journeys,
    identity: Identity,
    *,
    area: str | None,
    stage: str | None,
    mine: bool,
    after: str | None,
    limit: int,
    within: frozenset[UUID] | None = None,
) -> FamilyPage:
    """Families in the order they were registered, of `area` and at `stage` when given, led
    now by the caller when `mine`, and among `within` (None: no limit) — the one query of
    GET /families and the families page. `after`: the `next` of the page before."""
    start = checked(journeys, area=area, stage=stage, after=after)
    live = journeys.views.live("families")
    if live is not None and live.version < FamilyDirectory.version:
        # An older directory, live while this version is built from the log beside it.
        raise ViewNotReadyError(
            "the family directory is being rebuilt to show each family's stage; ask again shortly",
            position=live.position,
        )

    def wanted(doc: Doc) -> bool:
        return (
            (stage is None or doc["stage"] == stage)
            and (not mine or doc["lead_practitioner_id"] == identity.user_id)
            and (within is None or UUID(doc["family_id"]) in within)
        )

    position, found, more = journeys.views.read_page(
        "families", tag=area, after=start, limit=limit, where=wanted
    )
    cursor = next_cursor(found[-1][0]) if more else None
    return FamilyPage([doc for _, doc in found], cursor, position)


def listed_for(journeys: Journeys, identity: Identity, **query: Any) -> FamilyPage:
    """family_page (`query`: its filters) within the caller's caseload (api.common.deps): what GET
    /families and the families page list."""
    within = caseload_of(journeys, identity, journeys.app.clock())
    return family_page(journeys, identity, within=within, **query)
