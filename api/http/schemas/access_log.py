"""What the access log routes answer: who read which family's record."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field


class AccessPublic(BaseModel):
    """One read of the family's record, or one refused attempt at it."""

    access_id: int = Field(description="The entry's place in the log (later is larger).")
    family_id: UUID
    at: datetime = Field(description="When, in UTC.")
    user_id: str = Field(description="Who: the user id of the reader's token, never a name.")
    role: str
    agency: str
    what: str = Field(description="Which resource: timeline, journey, events, family page, ...")
    detail: dict[str, str] = Field(
        description="The parameters that shaped what was seen (as_recorded_at, agency, ...)."
    )
    reason: str | None = Field(description="The reason stated (`access_reason` code), if any.")
    outcome: Literal["read", "refused", "invalid"] = Field(
        description="`read`; `refused` (403) for an attempt the reader was not allowed; "
        "`invalid` for a request that failed on a bad parameter (422) and answered nothing."
    )


class AccessLogPublic(BaseModel):
    items: list[AccessPublic] = Field(description="Newest first.")
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")
