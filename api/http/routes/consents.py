"""Sharing consent: given for named agencies and purposes, and withdrawn."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording
from api.http.responses import COMMAND, created
from api.http.schemas.commands import ConsentCreate, ConsentWithdrawalCreate
from domain.commands import GiveConsent, WithdrawConsent

router = APIRouter(prefix="/families/{family_id}", tags=["consent and sharing"])


@router.post("/consents", **COMMAND)
def give_consent(family_id: UUID, body: ConsentCreate, sender: Recording) -> JSONResponse:
    result = sender.app.handle(
        GiveConsent(
            family_id=family_id,
            **sender.entry(body),
            given_by=body.given_by,
            agencies=body.agencies,
            purposes=body.purposes,
        )
    )
    return created(result)


@router.post("/consents/{consent_id}/withdrawal", **COMMAND)
def withdraw_consent(
    *, family_id: UUID, consent_id: UUID, body: ConsentWithdrawalCreate, sender: Recording
) -> JSONResponse:
    result = sender.app.handle(
        WithdrawConsent(family_id=family_id, **sender.entry(body), consent_id=consent_id)
    )
    return created(result)
