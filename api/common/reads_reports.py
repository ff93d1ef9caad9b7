"""The early help dataset report for a period and area, as GET /reports/dataset answers it
and the dataset page shows it: counts summed in the database over the episode-facts view,
who may read them, and the order of the measures. No family is named.

`outcomes_sustained` counts the episodes closed in the period that the sustained-outcome
rule set `rules` (default `sf-2022`) judges sustained, by the same code as GET
/outcomes/sustained. Asked `as_recorded_at`, the report is the record as it stood then: the
episode facts rebuilt from the events stored by that time (infra.views.as_recorded) and
summed by the same SQL, sustained outcomes judged at it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from api.common.deps import ReadAfter, require_roles
from api.common.periods import Asked
from api.common.permissions import ALLOWED, Action
from api.common.schemas.reports import DatasetPublic, PeriodPublic
from domain.outcome_rules import DEFAULT, rule_set
from infra.bootstrap import Journeys
from infra.tokens import Identity
from infra.views.as_recorded import view_as_recorded
from infra.views.episode_facts import NAME, EpisodeFactsReader, Period
from infra.views.store import ViewStore
from infra.views.sustained import sustained_outcomes
from projections.episode_facts import EpisodeFactsProjection

DatasetReader = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.READ_DATASET]))]

# The order of the report's measures, as the CSV lists them.
NOT_MEASURES = {*PeriodPublic.model_fields, "rules", "as_recorded_at"}
MEASURES = [name for name in DatasetPublic.model_fields if name not in NOT_MEASURES]


def dataset(
    journeys: Journeys,
    asked: Asked,
    after: ReadAfter,
    rules: str = DEFAULT,
    moment: datetime | None = None,
) -> DatasetPublic:
    """The report of the asked period and area, once the view has reached `after`; as the
    record stood at `moment` when one is given."""
    rule_set(rules)  # 422 naming `rules` before any work
    after.wait(journeys, NAME)
    if moment is None:
        position, counts = measures(journeys.views, asked.period, rules, journeys.app.clock())
    else:
        with view_as_recorded(journeys.app, EpisodeFactsProjection(), moment) as then:
            position, counts = measures(then, asked.period, rules, moment)
    asked_for = {"area": asked.area, "from_": asked.start, "to": asked.end, "rules": rules}
    return DatasetPublic.model_validate(
        {**counts, **asked_for, "position": position, "as_recorded_at": moment}
    )


def measures(
    store: ViewStore, period: Period, rules_id: str, now: datetime
) -> tuple[int, dict[str, int]]:
    """The store's position and the report's counts, sustained outcomes judged at `now`."""
    position, counts = EpisodeFactsReader(store).dataset(period)
    _, judged = sustained_outcomes(store, rule_set(rules_id), period, now=now)
    counts["outcomes_sustained"] = sum(j.verdict.status == "sustained" for j in judged)
    return position, counts
