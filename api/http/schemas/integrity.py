"""What GET /families/{family_id}/integrity answers."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field


class HeadPublic(BaseModel):
    version: int = Field(description="The version of the family's last stored event.")
    hash: str = Field(description="The chain hash over the stored events up to it (hex).")


class MismatchPublic(BaseModel):
    version: int = Field(description="The first version that does not match its chain.")
    entry_id: UUID | None = Field(
        description="The entry stored at that version, if it can still be read."
    )
    reason: Literal[
        "content_changed",
        "out_of_order",
        "event_missing",
        "chain_row_changed",
        "chain_row_missing",
        "extra_event",
    ]
    detail: str


class IntegrityPublic(BaseModel):
    family_id: UUID
    verified: bool = Field(description="Every stored event matches the family's hash chain.")
    status: Literal["verified", "not_chained", "tampered"] = Field(
        description="`not_chained`: stored before hash chaining and not written since (no "
        "chain to check against, which is not evidence of tampering)."
    )
    events: int
    head: HeadPublic | None
    first_mismatch: MismatchPublic | None
