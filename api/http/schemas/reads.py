"""What the API answers: command results, pages of families, raw events, health, errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.http.schemas.relay import RelayHealthPublic


class CommandPublic(BaseModel):
    """A recorded command: the family, the ids it made (`<thing>_id`), the store position.

    Which ids appear depends on the command (e.g. `contact_id`, `episode_id`,
    `member_id_0`...), so ids beyond these are extra fields of the same shape.
    """

    model_config = ConfigDict(extra="allow")

    family_id: UUID
    entry_id: UUID
    position: int = Field(description="The store position after the command.")
    recorded_at: datetime = Field(
        description="When the store recorded the command's events (for a replayed "
        "idempotent command, when the first one was recorded), ISO 8601 in UTC."
    )


class FamilySummaryPublic(BaseModel):
    """A family as the directory has it now: codes and occurred times (as corrected)."""

    family_id: UUID
    area: str
    registered_at: datetime = Field(description="When the family was registered (occurred).")
    stage: str = Field(
        description="The current stage of the latest episode (`closed` once it closed), as "
        "`GET /families/{id}/journey` gives it."
    )
    stage_since: datetime = Field(description="When the current stage began (occurred).")
    level_of_need: str | None = Field(description="The level of need in force; null before.")
    lead_practitioner_id: str | None = Field(
        description="The lead practitioner of the open episode; null when closed or none."
    )
    lead_agency: str | None = Field(description="The agency of the latest episode's lead.")
    last_activity_at: datetime = Field(
        description="When the latest entry about the family happened (occurred)."
    )


class FamilyPagePublic(BaseModel):
    items: list[FamilySummaryPublic]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")
    position: int = Field(description="The store position the directory had reached.")


class EventPublic(BaseModel):
    type: str
    version: int
    recorded_at: datetime
    occurred_at: datetime | None
    actor: dict[str, str] | None
    data: dict[str, Any]


class EventsPublic(BaseModel):
    family_id: UUID
    items: list[EventPublic]
    next: str | None = None


class ViewHealthPublic(BaseModel):
    """One view: how far it has read the log, how far behind it is, and why it stopped."""

    name: str
    version: int
    state: str = Field(
        description="`live` (read by queries), `building` (a rebuild) or `none` (no projector "
        "has made the view yet)"
    )
    source: str = Field(
        "store",
        description="What feeds it: `store` (the store's log; positions in it) or `kafka` "
        "(journeys.events.v1; position and lag in records of the topic)",
    )
    position: int
    lag_events: int
    lag_seconds: float | None = Field(
        description="Age of the oldest event the view has not applied; null until the view "
        "has started, and for a Kafka-fed view that is behind (the broker gives no age)"
    )
    health: str = Field(
        description="`caught up`, `behind`, `not started` (has applied no event of a store that "
        "has some) or `failing`"
    )
    failures: int
    last_error: str | None


class HealthPublic(BaseModel):
    status: str = Field(
        description="`ok`; `starting` while a view has not started; `degraded` when a view is "
        "failing, or the Kafka relay's oldest unpublished event is older than "
        "JOURNEYS_RELAY_LAG_ALERT_SECONDS"
    )
    store: str
    position: int
    views: list[ViewHealthPublic]
    relay: RelayHealthPublic | None = Field(
        None, description="The Kafka relay, when publishing is on (JOURNEYS_KAFKA_BOOTSTRAP)."
    )
    dead_letters: int | None = Field(
        None,
        description="Messages parked on journeys.deadletter.v1 with their reasons; null "
        "without Kafka or while the broker cannot be asked.",
    )


class ErrorPublic(BaseModel):
    """Every error: a code, what a person can do about it, and the field or rule at fault."""

    error: str
    detail: str
    field: str | None = None
    rule: str | None = None
