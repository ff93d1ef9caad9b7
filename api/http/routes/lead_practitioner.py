"""The lead practitioner of the open episode: exactly one at a time; changes are events."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording
from api.http.responses import COMMAND, created
from api.http.schemas.commands import LeadPractitionerCreate
from domain.commands import AssignLeadPractitioner

router = APIRouter(prefix="/families/{family_id}", tags=["episodes"])


@router.post("/lead-practitioner", **COMMAND)
def assign_lead_practitioner(
    family_id: UUID, body: LeadPractitionerCreate, sender: Recording
) -> JSONResponse:
    result = sender.app.handle(
        AssignLeadPractitioner(
            family_id=family_id,
            **sender.entry(body),
            practitioner_id=body.practitioner_id,
            agency=body.agency,
        )
    )
    return created(result)
