"""Contacts: any recorded interaction by any service, inside or outside an episode."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Reporting
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import RecordContact

router = APIRouter(prefix="/families/{family_id}", tags=["contacts"])


@router.post("/contacts", **COMMAND)
def record_contact(
    command: Annotated[RecordContact, body_of(RecordContact, Reporting)], sender: Reporting
) -> JSONResponse:
    return created(sender.app.handle(command))
