"""GET /families/{family_id}/integrity: recompute the family's hash chain from its stored
events and name the first event that does not match (infra.store.integrity).

It reads stored bytes only, never personal data, and needs no key: it answers the same
after the family's data key is destroyed.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from api.common.deps import FamilyRead, FamilyReaderFor, JourneysDep
from api.common.permissions import Action
from api.http.responses import ERRORS
from api.http.schemas.integrity import HeadPublic, IntegrityPublic, MismatchPublic
from domain.access import Route
from infra.store.integrity import Integrity

router = APIRouter(prefix="/families/{family_id}", tags=["integrity"])

IntegrityChecker = Annotated[
    FamilyRead, Depends(FamilyReaderFor(Action.VERIFY_INTEGRITY, Route.ENTRIES))
]


@router.get("/integrity", responses={k: v for k, v in ERRORS.items() if k != 409})
def family_integrity(read: IntegrityChecker, journeys: JourneysDep) -> IntegrityPublic:
    family_id = read.family_id
    report = Integrity(journeys.app).verify_family(family_id)
    mismatch = report.mismatch
    return IntegrityPublic(
        family_id=family_id,
        verified=report.verified,
        status=report.status,
        events=report.events,
        head=HeadPublic(version=report.head.version, hash=report.head.hash)
        if report.head
        else None,
        first_mismatch=MismatchPublic(
            version=mismatch.version,
            entry_id=UUID(mismatch.entry_id) if mismatch.entry_id else None,
            reason=mismatch.reason,
            detail=mismatch.detail,
        )
        if mismatch
        else None,
    )
