"""Sustained outcomes (domain.outcome_rules) over the episode-facts table, in the database:
one SQL statement picks the episodes closed in the period (and area) and reads the columns
the rule needs (needs, needs achieved, lead, assessment, plan, each kind of break's first
event after closure); the rule set, being data, is applied to those rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.outcome_rules import Break, ClosedEpisode, RuleSet, Verdict, judge
from infra.views.episode_facts import NAME, TABLE, Period, _Query
from infra.views.store import ViewStore

# Each break's kind, its time column and its entry id column.
BREAK_COLUMNS = (
    ("re_referral", "next_requested_after_closure_at", "re_referral_entry_id"),
    ("escalation", "escalated_after_closure_at", "escalation_after_closure_entry_id"),
    ("regression", "regressed_after_closure_at", "regression_entry_id"),
)
COLUMNS = (
    "family_id, episode_id, area, closed_at, needs, needs_achieved, lead_assigned_at, "
    "assessed_at, plan_agreed_at, " + ", ".join(f"{at}, {entry}" for _, at, entry in BREAK_COLUMNS)
)


@dataclass(frozen=True)
class Judged:
    family_id: str
    episode_id: str
    area: str
    closed_at: datetime
    verdict: Verdict


def sustained_outcomes(
    store: ViewStore, rules: RuleSet, period: Period, *, now: datetime
) -> tuple[int, list[Judged]]:
    """The view's position and every episode closed in the period, judged at `now`,
    in the order they closed."""
    live = store.live(NAME)
    view_id, position = (live.view_id, live.position) if live else ("", 0)
    q = _Query(store, view_id, period)
    where = f"{q.rows()} AND {q.within('closed_at')}"
    sql = f"SELECT {COLUMNS} FROM {TABLE.name} WHERE {where} ORDER BY closed_at, episode_id"
    with store.transaction(write=False) as cur:
        cur.execute(sql, q.params)
        rows = cur.fetchall()
    time = store.dialect.time
    judged = []
    for row in rows:
        closed_at = time(row["closed_at"])
        assert closed_at is not None
        breaks = tuple(
            Break(kind, row[entry], at)
            for kind, column, entry in BREAK_COLUMNS
            if (at := time(row[column])) is not None
        )
        episode = ClosedEpisode(
            closed_at=closed_at,
            needs=int(row["needs"] or 0),
            needs_achieved=int(row["needs_achieved"] or 0),
            lead_assigned=row["lead_assigned_at"] is not None,
            assessed=row["assessed_at"] is not None,
            planned=row["plan_agreed_at"] is not None,
            breaks=breaks,
        )
        verdict = judge(rules, episode, now)
        judged.append(Judged(row["family_id"], row["episode_id"], row["area"], closed_at, verdict))
    return position, judged
