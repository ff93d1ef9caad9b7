"""Reviews: progress per plan outcome and a decision, normally every six weeks."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording
from api.http.responses import COMMAND, created
from api.http.schemas.commands import ReviewCreate
from domain.commands import HoldReview

router = APIRouter(prefix="/families/{family_id}", tags=["plans"])


@router.post("/reviews", **COMMAND)
def hold_review(family_id: UUID, body: ReviewCreate, sender: Recording) -> JSONResponse:
    result = sender.app.handle(
        HoldReview(
            family_id=family_id,
            **sender.entry(body),
            plan_id=body.plan_id,
            progress=body.progress_values(),
            decision=body.decision,
            attendees=body.attendees,
            personal=body.personal_data(),
        )
    )
    return created(result)
