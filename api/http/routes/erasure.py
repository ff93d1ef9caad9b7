"""Erasure of a family's personal data, and the legal holds that block it (admin only).

An erasure is an entry; the family's data key is destroyed as soon as it is stored, so no
personal detail of the family can be read again. Every entry, episode and count stays.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.common.deps import Sender, SenderAllowedTo
from api.common.permissions import Action
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import ErasePersonalData, LiftLegalHold, PlaceLegalHold

router = APIRouter(prefix="/families/{family_id}", tags=["erasure"])

Erasing = Annotated[Sender, Depends(SenderAllowedTo(Action.ERASE))]
Holding = Annotated[Sender, Depends(SenderAllowedTo(Action.HOLD))]


@router.post("/erasure", **COMMAND)
def erase_personal_data(
    command: Annotated[ErasePersonalData, body_of(ErasePersonalData, Erasing)], sender: Erasing
) -> JSONResponse:
    return created(sender.app.handle(command))


@router.post("/legal-hold", **COMMAND)
def place_legal_hold(
    command: Annotated[PlaceLegalHold, body_of(PlaceLegalHold, Holding)], sender: Holding
) -> JSONResponse:
    return created(sender.app.handle(command))


@router.post("/legal-hold/{hold_id}/lift", **COMMAND)
def lift_legal_hold(
    command: Annotated[LiftLegalHold, body_of(LiftLegalHold, Holding)], sender: Holding
) -> JSONResponse:
    return created(sender.app.handle(command))
