"""Pathways of a cohort of families: the ways they went through early help, how long each
step took, and how many went round the step-up / step-down loop more than once.

A cohort is the families (optionally of one area) whose first request for support, or their
registration if they never had one, happened between two dates. Everything is counted from
the `journey` documents when asked (see projections.journey for the stages): a family's
pathway is its path with repeated visits in a row (review after review) made one, and the
cohort's transitions are a networkx graph of stages whose edges hold the days each
transition took. Counts and durations only: no family is named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import pairwise
from statistics import median

import networkx as nx

from projections.base import Doc
from projections.journey import STAGES, Step, days_between, path_of, step_cycles
from projections.re_referrals import SUPPRESS_UNDER, shown

TOP_PATHS = 10


@dataclass(frozen=True)
class PathCount:
    """A pathway (stages in order, repeats in a row made one) and how many families took it."""

    stages: tuple[str, ...]
    families: int


@dataclass(frozen=True)
class StageGap:
    """The median days from reaching one stage to reaching the next, over every time a
    family of the cohort went from the one to the other."""

    from_stage: str
    to_stage: str
    median_days: float
    transitions: int


@dataclass(frozen=True)
class Pathways:
    """The answers about one cohort. `repeated_step_cycles`: families that went round the
    step-up / step-down loop more than once (projections.journey.JourneyAnswers)."""

    families: int | None
    paths: tuple[PathCount, ...]
    days_between_stages: tuple[StageGap, ...]
    repeated_step_cycles: int | None
    suppressed: bool = False


def cohort_date(doc: Doc) -> date:
    """When a family joined a cohort: its first request for support, else its registration."""
    steps = path_of(doc)
    first = next((s for s in steps if s.stage == "referred"), None)
    if first is None:
        first = next(s for s in steps if s.stage == "registered")
    return first.at.date()


def in_cohort(doc: Doc, *, start: date | None, end: date | None) -> bool:
    joined = cohort_date(doc)
    return (start is None or start <= joined) and (end is None or joined <= end)


def collapsed(steps: Sequence[Step]) -> list[Step]:
    """The first visit of each run of visits to the same stage."""
    return [step for i, step in enumerate(steps) if i == 0 or steps[i - 1].stage != step.stage]


def transition_graph(pathways: Iterable[Sequence[Step]]) -> nx.DiGraph[str]:
    """Stages as nodes; an edge for each pair of stages that followed one another, holding
    the days every such transition took (`days`)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    for steps in pathways:
        for left, right in pairwise(steps):
            if not graph.has_edge(left.stage, right.stage):
                graph.add_edge(left.stage, right.stage, days=[])
            graph.edges[left.stage, right.stage]["days"].append(days_between(left.at, right.at))
    return graph


def pathways(
    docs: Iterable[Doc], *, start: date | None = None, end: date | None = None, top: int = TOP_PATHS
) -> Pathways:
    """The pathways of the families of `docs` who joined between `start` and `end`
    (inclusive; either may be open)."""
    cohort = [path_of(doc) for doc in docs if in_cohort(doc, start=start, end=end)]
    runs = [collapsed(steps) for steps in cohort]
    counted = Counter(tuple(step.stage for step in steps) for steps in runs)
    common = sorted(counted.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[:top]
    graph = transition_graph(runs)
    rank = {stage: index for index, stage in enumerate(STAGES)}
    gaps = [
        StageGap(
            from_stage=left,
            to_stage=right,
            median_days=round(median(data["days"]), 2),
            transitions=len(data["days"]),
        )
        for left, right, data in graph.edges(data=True)
    ]
    gaps.sort(key=lambda gap: (rank[gap.from_stage], rank[gap.to_stage]))
    return Pathways(
        families=len(cohort),
        paths=tuple(PathCount(stages, families) for stages, families in common),
        days_between_stages=tuple(gaps),
        repeated_step_cycles=sum(step_cycles(steps) > 1 for steps in cohort),
    )


def suppressed(found: Pathways, threshold: int = SUPPRESS_UNDER) -> Pathways:
    """What a researcher sees of the pathways: a pathway taken by fewer than `threshold`
    families, and a pair of stages with fewer transitions, left out; the cohort's size and
    its repeated loops withheld (None) when they are 1 to threshold - 1."""
    paths = tuple(p for p in found.paths if p.families >= threshold)
    gaps = tuple(g for g in found.days_between_stages if g.transitions >= threshold)
    families = shown(found.families or 0, threshold)
    cycles = shown(found.repeated_step_cycles or 0, threshold)
    hidden = (
        len(paths) < len(found.paths)
        or len(gaps) < len(found.days_between_stages)
        or families is None
        or cycles is None
    )
    return replace(
        found,
        families=families,
        paths=paths,
        days_between_stages=gaps,
        repeated_step_cycles=cycles,
        suppressed=hidden,
    )
