"""What the sustained-outcome answer holds (domain.outcome_rules): the rule set named,
counts by status, and one line per closed episode with ids, dates and codes only."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.common.schemas.reports import PeriodPublic


class RulesPublic(BaseModel):
    id: str
    version: int
    title: str
    min_needs: int
    requires: list[str]
    every_need_achieved: bool
    hold_months: int
    broken_by: list[str]


class BreakPublic(BaseModel):
    """An event after closure, inside the window, that broke the outcome."""

    kind: str = Field(description="`re_referral`, `escalation` or `regression`.")
    entry_id: str
    at: datetime


class EpisodeVerdictPublic(BaseModel):
    family_id: str = Field(description="The family's id, or its pseudonym for a researcher.")
    episode_id: str
    area: str
    closed_at: datetime
    status: str = Field(description="`sustained`, `not_sustained`, `pending`, `not_eligible`.")
    window_ends_at: datetime
    failed: str | None = Field(description="The criterion that failed, when not eligible.")
    broken_by: BreakPublic | None = Field(description="The first event that broke it.")
    breaks: list[BreakPublic] = Field(description="Each kind's first break in the window.")


class SustainedPublic(PeriodPublic):
    """Episodes closed in the period, judged under one rule set as the events stand at
    `as_of`; `claims` lists the sustained ones, `episodes` every one."""

    rules: RulesPublic
    as_of: datetime
    counts: dict[str, int]
    claims: list[EpisodeVerdictPublic]
    episodes: list[EpisodeVerdictPublic]
