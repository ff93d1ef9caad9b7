"""Closures: an episode ends with a reason and the status of each plan outcome."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import CloseEpisode

router = APIRouter(prefix="/families/{family_id}", tags=["episodes"])


@router.post("/closures", **COMMAND)
def close_episode(
    command: Annotated[CloseEpisode, body_of(CloseEpisode, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))
