"""Support decisions: the family agrees to early help (it is voluntary), or declines it."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording
from api.http.responses import COMMAND, created
from api.http.schemas.commands import SupportDecisionCreate
from domain.commands import DecideSupport

router = APIRouter(prefix="/families/{family_id}", tags=["episodes"])


@router.post("/support-decisions", **COMMAND)
def decide_support(family_id: UUID, body: SupportDecisionCreate, sender: Recording) -> JSONResponse:
    result = sender.app.handle(
        DecideSupport(family_id=family_id, **sender.entry(body), agreed=body.decision == "agreed")
    )
    return created(result)
