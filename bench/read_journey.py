"""The "Read the journey" benchmark on each backend, and its table: see bench.views for what
is measured and how, bench.store_cache for the store it is measured on."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bench.evidence import evidence_lines, measure
from bench.store_cache import StoreInfo
from bench.store_load import LoadedStore
from bench.views import (
    GOAL_AS_RECORDED_P99_MS,
    GOAL_LAG_P99_MS,
    GOAL_REBUILD_PER_S,
    GOAL_REBUILD_RATIO,
    GOAL_TIMELINE_P99_MS,
    TIMELINE,
    Latency,
    Pass,
    Timing,
    ViewsResult,
    best,
    empty_views,
    families,
    instants,
    library_mapper,
    opened,
    profile_rebuild,
    read_log,
    read_your_writes,
    rebuild,
    store_end,
    timed,
    timeline_latency,
)
from bench.views_http import RouteMissingError, http_timeline
from infra.bootstrap import Journeys

Say = Callable[[str], None]
EPISODE_FACTS = "episode_facts"


@dataclass
class ReadJourney:
    """The whole part: the store it ran on, and each backend's figures."""

    store: str
    store_info: StoreInfo
    store_reused: bool
    backends: list[ViewsResult] = field(default_factory=list)
    goals: dict[str, float] = field(
        default_factory=lambda: {
            "rebuild_events_per_s": GOAL_REBUILD_PER_S,
            "rebuild_ratio_to_read_decode": GOAL_REBUILD_RATIO,
            "timeline_p99_ms": GOAL_TIMELINE_P99_MS,
            "as_recorded_at_p99_ms": GOAL_AS_RECORDED_P99_MS,
            "read_your_writes_p99_ms_postgres": GOAL_LAG_P99_MS,
        }
    )


def run_backend(
    name: str,
    description: str,
    copy: AbstractContextManager[LoadedStore],
    *,
    queries: int,
    commands: int,
    seed: int,
    postmaster: int | None,
    say: Say,
) -> ViewsResult:
    """Every measurement of bench.views on one backend's copy of the store."""
    say(f"... views on {name}: copying the store")
    result = ViewsResult(name, description, events=0, families=0, load_seconds=0.0, page=0,
                         views=[])  # fmt: skip
    try:
        with copy as loaded, opened(loaded) as journeys:
            result.events = journeys.app.position()
            result.load_seconds = loaded.seconds
            result.page = journeys.runner.rebuild_batch_size
            result.views = list(journeys.runner.projections)
            result.rebuild_window = journeys.runner.rebuild_window
            say(f"... views on {name}: bare read of {result.events:,} events, then rebuilds")
            passes(journeys, result, postmaster=postmaster)
            if EPISODE_FACTS in result.views:
                say(f"... views on {name}: the evidence answers against a plain aggregate")
                result.evidence = measure(journeys)
            if TIMELINE in result.views:
                queries_and_lag(
                    journeys, loaded, result, queries=queries, commands=commands, seed=seed,
                    say=say,
                )  # fmt: skip
            else:
                result.notes.append(f"no {TIMELINE!r} view in the catalogue: no queries, no lag")
    except Exception as error:  # keep what was measured, and the other backends' figures
        result.error = f"{type(error).__name__}: {error}"
        say(f"... views on {name} stopped: {result.error}")
    result.judge()
    return result


def passes(journeys: Journeys, result: ViewsResult, *, postmaster: int | None) -> None:
    """The bare reads, each view rebuilt alone, then all views rebuilt in one pass."""
    reads: list[Timing] = []
    decodes: list[Timing] = []
    fast_decodes: list[Timing] = []
    library = library_mapper(journeys)
    result.transcoder = type(journeys.app.mapper.transcoder).__name__

    def read_both() -> None:
        for timings, decode, mapper in (
            (reads, False, None),
            (decodes, True, library),
            (fast_decodes, True, None),
        ):
            run = partial(read_log, journeys, page_size=result.page, decode=decode, mapper=mapper)
            timings.append(timed(run, postmaster=postmaster))

    read_both()
    for view in result.views:
        empty_views(journeys)
        result.rebuild[view] = best(
            [timed(partial(rebuild, journeys, [view]), postmaster=postmaster)]
        )
    empty_views(journeys)
    result.rebuild_all = best([timed(partial(rebuild, journeys, None), postmaster=postmaster)])
    read_both()  # a second pass of each, after the rebuilds: the best of the two counts
    result.bare_read = best(reads)
    result.bare_read_decode = best(decodes)
    result.bare_read_decode_fast = best(fast_decodes)


