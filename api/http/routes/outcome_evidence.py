"""Outcome evidence: a measured fact about a headline outcome, also after closure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import EvidenceOutcome

router = APIRouter(prefix="/families/{family_id}", tags=["outcomes"])


@router.post("/outcome-evidence", **COMMAND)
def evidence_outcome(
    command: Annotated[EvidenceOutcome, body_of(EvidenceOutcome, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))
