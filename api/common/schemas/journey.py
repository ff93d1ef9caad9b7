"""What the journey and pathways routes answer: named answers, never a graph.

Stages, levels of need, agencies and reasons are codes (see projections.journey for the
stages, the code lists for the rest); times are UTC; days are decimal days.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field


class StepPublic(BaseModel):
    """One visit to a stage of the journey."""

    stage: str
    at: datetime = Field(description="When the family reached the stage (as corrected).")
    level_of_need: str | None = Field(
        description="The level of need in force: the episode's latest assessment, or "
        "`statutory` once children's social care accepted a step-up; null before."
    )
    agency: str | None = Field(
        description="The service that acted: escalated to, stepped down from, the lead's "
        "service, else the service of whoever recorded the step."
    )
    episode_id: UUID | None
    entry_id: UUID
    detail: str | None = Field(
        description="The entry's own code: referral source, review decision, escalation "
        "reason or response, step-down or closure reason."
    )


class ServicePublic(BaseModel):
    """An agency of the team around the family."""

    agency: str
    first: datetime
    last: datetime
    entries: int = Field(description="Entries of the journey that involved the agency.")


class JourneyPublic(BaseModel):
    """A family's journey through early help, as the `journey` view had it at `position`."""

    family_id: UUID
    position: int
    area: str
    as_of: datetime = Field(description="The time the current visit is counted up to.")
    current_stage: str = Field(
        description="The stage of the current (latest) episode, from its last stage change; "
        "`closed` once that episode closed; `registered` before any episode."
    )
    current_stage_since: datetime | None = Field(
        description="When the current stage began (occurred, as corrected): the closure's "
        "time for `closed`."
    )
    current_stage_days: float | None = Field(
        description="Days from `current_stage_since` to `as_of`: this one visit only."
    )
    current_episode_id: UUID | None = Field(description="The latest episode; null before any.")
    current_level_of_need: str | None
    path: list[StepPublic] = Field(description="The stage changes, in the order they happened.")
    handovers: list[StepPublic] = Field(
        description="Lead practitioners assigned to an episode that already had one: a change "
        "of lead, not of stage."
    )
    time_in_stage: dict[str, float] = Field(
        description="Days per stage, summed over all its visits in every episode (not the "
        "current visit: see `current_stage_days`); the current visit counts up to `as_of` "
        "unless the episode is closed."
    )
    step_cycles: int = Field(
        description="Times round the step-up / step-down loop: each step-up starts a cycle; "
        "a step-down with no step-up before it in the record counts as one."
    )
    services: list[ServicePublic]
    episodes: int
    re_referrals: int = Field(
        description="Requests for support within 12 months of the previous episode's closure."
    )


class PathCountPublic(BaseModel):
    stages: list[str] = Field(description="The stages in order, repeats in a row made one.")
    families: int


class StageGapPublic(BaseModel):
    from_stage: str
    to_stage: str
    median_days: float
    transitions: int


class PathwaysPublic(BaseModel):
    """The pathways of a cohort: families of `area` (all when null) whose first request for
    support, or registration if none, happened between `from` and `to`."""

    area: str | None
    from_: date | None = Field(serialization_alias="from")
    to: date | None
    position: int
    families: int | None = Field(description="Withheld (null) for a researcher when 1 to 4.")
    paths: list[PathCountPublic] = Field(description="The ten most common, most common first.")
    days_between_stages: list[StageGapPublic]
    repeated_step_cycles: int | None = Field(
        description="Families that went round the step-up / step-down loop more than once "
        "(withheld, null, for a researcher when 1 to 4)."
    )
    suppressed: bool = Field(
        False,
        description="For a researcher: pathways taken by fewer than 5 families and stage "
        "pairs with fewer than 5 transitions are left out, and counts of 1 to 4 withheld.",
    )
