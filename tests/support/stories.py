"""Steps of a family's journey on a day counted from the start of the stories (START, 200
days before the journeys' clock's now): referred and planned, escalated and taken on."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.commands import NewAction, NewOutcome
from tests.support.journey import START, Journey


def on(day: float) -> datetime:
    """`day` days after the start of these stories (all before the clock's now)."""
    return START + timedelta(days=day)


def agree_plan(j: Journey, *, day: float) -> None:
    """A plan for school attendance and housing, with actions owned by school and housing."""
    target = (on(day) + timedelta(days=90)).date()
    j.agree_plan(
        occurred_at=on(day),
        outcomes=(NewOutcome("good_education", target), NewOutcome("housing", target)),
        actions=(NewAction(0, "school", target), NewAction(1, "housing", target)),
    )


def planned(j: Journey, *, day: float = 0, level: str = "partnership_plus") -> Journey:
    """Referred on `day`, agreed a day later, lead the day after, assessed from day +4 to
    +11, plan agreed on day +14."""
    j.request_support(occurred_at=on(day))
    j.decide_support(occurred_at=on(day + 1))
    j.assign_lead_practitioner(occurred_at=on(day + 2))
    j.start_assessment(occurred_at=on(day + 4))
    j.complete_assessment(occurred_at=on(day + 11), level_of_need=level)
    agree_plan(j, day=day + 14)
    return j


def stepped_up(j: Journey, *, day: float) -> Journey:
    """Escalated to children's social care on `day`, accepted the next day."""
    j.raise_escalation(occurred_at=on(day))
    j.respond_to_escalation(occurred_at=on(day + 1))
    return j
