"""Retractions: an entry recorded in error is retracted (never deleted), with a reason."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Correcting
from api.http.responses import COMMAND, created
from api.http.schemas.commands import RetractionCreate
from domain.commands import RetractEntry

router = APIRouter(prefix="/families/{family_id}", tags=["corrections"])


@router.post("/retractions", **COMMAND)
def retract_entry(family_id: UUID, body: RetractionCreate, sender: Correcting) -> JSONResponse:
    result = sender.app.handle(
        RetractEntry(
            family_id=family_id,
            **sender.entry(body),
            target_entry_id=body.target_entry_id,
            reason=body.reason,
            personal=body.personal_data(),
        )
    )
    return created(result)
