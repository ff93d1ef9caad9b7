"""What the QA routes answer: practice-standard findings (projections.findings), ids, codes
and days only."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class RulePublic(BaseModel):
    id: str
    version: int
    severity: str
    expected: str
    parameters: dict[str, int]


class OpenActionPublic(BaseModel):
    action_id: str
    owner: str
    due_on: date = Field(description="The day the action falls due.")
    overdue: bool = Field(description="Still open after its due day.")


class LatestAuditPublic(BaseModel):
    """The episode's latest case audit: its grades (Ofsted four-point scale) and the
    actions it set that are still open."""

    audit_id: str
    audited_at: datetime
    grade: str | None = Field(description="The worst of its grades.")
    grades: dict[str, str] = Field(description="Practice standard -> grade.")
    open_actions: list[OpenActionPublic]


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
    audit: LatestAuditPublic | None = Field(
        None, description="In the audit queue: the episode's latest case audit, if any."
    )


class FindingsPublic(BaseModel):
    """Findings as the record stands today (corrections applied, retractions left out)."""

    rule_set: str
    rules: list[RulePublic]
    today: date
    position: int = Field(description="The position of the timeline view read.")
    findings: list[FindingPublic]
