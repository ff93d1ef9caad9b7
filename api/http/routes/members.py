"""Household members: a member joins, or leaves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.common.deps import Recording
from api.http.responses import COMMAND, created
from api.http.sending import body_of
from domain.commands import AddMember, RemoveMember

router = APIRouter(prefix="/families/{family_id}", tags=["members"])


@router.post("/members", **COMMAND)
def add_member(
    command: Annotated[AddMember, body_of(AddMember, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))


@router.post("/members/{member_id}/departure", **COMMAND)
def record_departure(
    command: Annotated[RemoveMember, body_of(RemoveMember, Recording)], sender: Recording
) -> JSONResponse:
    return created(sender.app.handle(command))
