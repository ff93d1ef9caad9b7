"""Re-referral, both definitions named in every answer (projections.re_referrals): rates
by cohort over wholly observed windows, and time to re-referral as a Kaplan-Meier curve
with a 95% band, as JSON and as a picture (SVG). Counts under 5 are suppressed."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.common.deps import JourneysDep, ReadAfterDep, require_roles
from api.common.periods import Asked, PeriodAsked
from api.common.permissions import ALLOWED, Action
from api.common.schemas.reports import ReReferralsPublic
from api.http.responses import READS
from infra.bootstrap import Journeys
from infra.tokens import Identity
from infra.views.episode_facts import NAME, EpisodeFactsReader
from projections.journey_picture import re_referral_svg
from projections.re_referrals import (
    DEFINITIONS,
    METHOD,
    SUPPRESS_UNDER,
    Curve,
    Definition,
    kaplan_meier,
    rates_by_cohort,
)

router = APIRouter(tags=["research"])

Researcher = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.RESEARCH_RE_REFERRALS]))]
COHORT_READS = {status: answer for status, answer in READS.items() if status != 404}
SVG: dict[int | str, dict[str, Any]] = {
    **COHORT_READS,
    200: {"content": {"image/svg+xml": {}}, "description": "Time to re-referral as a picture"},
}
SUPPRESSION = (
    f"counts from 1 to {SUPPRESS_UNDER - 1} are withheld (null, suppressed: true), and rates "
    f"made from them; a curve of fewer than {SUPPRESS_UNDER} index events is withheld"
)
LABELS = {"cin": "DfE children in need", "closure": "closure-based"}


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


@router.get("/research/re-referrals", responses=COHORT_READS)
def re_referrals(
    journeys: JourneysDep, identity: Researcher, asked: PeriodAsked, after: ReadAfterDep
) -> ReReferralsPublic:
    after.wait(journeys, NAME)
    return ReReferralsPublic.model_validate(analysis(journeys, asked))


@router.get("/research/re-referrals.svg", response_class=Response, responses=SVG)
def re_referrals_picture(
    journeys: JourneysDep, identity: Researcher, asked: PeriodAsked, after: ReadAfterDep
) -> Response:
    after.wait(journeys, NAME)
    where = journeys.app.codes.label("area", asked.area) if asked.area else "all areas"
    title = f"Time to re-referral, {where}"
    found = curves(journeys, asked, journeys.app.clock())
    return Response(re_referral_svg(found, labels=LABELS, title=title), media_type="image/svg+xml")
