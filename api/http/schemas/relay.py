"""The Kafka relay's part of GET /health."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RelayHealthPublic(BaseModel):
    position: int = Field(description="The last store position the broker acknowledged.")
    head: int
    lag_events: int
    lag_seconds: float = Field(description="Age of the oldest event not yet published.")
    health: str = Field(description="`caught up` or `behind`")
