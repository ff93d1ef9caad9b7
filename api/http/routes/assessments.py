"""Early help assessments: started, then completed with needs and the level of need."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import CompleteAssessment, StartAssessment

router = APIRouter(prefix="/families/{family_id}", tags=["assessments"])


@router.post("/assessments", **COMMAND)
def start_assessment(
    command: Annotated[StartAssessment, body_of(StartAssessment, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))


@router.post("/assessments/{assessment_id}/completion", **COMMAND)
def complete_assessment(
    command: Annotated[CompleteAssessment, body_of(CompleteAssessment, Recording)],
    sender: Recording,
) -> JSONResponse:
    return created(sender.app.handle(command))
