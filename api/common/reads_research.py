"""Re-referral under both definitions (projections.re_referrals), as GET
/research/re-referrals answers it and the re-referrals page shows it: rates by cohort over
wholly observed windows and time to re-referral as a Kaplan-Meier curve, with who may read
them. Counts under 5 are suppressed."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends

from api.common.deps import ReadAfter, require_roles
from api.common.periods import Asked
from api.common.permissions import ALLOWED, Action
from api.common.schemas.reports import ReReferralsPublic
from infra.bootstrap import Journeys
from infra.tokens import Identity
from infra.views.episode_facts import NAME, EpisodeFactsReader
from projections.re_referrals import (
    DEFINITIONS,
    METHOD,
    SUPPRESS_UNDER,
    Curve,
    Definition,
    kaplan_meier,
    rates_by_cohort,
)

Researcher = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.RESEARCH_RE_REFERRALS]))]
SUPPRESSION = (
    f"counts from 1 to {SUPPRESS_UNDER - 1} are withheld (null, suppressed: true), and rates "
    f"made from them; a curve of fewer than {SUPPRESS_UNDER} index events is withheld"
)


def curves(journeys: Journeys, asked: Asked, now: datetime) -> dict[str, Curve]:
    reader = EpisodeFactsReader(journeys.views)
    return {
        definition: kaplan_meier(reader.durations(definition, asked.period), observed_until=now)
        for definition in ("cin", "closure")
    }


def analysis(journeys: Journeys, asked: Asked) -> dict[str, Any]:
    now = journeys.app.clock()
    reader = EpisodeFactsReader(journeys.views)
    answers, position = [], 0
    found = curves(journeys, asked, now)
    for name in DEFINITIONS:
        definition: Definition = "cin" if name == "cin" else "closure"
        position, cells = reader.cohorts(definition, asked.period, observed_until=now)
        overall, by = rates_by_cohort(cells)
        answers.append(
            {
                "definition": definition,
                "description": DEFINITIONS[definition],
                "overall": asdict(overall),
                "by": {dimension: [asdict(r) for r in rates] for dimension, rates in by.items()},
                "time_to_re_referral": asdict(found[definition]),
            }
        )
    return {
        "area": asked.area,
        "from_": asked.start,
        "to": asked.end,
        "position": position,
        "observed_until": now,
        "method": METHOD,
        "suppression": SUPPRESSION,
        "definitions": answers,
    }


def re_referral_analysis(journeys: Journeys, asked: Asked, after: ReadAfter) -> ReReferralsPublic:
    """The analysis of the asked period and area, once the view has reached `after`."""
    after.wait(journeys, NAME)
    return ReReferralsPublic.model_validate(analysis(journeys, asked))
