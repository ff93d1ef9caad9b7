"""Information sharing: what was shared, with whom, why, and on which lawful basis."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import ShareInformation

router = APIRouter(prefix="/families/{family_id}", tags=["consent and sharing"])


@router.post("/information-sharing", **COMMAND)
def share_information(
    command: Annotated[ShareInformation, body_of(ShareInformation, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))
