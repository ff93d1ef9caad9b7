"""Escalations (step-up) to statutory or specialist services, and their responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording, RespondingToEscalation
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import RaiseEscalation, RespondToEscalation

router = APIRouter(prefix="/families/{family_id}", tags=["escalations"])


@router.post("/escalations", **COMMAND)
def raise_escalation(
    command: Annotated[RaiseEscalation, body_of(RaiseEscalation, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))


@router.post("/escalations/{escalation_id}/response", **COMMAND)
def respond_to_escalation(
    command: Annotated[RespondToEscalation, body_of(RespondToEscalation, RespondingToEscalation)],
    sender: RespondingToEscalation,
) -> JSONResponse:
    return created(sender.app.handle(command))
