"""What the QA routes answer: practice-standard findings (projections.findings), ids, codes
and days only."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class RulePublic(BaseModel):
    id: str
    version: int
    severity: str
    expected: str
    parameters: dict[str, int]


class FindingPublic(BaseModel):
    rule_set: str
    rule_id: str
    rule_version: int
    severity: str
    family_id: str
    area: str
    episode_id: str | None
    entry_id: str | None = Field(
        description="The entry the standard's clock started from, or the entry that broke it."
    )
    started_on: date = Field(description="The day the standard's clock started (England).")
    due_on: date = Field(description="The day the standard fell due (an overdue review's day).")
    met_on: date | None = Field(description="The day it was met late; null if never.")
    expected: str
    open: bool
    age_days: int = Field(description="Days from `due_on` to today.")


class FindingsPublic(BaseModel):
    """Findings as the record stands today (corrections applied, retractions left out)."""

    rule_set: str
    rules: list[RulePublic]
    today: date
    position: int = Field(description="The position of the timeline view read.")
    findings: list[FindingPublic]
