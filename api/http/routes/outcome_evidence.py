"""Outcome evidence: a measured fact about a headline outcome, also after closure."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording
from api.http.responses import COMMAND, created
from api.http.schemas.commands import OutcomeEvidenceCreate
from domain.commands import EvidenceOutcome

router = APIRouter(prefix="/families/{family_id}", tags=["outcomes"])


@router.post("/outcome-evidence", **COMMAND)
def evidence_outcome(
    family_id: UUID, body: OutcomeEvidenceCreate, sender: Recording
) -> JSONResponse:
    result = sender.app.handle(
        EvidenceOutcome(
            family_id=family_id,
            **sender.entry(body),
            headline_outcome=body.headline_outcome,
            measure=body.measure,
            value=body.value,
            period_start=body.period_start,
            period_end=body.period_end,
            source=body.source,
        )
    )
    return created(result)
