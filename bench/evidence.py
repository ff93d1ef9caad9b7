"""The evidence answers on the bench store, each against a plain SQL aggregate over the
same rows in the same run (issue "Evidence the journey": each <= 1 s warm, and >= 0.5x the
plain aggregate, that is at most twice its time).

After the views part has rebuilt every view, the episode-facts table holds one row per
episode of the store. The plain aggregate is one statement that reads every live row of
that table once (a count and a sum of each time column: what any answer over those rows
must at least do), timed the same way; for the QA queue, one pass over the findings view's
documents (count and size), which it reads. Each answer is timed warm: one call first, then the
best of `ROUNDS`. An answer is a callable of the running `Journeys`, so later answers (the
QA queue, sustained outcomes) add a line to `ANSWERS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from api.common.qa import VIEW as FINDINGS
from api.common.qa import Filters, audit_queue
from infra.bootstrap import Journeys
from infra.views.episode_facts import NAME, TABLE, EpisodeFactsReader, Period
from projections.episode_facts import TIMES
from projections.re_referrals import kaplan_meier, rates_by_cohort

ROUNDS = 5
GOAL_WARM_S = 1.0
GOAL_RATIO = 0.5
EVERYTHING = Period(area=None, start=None, end=None)


def _dataset(journeys: Journeys) -> object:
    return EpisodeFactsReader(journeys.views).dataset(EVERYTHING)


def _re_referrals(journeys: Journeys) -> object:
    """What GET /research/re-referrals computes: cohorts and a curve per definition."""
    reader = EpisodeFactsReader(journeys.views)
    now = datetime.now(UTC)
    answers = []
    for definition in ("cin", "closure"):
        _, cells = reader.cohorts(definition, EVERYTHING, observed_until=now)
        durations = reader.durations(definition, EVERYTHING)
        answers.append((rates_by_cohort(cells), kaplan_meier(durations, observed_until=now)))
    return answers


def _extract(journeys: Journeys) -> object:
    return EpisodeFactsReader(journeys.views).episodes(EVERYTHING)


def _queue(journeys: Journeys) -> object:
    return audit_queue(journeys, Filters())


def plain_documents(journeys: Journeys, view: str = FINDINGS) -> int:
    """One pass over a view's live documents in the database: how many, and their size."""
    live = journeys.views.live(view)
    if live is None:
        return 0
    mark = journeys.views.dialect.mark
    sql = (
        "SELECT COUNT(*) AS n, SUM(LENGTH(doc)) AS size FROM journeys_view_docs "
        f"WHERE view_id = {mark}"
    )
    with journeys.views.transaction(write=False) as cur:
        cur.execute(sql, (live.view_id,))
        return int(cur.fetchall()[0]["n"])


@dataclass(frozen=True)
class EvidenceTiming:
    answer: str
    seconds: float
    plain_seconds: float
    ratio: float
    """The plain aggregate's time over the answer's (1.0: as fast; 0.5: twice as long)."""
    met: bool


@dataclass
class Evidence:
    episodes: int
    timings: list[EvidenceTiming]


def _warm(run: Callable[[], object]) -> float:
    run()
    fastest = float("inf")
    for _ in range(ROUNDS):
        began = time.perf_counter()
        run()
        fastest = min(fastest, time.perf_counter() - began)
    return fastest


def plain_aggregate(journeys: Journeys) -> int:
    """One pass over the live rows: how many, and a count of each time column."""
    live = journeys.views.live(NAME)
    if live is None:
        return 0
    mark = journeys.views.dialect.mark
    counts = ", ".join(f"COUNT({column})" for column in TIMES)
    sql = f"SELECT COUNT(*) AS n, {counts} FROM {TABLE.name} WHERE view_id = {mark}"
    with journeys.views.transaction(write=False) as cur:
        cur.execute(sql, (live.view_id,))
        return int(cur.fetchall()[0]["n"])


Answer = Callable[[Journeys], object]
# Each answer, and the plain aggregate over the rows it reads.
ANSWERS: dict[str, tuple[Answer, Answer]] = {
    "dataset report": (_dataset, plain_aggregate),
    "re-referral analysis (both definitions, curves)": (_re_referrals, plain_aggregate),
    "research extract (every episode)": (_extract, plain_aggregate),
    "QA audit queue (findings of every family)": (_queue, plain_documents),
}


def measure(journeys: Journeys) -> Evidence:
    """Each answer warm, and the plain aggregate, on the views as they are now."""
    episodes = plain_aggregate(journeys)
    timings = []
    for label, (answer, baseline) in ANSWERS.items():
        plain = _warm(lambda baseline=baseline: baseline(journeys))  # type: ignore[misc]
        seconds = _warm(lambda answer=answer: answer(journeys))  # type: ignore[misc]
        ratio = plain / seconds if seconds > 0 else 0.0
        met = seconds <= GOAL_WARM_S and ratio >= GOAL_RATIO
        timings.append(EvidenceTiming(label, seconds, plain, ratio, met))
    return Evidence(episodes, timings)


def evidence_lines(store: str, found: Evidence | None) -> list[str]:
    """The evidence rows of one backend, for the views table."""
    if found is None:
        return []
    lines = [
        f"  evidence on {store} ({found.episodes:,} episodes; warm, best of {ROUNDS}; goal "
        f"<= {GOAL_WARM_S:g} s and >= {GOAL_RATIO:g}x the plain aggregate):"
    ]
    for t in found.timings:
        verdict = "met" if t.met else "NOT met"
        lines.append(
            f"    {t.answer:<48} {t.seconds * 1000:>9,.1f} ms  plain "
            f"{t.plain_seconds * 1000:>8,.1f} ms  {t.ratio:>5.2f}x  {verdict}"
        )
    return lines
