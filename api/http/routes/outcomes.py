"""Sustained outcomes under a versioned rule set (domain.outcome_rules; `?rules=`, default
`sf-2022`): every episode closed in the period judged sustained, not sustained (naming the
event that broke it), pending or not eligible (naming why), counts by status and the claim
list, as JSON or CSV (`?format=csv`, or `Accept: text/csv`). Ids, dates and codes only,
for QA officers and panels (researchers take the pseudonymised /research/extracts). The
verdicts are api.common.reads_outcomes's, which the sustained-outcomes page calls too."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from api.common.deps import JourneysDep, ReadAfterDep
from api.common.periods import PeriodAsked
from api.common.reads_outcomes import Reader, answer
from api.common.schemas.outcomes import SustainedPublic
from api.http.responses import READS, wants_csv
from domain.outcome_rules import DEFAULT
from infra.views.episode_facts import NAME

router = APIRouter(tags=["outcomes"])

Rules = Annotated[str, Query(max_length=64, description="A rule set's id, e.g. `sf-2022-12m`.")]
Format = Annotated[Literal["json", "csv"] | None, Query(description="`csv` for CSV.")]
ANSWERS: dict[int | str, dict[str, Any]] = {
    **{status: answer for status, answer in READS.items() if status != 404},
    200: {"content": {"text/csv": {}}, "description": "The verdicts (JSON, or CSV if asked)"},
}
CSV_COLUMNS = (
    "rules", "family_id", "episode_id", "area", "closed_at", "status", "window_ends_at",
    "failed", "broken_by", "broken_by_entry_id", "broken_at",
)  # fmt: skip


@router.get("/outcomes/sustained", response_model=SustainedPublic, responses=ANSWERS)
def sustained(
    journeys: JourneysDep,
    identity: Reader,
    asked: PeriodAsked,
    after: ReadAfterDep,
    *,
    rules: Rules = DEFAULT,
    format: Format = None,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    after.wait(journeys, NAME)
    found = answer(journeys, identity, asked, rules)
    if wants_csv(format, accept):
        return Response(to_csv(found), media_type="text/csv; charset=utf-8")
    return found


def to_csv(found: SustainedPublic) -> str:
    """One line an episode closed in the period, with its verdict under the rule set."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in found.episodes:
        broken = e.broken_by
        writer.writerow([found.rules.id, e.family_id, e.episode_id, e.area,
                         e.closed_at.isoformat(), e.status, e.window_ends_at.isoformat(),
                         e.failed or "", broken.kind if broken else "",
                         broken.entry_id if broken else "",
                         broken.at.isoformat() if broken else ""])  # fmt: skip
    return buffer.getvalue()
