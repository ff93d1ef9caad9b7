"""Reviews: progress per plan outcome and a decision, normally every six weeks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import HoldReview

router = APIRouter(prefix="/families/{family_id}", tags=["plans"])


@router.post("/reviews", **COMMAND)
def hold_review(
    command: Annotated[HoldReview, body_of(HoldReview, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))
