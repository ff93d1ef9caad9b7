"""Sustained-outcome rule sets as versioned data: one JSON file a rule set in this package
(`sf-2022.json`, `sf-2022-12m.json`, ...), so a new programme's rules are a new file, not code.

A rule set: `id`, `version`, `title`, `min_needs` (distinct headline outcomes in the plan),
`requires` (any of `lead_practitioner`, `whole_family_assessment`, `whole_family_plan`),
`every_need_achieved` (every need's plan outcomes stated `achieved` at closure),
`hold_months` (how long after closure nothing may break it) and `broken_by` (any of
`re_referral`: a request for support; `escalation`: an escalation raised; `regression`:
outcome evidence for one of the needs that shows it again, by `regression.json`'s
thresholds). The window is half-open: an event at the window's end no longer breaks it.

`judge` is the whole rule: eligible or not (naming the criterion that failed), then pending
until the window has elapsed at `now`, then sustained or not (naming the first event that
broke it: its kind, entry id and date).
"""

from __future__ import annotations

import json
from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

from domain.errors import InvalidValueError

Status = Literal["sustained", "not_sustained", "pending", "not_eligible"]
STATUSES: tuple[Status, ...] = ("sustained", "not_sustained", "pending", "not_eligible")
BREAKS = ("re_referral", "escalation", "regression")
REQUIREMENTS = ("lead_practitioner", "whole_family_assessment", "whole_family_plan")
DEFAULT = "sf-2022"


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: int
    title: str
    min_needs: int
    requires: tuple[str, ...]
    every_need_achieved: bool
    hold_months: int
    broken_by: tuple[str, ...]


@dataclass(frozen=True)
class Break:
    """An event after closure that would break a sustained outcome."""

    kind: str  # one of BREAKS
    entry_id: str
    at: datetime


@dataclass(frozen=True)
class ClosedEpisode:
    """What the rule needs of one closed episode (a row of the episode-facts view)."""

    closed_at: datetime
    needs: int
    needs_achieved: int
    lead_assigned: bool
    assessed: bool
    planned: bool
    breaks: tuple[Break, ...]


@dataclass(frozen=True)
class Verdict:
    status: Status
    window_ends_at: datetime
    failed: str | None = None  # the criterion, when not eligible
    broken_by: Break | None = None  # the first break inside the window
    breaks: tuple[Break, ...] = ()  # every kind's first break inside the window


def _files() -> Any:
    return resources.files("domain").joinpath("outcome_rules")


def load_rule_set(text: str) -> RuleSet:
    """One rule set from its JSON text; a term this module does not know is refused."""
    data = json.loads(text)
    rules = RuleSet(
        id=data["id"],
        version=int(data["version"]),
        title=data["title"],
        min_needs=int(data["min_needs"]),
        requires=tuple(data["requires"]),
        every_need_achieved=bool(data["every_need_achieved"]),
        hold_months=int(data["hold_months"]),
        broken_by=tuple(data["broken_by"]),
    )
    unknown = set(rules.requires) - set(REQUIREMENTS) | set(rules.broken_by) - set(BREAKS)
    if unknown:
        raise ValueError(f"rule set {rules.id}: unknown terms {sorted(unknown)}")
    return rules


def load_rule_sets(folder: Any) -> dict[str, RuleSet]:
    """Every rule set in a folder (a path or a package resource), by id: each `*.json`
    but `regression.json`."""
    found: dict[str, RuleSet] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json") and entry.name != "regression.json":
            rules = load_rule_set(entry.read_text("utf-8"))
            found[rules.id] = rules
    return found


@cache
def rule_sets() -> dict[str, RuleSet]:
    """Every rule set in this package, by id."""
    return load_rule_sets(_files())


def rule_set(rules_id: str) -> RuleSet:
    """The rule set of that id; 422 naming `rules` if there is none."""
    known = rule_sets()
    if rules_id not in known:
        raise InvalidValueError("rules", f"no rule set {rules_id!r}; known: {sorted(known)}")
    return known[rules_id]


@cache
def regression_thresholds() -> dict[str, tuple[str, Decimal]]:
    """Measure code -> (`below` or `above`, threshold): evidence that shows a need again."""
    data = json.loads(_files().joinpath("regression.json").read_text("utf-8"))
    return {
        measure: next((side, Decimal(str(value))) for side, value in limit.items())
        for measure, limit in data["measures"].items()
    }


def shows_need(measure: str, value: Decimal) -> bool:
    limit = regression_thresholds().get(measure)
    if limit is None:
        return False
    side, threshold = limit
    return value < threshold if side == "below" else value > threshold


def months_later(when: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day if it has no such day."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, monthrange(year, month)[1]))


def _failed(rules: RuleSet, episode: ClosedEpisode) -> str | None:
    if episode.needs < rules.min_needs:
        return f"fewer than {rules.min_needs} needs ({episode.needs})"
    present = {
        "lead_practitioner": episode.lead_assigned,
        "whole_family_assessment": episode.assessed,
        "whole_family_plan": episode.planned,
    }
    missing = next((name for name in rules.requires if not present[name]), None)
    if missing is not None:
        return f"no {missing.replace('_', ' ')}"
    if rules.every_need_achieved and episode.needs_achieved < episode.needs:
        return "not every need achieved at closure"
    return None


def judge(rules: RuleSet, episode: ClosedEpisode, now: datetime) -> Verdict:
    """The episode's verdict under the rule set, as known at `now`."""
    ends = months_later(episode.closed_at, rules.hold_months)
    failed = _failed(rules, episode)
    if failed is not None:
        return Verdict("not_eligible", ends, failed=failed)
    inside = tuple(
        sorted(
            (b for b in episode.breaks if b.kind in rules.broken_by and b.at < ends),
            key=lambda b: b.at,
        )
    )
    if inside:
        return Verdict("not_sustained", ends, broken_by=inside[0], breaks=inside)
    if now < ends:
        return Verdict("pending", ends)
    return Verdict("sustained", ends)
