"""Corrections: a later entry corrects fields (or personal details) of an earlier one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Correcting
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import CorrectEntry

router = APIRouter(prefix="/families/{family_id}", tags=["corrections"])


@router.post("/corrections", **COMMAND)
def correct_entry(
    command: Annotated[CorrectEntry, body_of(CorrectEntry, Correcting)], sender: Correcting
) -> JSONResponse:
    return created(sender.app.handle(command))
