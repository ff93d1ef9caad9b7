"""Requests for support: each opens an episode of early help."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording
from api.http.responses import COMMAND, created
from api.http.schemas.commands import SupportRequestCreate
from domain.commands import RequestSupport

router = APIRouter(prefix="/families/{family_id}", tags=["episodes"])


@router.post("/requests-for-support", **COMMAND)
def request_support(family_id: UUID, body: SupportRequestCreate, sender: Recording) -> JSONResponse:
    result = sender.app.handle(
        RequestSupport(
            family_id=family_id,
            **sender.entry(body),
            source=body.source,
            personal=body.personal_data(),
        )
    )
    return created(result)
