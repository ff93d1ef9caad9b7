"""Escalations (step-up) to statutory or specialist services, and their responses."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording, RespondingToEscalation
from api.http.responses import COMMAND, created
from api.http.schemas.commands import EscalationCreate, EscalationResponseCreate
from domain.commands import RaiseEscalation, RespondToEscalation

router = APIRouter(prefix="/families/{family_id}", tags=["escalations"])


@router.post("/escalations", **COMMAND)
def raise_escalation(family_id: UUID, body: EscalationCreate, sender: Recording) -> JSONResponse:
    result = sender.app.handle(
        RaiseEscalation(
            family_id=family_id,
            **sender.entry(body),
            to_service=body.to_service,
            reason=body.reason,
            safeguarding=body.safeguarding,
            lawful_basis=body.lawful_basis,
            personal=body.personal_data(),
        )
    )
    return created(result)


@router.post("/escalations/{escalation_id}/response", **COMMAND)
def respond_to_escalation(
    *,
    family_id: UUID,
    escalation_id: UUID,
    body: EscalationResponseCreate,
    sender: RespondingToEscalation,
) -> JSONResponse:
    result = sender.app.handle(
        RespondToEscalation(
            family_id=family_id,
            **sender.entry(body),
            escalation_id=escalation_id,
            response=body.response,
        )
    )
    return created(result)
