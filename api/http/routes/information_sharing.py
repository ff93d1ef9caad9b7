"""Information sharing: what was shared, with whom, why, and on which lawful basis."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording
from api.http.responses import COMMAND, created
from api.http.schemas.commands import InformationSharingCreate
from domain.commands import ShareInformation

router = APIRouter(prefix="/families/{family_id}", tags=["consent and sharing"])


@router.post("/information-sharing", **COMMAND)
def share_information(
    family_id: UUID, body: InformationSharingCreate, sender: Recording
) -> JSONResponse:
    result = sender.app.handle(
        ShareInformation(
            family_id=family_id,
            **sender.entry(body),
            with_agency=body.with_agency,
            categories=body.categories,
            purpose=body.purpose,
            lawful_basis=body.lawful_basis,
            personal=body.personal_data(),
        )
    )
    return created(result)
