"""The answers of the case-audit list: audits with their actions' counts (ids, codes and
dates only, no personal data)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class CaseAuditPublic(BaseModel):
    audit_id: str
    family_id: str
    area: str
    episode_id: str
    audited_at: datetime = Field(description="When the audit was made (as corrected).")
    actions: int = Field(description="Actions the audit set.")
    open_actions: int = Field(description="Of those, not completed.")
    overdue_actions: int = Field(description="Of the open ones, due before today.")
    next_due: date | None = Field(description="The earliest due date of an open action.")


class CaseAuditsPublic(BaseModel):
    """Case audits, most overdue first, then by the earliest open due date."""

    open: bool = Field(description="Only audits with open actions were listed.")
    area: str | None
    today: date = Field(description="The day overdue is counted from.")
    position: int = Field(description="The store position the list reflects.")
    items: list[CaseAuditPublic]
