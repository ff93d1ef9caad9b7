"""Support decisions: the family agrees to early help (it is voluntary), or declines it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import DecideSupport

router = APIRouter(prefix="/families/{family_id}", tags=["episodes"])


@router.post("/support-decisions", **COMMAND)
def decide_support(
    command: Annotated[DecideSupport, body_of(DecideSupport, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))
