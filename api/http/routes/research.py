"""Re-referral, both definitions named in every answer (projections.re_referrals): rates
by cohort over wholly observed windows, and time to re-referral as a Kaplan-Meier curve
with a 95% band, as JSON and as a picture (SVG). Counts under 5 are suppressed. The
analysis is api.common.reads_research's, which the re-referrals page calls too."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from api.common.deps import JourneysDep, ReadAfterDep
from api.common.periods import PeriodAsked
from api.common.reads_research import Researcher, curves, re_referral_analysis
from api.common.schemas.reports import ReReferralsPublic
from api.http.responses import READS
from infra.views.episode_facts import NAME
from projections.journey_picture import re_referral_svg

router = APIRouter(tags=["research"])

COHORT_READS = {status: answer for status, answer in READS.items() if status != 404}
SVG: dict[int | str, dict[str, Any]] = {
    **COHORT_READS,
    200: {"content": {"image/svg+xml": {}}, "description": "Time to re-referral as a picture"},
}
LABELS = {"cin": "DfE children in need", "closure": "closure-based"}


@router.get("/research/re-referrals", responses=COHORT_READS)
def re_referrals(
    journeys: JourneysDep, identity: Researcher, asked: PeriodAsked, after: ReadAfterDep
) -> ReReferralsPublic:
    return re_referral_analysis(journeys, asked, after)


@router.get("/research/re-referrals.svg", response_class=Response, responses=SVG)
def re_referrals_picture(
    journeys: JourneysDep, identity: Researcher, asked: PeriodAsked, after: ReadAfterDep
) -> Response:
    after.wait(journeys, NAME)
    where = journeys.app.codes.label("area", asked.area) if asked.area else "all areas"
    title = f"Time to re-referral, {where}"
    found = curves(journeys, asked, journeys.app.clock())
    return Response(re_referral_svg(found, labels=LABELS, title=title), media_type="image/svg+xml")
