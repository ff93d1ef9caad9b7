"""Retractions: an entry recorded in error is retracted (never deleted), with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Correcting
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import RetractEntry

router = APIRouter(prefix="/families/{family_id}", tags=["corrections"])


@router.post("/retractions", **COMMAND)
def retract_entry(
    command: Annotated[RetractEntry, body_of(RetractEntry, Correcting)], sender: Correcting
) -> JSONResponse:
    return created(sender.app.handle(command))