def queries_and_lag(
    journeys: Journeys,
    loaded: LoadedStore,
    result: ViewsResult,
    *,
    queries: int,
    commands: int,
    seed: int,
    say: Say,
) -> None:
    """Timeline queries in-process and over HTTP, then read-your-writes, on the built views."""
    rng = random.Random(seed)
    everyone = families(journeys)
    result.families = len(everyone)
    chosen = rng.sample(everyone, min(queries, len(everyone)))
    at = instants(chosen, end=store_end(journeys), rng=rng)
    say(f"... views on {result.store}: {len(chosen):,} timeline queries, now and as recorded at")
    timeline_latency(journeys, chosen[:50], None)  # warm up
    result.timeline = timeline_latency(journeys, chosen, None)
    result.as_recorded_at = timeline_latency(journeys, chosen, at)
    say(f"... views on {result.store}: the same through GET /families/{{id}}/timeline")
    with tempfile.TemporaryDirectory(prefix="journeys-views-http-") as folder:
        try:
            result.http_timeline, result.http_as_recorded_at = http_timeline(
                loaded.settings, chosen, at, log=Path(folder) / "uvicorn.log"
            )
        except RouteMissingError as missing:
            result.notes.append(f"HTTP not measured: {missing}")
    say(f"... views on {result.store}: read-your-writes, {commands} contacts")
    writers = rng.sample(everyone, min(commands, len(everyone)))
    result.read_your_writes, result.command = read_your_writes(journeys, writers, rng=rng)


def profile_backend(copy: AbstractContextManager[LoadedStore], result: ViewsResult) -> None:
    """Profile a rebuild of all views on `copy` (a smaller store) into `result`."""
    with copy as loaded, opened(loaded) as journeys:
        result.profile = profile_rebuild(journeys)
        result.profile_events = journeys.app.position()


# -- the table ---------------------------------------------------------------------------------


def _rate(done: Pass | None) -> str:
    return "n/a" if done is None else f"{done.events_per_s:,.0f}"


def _verdict(result: ViewsResult, goal: str) -> str:
    met = result.goals_met.get(goal)
    return "" if met is None else (" met" if met else " BELOW")


def _rebuild_rate(result: ViewsResult, *, view: str) -> str:
    return _rate(result.rebuild.get(view))


