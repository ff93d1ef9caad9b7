"""Sharing consent: given for named agencies and purposes, and withdrawn."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import GiveConsent, WithdrawConsent

router = APIRouter(prefix="/families/{family_id}", tags=["consent and sharing"])


@router.post("/consents", **COMMAND)
def give_consent(
    command: Annotated[GiveConsent, body_of(GiveConsent, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))


@router.post("/consents/{consent_id}/withdrawal", **COMMAND)
def withdraw_consent(
    command: Annotated[WithdrawConsent, body_of(WithdrawConsent, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))
