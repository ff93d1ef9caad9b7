"""Plans: outcomes tied to headline outcomes, actions owned by agencies; revised by events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import AgreePlan, RevisePlan

router = APIRouter(prefix="/families/{family_id}", tags=["plans"])


@router.post("/plans", **COMMAND)
def agree_plan(
    command: Annotated[AgreePlan, body_of(AgreePlan, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))


@router.post("/plans/{plan_id}/revisions", **COMMAND)
def revise_plan(
    command: Annotated[RevisePlan, body_of(RevisePlan, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))