def _ms(found: Latency | None) -> str:
    if found is None:
        return "n/a"
    text = f"{found.p50_ms:.1f} / {found.p99_ms:.1f}"
    return text + (f" ({found.failures} failed)" if found.failures else "")


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def views_table(part: ReadJourney) -> str:
    info = part.store_info
    made = "reused" if part.store_reused else "made now"
    lines = [
        "",
        f"Read the journey: {info.events:,} events, {info.families:,} families "
        f"({part.store}, {made}; making it took {info.total_seconds:,.0f} s: simulating "
        f"{info.simulate_seconds:,.0f} s in {info.simulations} simulations on {info.workers} "
        f"processes, merging {info.merge_seconds:,.0f} s, checking {info.verify_seconds:,.0f} s)",
    ]
    results = part.backends
    width = 24
    lines.append(f"  {'':<36}" + "".join(f"{r.store:>{width}}" for r in results) + "  goal")

    def row(label: str, cell: Callable[[ViewsResult], str], goal: str = "", key: str = "") -> None:
        cells = "".join(f"{cell(r) + _verdict(r, key):>{width}}" for r in results)
        lines.append(f"  {label:<36}{cells}  {goal}")

    row("copy of the store for this run, s", lambda r: f"{r.load_seconds:,.1f}")
    row("bare read, events/s", lambda r: _rate(r.bare_read))
    row("bare read + decode (library json), events/s", lambda r: _rate(r.bare_read_decode))
    row(
        "bare read + decode (settings'), events/s",
        lambda r: _rate(r.bare_read_decode_fast),
        "(" + ", ".join(dict.fromkeys(r.transcoder for r in results)) + ")",
    )
    row(
        "rebuild of all views, events/s",
        lambda r: _rate(r.rebuild_all),
        f">= {GOAL_REBUILD_PER_S:,.0f}",
        "rebuild_events_per_s",
    )
    row("  over the bare read", lambda r: _ratio(r.ratio_to_bare_read))
    row(
        "  over the read + decode (library json)",
        lambda r: _ratio(r.ratio_to_read_decode),
        f">= {GOAL_REBUILD_RATIO:.2f}",
        "rebuild_ratio_to_read_decode",
    )
    row("  over the read + decode (settings')", lambda r: _ratio(r.ratio_to_read_decode_fast))
    row("  peak RSS during it, MB", _rebuild_rss, "(before it)")
    for view in dict.fromkeys(v for r in results for v in r.views):
        row(f"rebuild of {view} alone, events/s", partial(_rebuild_rate, view=view))
    row(
        "timeline p50 / p99 ms",
        lambda r: _ms(r.timeline),
        f"p99 <= {GOAL_TIMELINE_P99_MS:g}",
        "timeline_p99_ms",
    )
    row(
        "as recorded at p50 / p99 ms",
        lambda r: _ms(r.as_recorded_at),
        f"p99 <= {GOAL_AS_RECORDED_P99_MS:g}",
        "as_recorded_at_p99_ms",
    )
    row("  over HTTP: timeline", lambda r: _ms(r.http_timeline), "(context)")
    row("  over HTTP: as recorded at", lambda r: _ms(r.http_as_recorded_at), "(context)")
    row(
        "read-your-writes lag p50 / p99 ms",
        lambda r: _ms(r.read_your_writes),
        f"p99 <= {GOAL_LAG_P99_MS:g} on postgres",
        "read_your_writes_p99_ms",
    )
    row("  the command itself p50 / p99 ms", lambda r: _ms(r.command), "(context)")
    row("other load during rebuilds, cores", _cores, "(a shared machine)")
    lines.append(
        f"  events/s: the log's length over the time of one pass; reads page "
        f"{results[0].page if results else 0:,} notifications at a time, as the rebuild does; "
        "best of 2 passes for the reads, 1 for each rebuild; rebuilds write their documents "
        f"every {results[0].rebuild_window if results else 0:,} events (rebuild window)"
    )
    for result in results:
        lines.append(f"  {result.store}: {result.description}")
        if result.error:
            lines.append(f"    STOPPED: {result.error}")
        lines.extend(f"    note: {note}" for note in result.notes)
    for result in results:
        lines.extend(evidence_lines(result.store, result.evidence))
    for result in results:
        if result.profile is not None:
            lines.extend(profile_lines(result))
    return "\n".join(lines)


def _rebuild_rss(result: ViewsResult) -> str:
    done = result.rebuild_all
    if done is None or done.peak_rss_mb is None or done.rss_before_mb is None:
        return "n/a"
    return f"{done.peak_rss_mb:,.0f} ({done.rss_before_mb:,.0f})"


def _cores(result: ViewsResult) -> str:
    found = [
        p.background_cores
        for p in (result.rebuild_all, *result.rebuild.values())
        if p is not None and p.background_cores is not None
    ]
    return f"{max(found):.2f}" if found else "n/a"


def profile_lines(result: ViewsResult) -> list[str]:
    profile = result.profile
    assert profile is not None
    per_event = profile.total_seconds * 1e6 / max(profile.commands, 1)
    lines = [
        "",
        f"Where a rebuild of all views spends its time: {result.store}, "
        f"{result.profile_events:,} events (cProfile; absolute figures inflated by profiling)",
        f"  {'area':<52}{'µs/event':>10}{'share':>8}",
    ]
    for area, us in profile.areas.items():
        if us >= 0.5:
            lines.append(f"  {area:<52}{us:>10.1f}{us / per_event:>8.0%}")
    lines.append(f"  {'total':<52}{per_event:>10.1f}")
    lines.append(f"  {'top functions by own time':<72}{'calls':>10}{'own s':>8}{'cum s':>8}")
    for cost in profile.top:
        lines.append(
            f"  {cost.function[:72]:<72}{cost.calls:>10}{cost.own_seconds:>8.2f}"
            f"{cost.cumulative_seconds:>8.2f}"
        )
    return lines
