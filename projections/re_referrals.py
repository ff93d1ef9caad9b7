"""Re-referral analysis from the episode-facts aggregates: rates by cohort and time to
re-referral, under two named definitions, with small counts suppressed.

Definitions (each answer names the one it used):

- `cin`, DfE children in need: a request for support within 12 months of the family's
  previous request. The index event is a request; it is re-referred if the family's next
  request comes within 12 calendar months of it.
- `closure`, closure-based: a request for support within 12 months of the closure of the
  family's previous episode. The index event is a closure.

Rates count only index events whose whole 12-month window has been observed (it ended by
the time of the answer): a window still open would count as "not re-referred" too early.
Cohorts are by area, closure reason (of the index episode; `open` if it has none yet), level
of need (the index episode's latest; `not_assessed` if none) and year of the index event.

Time to re-referral is a Kaplan-Meier estimate (lifelines' KaplanMeierFitter) of the share
not yet re-referred, days after the index event; an index event with no later request is
censored at the time of the answer. The 95% band is pointwise, by the exponential Greenwood
formula (confidence intervals on log(-log S(t)), lifelines' default).

Suppression: any count from 1 to 4 (`SUPPRESS_UNDER` = 5) is withheld (null, and
`suppressed` true), and so is a rate made from one; a curve is withheld whole when fewer
than 5 index events make it, and its points give no counts below 5 (at risk, events).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

SUPPRESS_UNDER = 5
DIMENSIONS = ("area", "closure_reason", "level_of_need", "year")
DEFINITIONS = {
    "cin": "DfE children in need: a request for support within 12 months of the family's "
    "previous request for support",
    "closure": "closure-based: a request for support within 12 months of the closure of the "
    "family's previous episode",
}
METHOD = (
    "Kaplan-Meier estimator (lifelines KaplanMeierFitter) of the share not re-referred by "
    "each day after the index event, open index events censored at the time of the answer; "
    "95% pointwise confidence band by the exponential Greenwood formula"
)


class Cell(Protocol):
    """One cohort cell's counts, as the database grouped them."""

    @property
    def area(self) -> str: ...
    @property
    def closure_reason(self) -> str | None: ...
    @property
    def level_of_need(self) -> str | None: ...
    @property
    def year(self) -> int: ...
    @property
    def episodes(self) -> int: ...
    @property
    def re_referred(self) -> int: ...


def shown(count: int, threshold: int = SUPPRESS_UNDER) -> int | None:
    """The count, or None when it is 1 to threshold - 1 (0 discloses no one)."""
    return None if 0 < count < threshold else count


@dataclass(frozen=True)
class Rate:
    """Index episodes with a wholly observed window, re-referred ones, and the rate."""

    value: str | int | None
    episodes: int | None
    re_referred: int | None
    rate: float | None
    suppressed: bool


def rate(value: str | int | None, episodes: int, hits: int, threshold: int) -> Rate:
    shown_episodes, shown_hits = shown(episodes, threshold), shown(hits, threshold)
    hidden = shown_episodes is None or shown_hits is None
    return Rate(
        value=value,
        episodes=shown_episodes,
        re_referred=shown_hits,
        rate=None if hidden or not episodes else round(hits / episodes, 4),
        suppressed=hidden,
    )


def _value(cell: Cell, dimension: str) -> str | int:
    value: str | int | None = getattr(cell, dimension)
    if value is None:
        return "open" if dimension == "closure_reason" else "not_assessed"
    return value


def rates_by_cohort(
    cells: Sequence[Cell], *, threshold: int = SUPPRESS_UNDER
) -> tuple[Rate, dict[str, list[Rate]]]:
    """The overall rate, and the rate per value of each dimension."""
    total = rate(None, sum(c.episodes for c in cells), sum(c.re_referred for c in cells), threshold)
    by: dict[str, list[Rate]] = {}
    for dimension in DIMENSIONS:
        sums: dict[str | int, list[int]] = {}
        for cell in cells:
            counts = sums.setdefault(_value(cell, dimension), [0, 0])
            counts[0] += cell.episodes
            counts[1] += cell.re_referred
        by[dimension] = [
            rate(value, episodes, hits, threshold)
            for value, (episodes, hits) in sorted(sums.items(), key=lambda kv: str(kv[0]))
        ]
    return total, by


@dataclass(frozen=True)
class CurvePoint:
    day: float
    not_re_referred: float
    lower: float
    upper: float
    at_risk: int | None
    re_referred: int | None


@dataclass(frozen=True)
class Curve:
    """Time to re-referral: the Kaplan-Meier curve, or why it is withheld."""

    index_events: int | None
    re_referred: int | None
    censored: int | None
    suppressed: bool
    points: tuple[CurvePoint, ...]
    median_days: float | None


Observation = tuple[datetime, datetime | None]


def durations(
    observations: Iterable[Observation], *, observed_until: datetime
) -> tuple[list[float], list[bool]]:
    """Days from each index event to the next request (an event), or to `observed_until`
    (censored) when none came by then."""
    days, events = [], []
    for start, following in observations:
        if start > observed_until:
            continue
        happened = following is not None and following <= observed_until
        end = following if happened and following is not None else observed_until
        days.append(max(0.0, (end - start) / timedelta(days=1)))
        events.append(happened)
    return days, events


def kaplan_meier(
    observations: Iterable[Observation],
    *,
    observed_until: datetime,
    threshold: int = SUPPRESS_UNDER,
) -> Curve:
    """The Kaplan-Meier curve of time to re-referral (see the module's notes)."""
    days, events = durations(observations, observed_until=observed_until)
    hits = sum(events)
    if len(days) < threshold:
        return Curve(shown(len(days), threshold), None, None, True, (), None)
    # Imported here: pandas and scipy come with lifelines, and only this answer needs them.
    from lifelines import KaplanMeierFitter

    fitter: Any = KaplanMeierFitter(alpha=0.05)
    fitter.fit(days, event_observed=events)
    survival = fitter.survival_function_.iloc[:, 0]
    band = fitter.confidence_interval_survival_function_
    table = fitter.event_table
    points = tuple(
        CurvePoint(
            day=round(float(day), 2),
            not_re_referred=round(float(survival.loc[day]), 4),
            lower=round(float(band.iloc[i, 0]), 4),
            upper=round(float(band.iloc[i, 1]), 4),
            at_risk=shown(int(table.loc[day, "at_risk"]), threshold),
            re_referred=shown(int(table.loc[day, "observed"]), threshold),
        )
        for i, day in enumerate(survival.index)
    )
    median = float(fitter.median_survival_time_)
    return Curve(
        index_events=len(days),
        re_referred=shown(hits, threshold),
        censored=shown(len(days) - hits, threshold),
        suppressed=False,
        points=points,
        median_days=None if median == float("inf") else round(median, 2),
    )


Definition = Literal["cin", "closure"]
