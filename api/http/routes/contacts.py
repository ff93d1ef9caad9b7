"""Contacts: any recorded interaction by any service, inside or outside an episode."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Reporting
from api.http.responses import COMMAND, created
from api.http.schemas.commands import ContactCreate
from domain.commands import RecordContact

router = APIRouter(prefix="/families/{family_id}", tags=["contacts"])


@router.post("/contacts", **COMMAND)
def record_contact(family_id: UUID, body: ContactCreate, sender: Reporting) -> JSONResponse:
    result = sender.app.handle(
        RecordContact(
            family_id=family_id,
            **sender.entry(body),
            agency=body.agency,
            channel=body.channel,
            reason=body.reason,
            member_ids=body.member_ids,
            personal=body.personal_data(),
        )
    )
    return created(result)
