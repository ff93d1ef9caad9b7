"""What the dataset report and the re-referral analysis answer: counts, rates and curves
over a period and area, never a family (projections.episode_facts, projections.re_referrals).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from projections.re_referrals import Curve, Rate


class PeriodPublic(BaseModel):
    """A period (`from` to `to`, inclusive days, UTC; open-ended when null), an area (all
    when null) and the position of the episode-facts view the figures were read at."""

    area: str | None
    from_: date | None = Field(serialization_alias="from")
    to: date | None
    position: int


class DatasetPublic(PeriodPublic):
    """The early help dataset for a period and area, summed over the episode-facts view as
    the events stand now, or as they stood at `as_recorded_at`."""

    requests_for_support: int = Field(description="Episodes opened by a request for support.")
    assessments_completed: int
    families_with_plan: int = Field(
        description="Families with a plan in force at some time in the period (agreed before "
        "it ended, in an episode not closed before it began)."
    )
    children_with_plan: int = Field(description="The children of those households (now).")
    episodes_with_plan: int
    plans_closed: int = Field(description="Episodes with a plan that closed in the period.")
    closed_with_outcomes_met: int = Field(description="Closed as `outcomes_met`.")
    escalated_to_statutory_services: int = Field(
        description="Episodes whose first escalation to children's social care was raised."
    )
    stepped_down: int = Field(description="Episodes opened by a step-down from statutory care.")
    re_referrals_cin: int = Field(
        description="Requests for support within 12 months of the family's previous request "
        "(DfE children-in-need definition)."
    )
    re_referrals_closure: int = Field(
        description="Requests for support within 12 months of the closure of the family's "
        "previous episode (closure-based definition)."
    )
    outcomes_sustained: int = Field(
        description="Episodes closed in the period judged sustained under `rules` "
        "(GET /outcomes/sustained's verdicts, at the report's time)."
    )
    rules: str = Field(description="The sustained-outcome rule set judged by, e.g. `sf-2022`.")
    as_recorded_at: datetime | None = Field(
        None,
        description="The record as it stood at this instant (corrections and retractions "
        "recorded later left out); null: as it stands now.",
    )


class DefinitionPublic(BaseModel):
    """One definition's answers, named."""

    definition: str = Field(description="`cin` or `closure`.")
    description: str
    overall: Rate = Field(description="A count from 1 to 4 is withheld (null, suppressed).")
    by: dict[str, list[Rate]] = Field(
        description="Rates by area, closure_reason, level_of_need and year of the index event."
    )
    time_to_re_referral: Curve


class ReReferralsPublic(PeriodPublic):
    """Re-referral under both definitions, for index events between `from` and `to`."""

    observed_until: datetime = Field(description="Windows ending after this are not counted.")
    method: str
    suppression: str
    definitions: list[DefinitionPublic]


class ExtractPublic(PeriodPublic):
    """A research extract: every episode open at some time between `from` and `to`, one row
    each, pseudonymised (projections.extract)."""

    shape: str = Field(description="`episodes` or `ssd_early_help_episodes`.")
    description: str
    columns: list[str]
    rows: list[dict[str, str | int | bool | None]]
