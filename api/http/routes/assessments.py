"""Early help assessments: started, then completed with needs and the level of need."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording
from api.http.responses import COMMAND, created
from api.http.schemas.commands import AssessmentCompletionCreate, AssessmentCreate
from domain.commands import CompleteAssessment, StartAssessment

router = APIRouter(prefix="/families/{family_id}", tags=["assessments"])


@router.post("/assessments", **COMMAND)
def start_assessment(family_id: UUID, body: AssessmentCreate, sender: Recording) -> JSONResponse:
    result = sender.app.handle(StartAssessment(family_id=family_id, **sender.entry(body)))
    return created(result)


@router.post("/assessments/{assessment_id}/completion", **COMMAND)
def complete_assessment(
    *, family_id: UUID, assessment_id: UUID, body: AssessmentCompletionCreate, sender: Recording
) -> JSONResponse:
    result = sender.app.handle(
        CompleteAssessment(
            family_id=family_id,
            **sender.entry(body),
            assessment_id=assessment_id,
            level_of_need=body.level_of_need,
            needs=body.needs,
            strengths=body.strengths,
            factors=body.factors,
            personal=body.personal_data(),
        )
    )
    return created(result)
