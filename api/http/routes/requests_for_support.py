"""Requests for support: each opens an episode of early help."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import RequestSupport

router = APIRouter(prefix="/families/{family_id}", tags=["episodes"])


@router.post("/requests-for-support", **COMMAND)
def request_support(
    command: Annotated[RequestSupport, body_of(RequestSupport, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))
