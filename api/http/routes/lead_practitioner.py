"""The lead practitioner of the open episode: exactly one at a time; changes are events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import AssignLeadPractitioner

router = APIRouter(prefix="/families/{family_id}", tags=["episodes"])


@router.post("/lead-practitioner", **COMMAND)
def assign_lead_practitioner(
    command: Annotated[AssignLeadPractitioner, body_of(AssignLeadPractitioner, Recording)],
    sender: Recording,
) -> JSONResponse:
    return created(sender.app.handle(command))
