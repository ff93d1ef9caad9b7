"""Sustained outcomes under a versioned rule set (domain.outcome_rules), as GET
/outcomes/sustained answers them and the sustained-outcomes page shows them: who may read
them, and every episode closed in the period with its verdict, the counts by status and the
claim list. Ids, dates and codes only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Depends

from api.common.deps import require_roles
from api.common.periods import Asked
from api.common.permissions import ALLOWED, Action
from api.common.schemas.outcomes import SustainedPublic
from domain.outcome_rules import STATUSES, rule_set
from infra.bootstrap import Journeys
from infra.tokens import Identity
from infra.views.sustained import Judged, sustained_outcomes

Reader = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.READ_SUSTAINED]))]


def _line(journeys: Journeys, identity: Identity, judged: Judged) -> dict[str, Any]:
    verdict = judged.verdict
    return {
        "family_id": judged.family_id,
        "episode_id": judged.episode_id,
        "area": judged.area,
        "closed_at": judged.closed_at,
        "status": verdict.status,
        "window_ends_at": verdict.window_ends_at,
        "failed": verdict.failed,
        "broken_by": asdict(verdict.broken_by) if verdict.broken_by else None,
        "breaks": [asdict(b) for b in verdict.breaks],
    }


def answer(journeys: Journeys, identity: Identity, asked: Asked, rules_id: str) -> SustainedPublic:
    """The verdicts of the episodes closed in the asked period, at the clock's now."""
    rules = rule_set(rules_id)
    now = journeys.app.clock()
    position, judged = sustained_outcomes(journeys.views, rules, asked.period, now=now)
    lines = [_line(journeys, identity, j) for j in judged]
    counts = {status: sum(line["status"] == status for line in lines) for status in STATUSES}
    return SustainedPublic.model_validate(
        {
            "area": asked.area,
            "from_": asked.start,
            "to": asked.end,
            "position": position,
            "rules": asdict(rules),
            "as_of": now,
            "counts": counts,
            "claims": [line for line in lines if line["status"] == "sustained"],
            "episodes": lines,
        }
    )
