"""Plans: outcomes tied to headline outcomes, actions owned by agencies; revised by events."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording
from api.http.responses import COMMAND, created
from api.http.schemas.commands import PlanCreate, PlanRevisionCreate
from domain.commands import AgreePlan, RevisePlan

router = APIRouter(prefix="/families/{family_id}", tags=["plans"])


@router.post("/plans", **COMMAND)
def agree_plan(family_id: UUID, body: PlanCreate, sender: Recording) -> JSONResponse:
    result = sender.app.handle(
        AgreePlan(
            family_id=family_id,
            **sender.entry(body),
            outcomes=body.outcome_values(),
            actions=body.action_values(),
            personal=body.personal_data(),
        )
    )
    return created(result)


@router.post("/plans/{plan_id}/revisions", **COMMAND)
def revise_plan(
    *, family_id: UUID, plan_id: UUID, body: PlanRevisionCreate, sender: Recording
) -> JSONResponse:
    result = sender.app.handle(
        RevisePlan(
            family_id=family_id,
            **sender.entry(body),
            plan_id=plan_id,
            outcomes=body.outcome_values(),
            actions=body.action_values(),
            personal=body.personal_data(),
        )
    )
    return created(result)
