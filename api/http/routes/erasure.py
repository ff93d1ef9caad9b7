"""Erasure of a family's personal data, and the legal holds that block it (admin only).

An erasure is an entry; the family's data key is destroyed as soon as it is stored, so no
personal detail of the family can be read again. Every entry, episode and count stays.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.http.deps import Sender, SenderAllowedTo
from api.http.permissions import Action
from api.http.responses import COMMAND, created
from api.http.schemas.erasure import ErasureCreate, LegalHoldCreate, LegalHoldLiftCreate
from domain.commands import ErasePersonalData, LiftLegalHold, PlaceLegalHold

router = APIRouter(prefix="/families/{family_id}", tags=["erasure"])

Erasing = Annotated[Sender, Depends(SenderAllowedTo(Action.ERASE))]
Holding = Annotated[Sender, Depends(SenderAllowedTo(Action.HOLD))]


@router.post("/erasure", **COMMAND)
def erase_personal_data(family_id: UUID, body: ErasureCreate, sender: Erasing) -> JSONResponse:
    result = sender.app.handle(
        ErasePersonalData(
            family_id=family_id,
            actor=sender.actor,
            reason=body.reason,
            idempotency_key=sender.idempotency_key,
        )
    )
    return created(result)


@router.post("/legal-hold", **COMMAND)
def place_legal_hold(family_id: UUID, body: LegalHoldCreate, sender: Holding) -> JSONResponse:
    result = sender.app.handle(
        PlaceLegalHold(
            family_id=family_id,
            actor=sender.actor,
            reason=body.reason,
            reference=body.reference,
            idempotency_key=sender.idempotency_key,
        )
    )
    return created(result)


@router.post("/legal-hold/{hold_id}/lift", **COMMAND)
def lift_legal_hold(
    *, family_id: UUID, hold_id: UUID, body: LegalHoldLiftCreate, sender: Holding
) -> JSONResponse:
    result = sender.app.handle(
        LiftLegalHold(
            family_id=family_id,
            actor=sender.actor,
            hold_id=hold_id,
            reason=body.reason,
            idempotency_key=sender.idempotency_key,
        )
    )
    return created(result)
