"""Sustained outcomes under a versioned rule set (domain.outcome_rules; `?rules=`, default
`sf-2022`): every episode closed in the period judged sustained, not sustained (naming the
event that broke it), pending or not eligible (naming why), counts by status and the claim
list, as JSON or CSV (`?format=csv`, or `Accept: text/csv`). Ids, dates and codes only,
for QA officers and panels (researchers take the pseudonymised /research/extracts)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response

from api.common.deps import JourneysDep, ReadAfterDep, require_roles
from api.common.periods import Asked, PeriodAsked
from api.common.permissions import ALLOWED, Action
from api.common.schemas.outcomes import SustainedPublic
from api.http.responses import READS, wants_csv
from domain.outcome_rules import DEFAULT, STATUSES, rule_set
from infra.bootstrap import Journeys
from infra.tokens import Identity
from infra.views.episode_facts import NAME
from infra.views.sustained import Judged, sustained_outcomes

router = APIRouter(tags=["outcomes"])

Reader = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.READ_SUSTAINED]))]
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
