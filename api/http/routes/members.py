"""Household members: a member joins, or leaves."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.http.deps import Recording
from api.http.responses import COMMAND, created
from api.http.schemas.commands import MemberAdditionCreate, MemberDepartureCreate
from domain.commands import AddMember, RemoveMember

router = APIRouter(prefix="/families/{family_id}", tags=["members"])


@router.post("/members", **COMMAND)
def add_member(family_id: UUID, body: MemberAdditionCreate, sender: Recording) -> JSONResponse:
    relationship, send, personal = body.as_member()
    result = sender.app.handle(
        AddMember(
            family_id=family_id,
            **sender.entry(body),
            relationship=relationship,
            send=send,
            personal=personal,
        )
    )
    return created(result)


@router.post("/members/{member_id}/departure", **COMMAND)
def record_departure(
    *, family_id: UUID, member_id: UUID, body: MemberDepartureCreate, sender: Recording
) -> JSONResponse:
    result = sender.app.handle(
        RemoveMember(
            family_id=family_id, **sender.entry(body), member_id=member_id, reason=body.reason
        )
    )
    return created(result)
