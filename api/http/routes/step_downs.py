"""Step-downs from statutory children's social care into early help (CIN closure RC9)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import SteppingDown
from api.http.responses import COMMAND, created
from api.http.schemas.commands import StepDownCreate
from domain.commands import StepDown

router = APIRouter(prefix="/families/{family_id}", tags=["escalations"])


@router.post("/step-downs", **COMMAND)
def step_down(family_id: UUID, body: StepDownCreate, sender: SteppingDown) -> JSONResponse:
    result = sender.app.handle(
        StepDown(
            family_id=family_id,
            **sender.entry(body),
            from_service=body.from_service,
            reason=body.reason,
        )
    )
    return created(result)
