"""Corrections: a later entry corrects fields (or personal details) of an earlier one."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Correcting
from api.http.responses import COMMAND, created
from api.http.schemas.commands import CorrectionCreate
from domain.commands import CorrectEntry

router = APIRouter(prefix="/families/{family_id}", tags=["corrections"])


@router.post("/corrections", **COMMAND)
def correct_entry(family_id: UUID, body: CorrectionCreate, sender: Correcting) -> JSONResponse:
    result = sender.app.handle(
        CorrectEntry(
            family_id=family_id,
            **sender.entry(body),
            target_entry_id=body.target_entry_id,
            reason=body.reason,
            changes=body.change_values(),
            member_id=body.member_id,
            personal=body.personal_data(),
        )
    )
    return created(result)
