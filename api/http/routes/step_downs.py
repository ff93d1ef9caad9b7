"""Step-downs from statutory children's social care into early help (CIN closure RC9)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import SteppingDown
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import StepDown

router = APIRouter(prefix="/families/{family_id}", tags=["escalations"])


@router.post("/step-downs", **COMMAND)
def step_down(
    command: Annotated[StepDown, body_of(StepDown, SteppingDown)], sender: SteppingDown
) -> JSONResponse:
    return created(sender.app.handle(command))
