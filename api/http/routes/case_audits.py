"""Case audits: a QA officer grades an episode's practice (a grade per practice standard on
the Ofsted four-point scale), records findings and sets actions with owners and due dates,
then records each action's completion. `GET /qa/case-audits` lists the audits, with open
and overdue actions first (`?open=true`: only those with open actions)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api.common.deps import Auditing, JourneysDep, ReadAfterDep, require_roles
from api.common.permissions import ALLOWED, Action
from api.http.responses import COMMAND, READS, created
from api.http.schemas.case_audits import CaseAuditPublic, CaseAuditsPublic
from api.http.sending import body_of
from domain.commands import CompleteAuditAction, RecordCaseAudit
from infra.tokens import Identity
from infra.views.case_audits import NAME, CaseAuditsReader

router = APIRouter(tags=["case audits"])

AuditLister = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.READ_CASE_AUDITS]))]


@router.post("/families/{family_id}/case-audits", **COMMAND)
def record_case_audit(
    command: Annotated[RecordCaseAudit, body_of(RecordCaseAudit, Auditing)], sender: Auditing
) -> JSONResponse:
    return created(sender.app.handle(command))


@router.post(
    "/families/{family_id}/case-audits/{audit_id}/actions/{action_id}/completion", **COMMAND
)
def complete_audit_action(
    command: Annotated[CompleteAuditAction, body_of(CompleteAuditAction, Auditing)],
    sender: Auditing,
) -> JSONResponse:
    return created(sender.app.handle(command))


@router.get("/qa/case-audits", responses=READS)
def list_case_audits(
    journeys: JourneysDep,
    identity: AuditLister,
    after: ReadAfterDep,
    *,
    open: Annotated[bool, Query(description="Only audits with open actions.")] = False,
    area: Annotated[str | None, Query(description="Code of `area`.")] = None,
) -> CaseAuditsPublic:
    """The case audits, most overdue first, then by the earliest open due date, then the
    oldest. An action is overdue once its due date has passed and it is not completed."""
    if area is not None:
        journeys.app.codes.require("area", area, field="area")
    after.wait(journeys, NAME)
    today = journeys.app.clock().date()
    position, found = CaseAuditsReader(journeys.views).audits(
        today=today, open_only=open, area=area
    )
    items = [CaseAuditPublic.model_validate(dataclasses.asdict(s)) for s in found]
    return CaseAuditsPublic(open=open, area=area, today=today, position=position, items=items)
