"""Closures: an episode ends with a reason and the status of each plan outcome."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording
from api.http.responses import COMMAND, created
from api.http.schemas.commands import ClosureCreate
from domain.commands import CloseEpisode

router = APIRouter(prefix="/families/{family_id}", tags=["episodes"])


@router.post("/closures", **COMMAND)
def close_episode(family_id: UUID, body: ClosureCreate, sender: Recording) -> JSONResponse:
    result = sender.app.handle(
        CloseEpisode(
            family_id=family_id,
            **sender.entry(body),
            reason=body.reason,
            outcome_statuses=body.status_values(),
            personal=body.personal_data(),
        )
    )
    return created(result)
