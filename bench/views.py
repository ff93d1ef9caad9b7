"""Read the journey: rebuild every view from a big store, against the bare read of the same
notification log in the same run; the timeline's query latency at that size, now and as
recorded at an instant; and read-your-writes lag, from a command's return to the timeline
view having it.

Each backend gets its own fresh copy of the cached store (bench.store_cache), so views
built on one do not meet the next. On that copy, in order:

1. the bare read: `select_notifications` page after page over the whole log, with the page
   size the runner rebuilds with; the same read with every event decoded by the
   application's mapper with the library's json transcoder, and with the transcoder the
   settings choose (orjson by default) (best of two passes each, one before and one after
   the rebuilds);
2. each view rebuilt alone (`runner.rebuild(name)`), then all of them in one pass
   (`runner.rebuild_all()`), the views tables emptied before each, so none finds another's
   work (the emptying is not timed); the process's resident memory before each pass and its
   peak during it (bench.memory);
3. queries on the rebuilt views: for random families, the timeline document read and its
   first page made (`projections.timeline.timeline` and `page`), as now and as recorded at
   a random instant between the family's registration and the end of the store;
4. read-your-writes: with the runner following the log in a background thread, a contact
   recorded on a random family, then `views.wait("timeline", position)`; the lag is the
   time from the command's return to the wait's.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper

from bench.bare import stored_notifications
from bench.cpu import BackgroundMeter
from bench.evidence import Evidence
from bench.http import percentile
from bench.memory import PeakRss
from bench.profiling import Profile, profiled
from bench.store_load import LoadedStore
from bench.workload import ACTOR
from domain.commands import RecordContact
from infra.bootstrap import Journeys, bootstrap
from infra.views.postgres import PostgresViewStore
from infra.views.store import ViewNotReadyError
from projections.timeline import page, timeline

TIMELINE = "timeline"

GOAL_REBUILD_PER_S = 50_000.0
GOAL_REBUILD_RATIO = 0.5
"""Rebuild of all views against the read + decode of the log with the library's json
transcoder, events/s over events/s."""
GOAL_TIMELINE_P99_MS = 10.0
GOAL_AS_RECORDED_P99_MS = 25.0
GOAL_LAG_P99_MS = 50.0
"""Read-your-writes on PostgreSQL; SQLite's is shown for context."""
LAG_TIMEOUT = 5.0


@dataclass(frozen=True)
class Pass:
    """One timed pass over the whole log (the best of several when `rounds` > 1)."""

    events: int
    seconds: float
    events_per_s: float
    rounds_per_s: list[float]
    background_cores: float | None
    """The most cores other processes kept busy during these passes (None: unknown)."""
    rss_before_mb: float | None = None
    peak_rss_mb: float | None = None
    """This process's resident memory before the fastest pass, and its peak during it."""


@dataclass(frozen=True)
class Latency:
    samples: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    failures: int


@dataclass
class ViewsResult:
    store: str
    description: str
    events: int
    families: int
    load_seconds: float
    """Making this backend's copy of the cached store (file copy, or COPY into PostgreSQL)."""
    page: int
    views: list[str]
    rebuild_window: int = 0
    """Events a rebuild keeps its documents in memory for, between writes."""
    bare_read: Pass | None = None
    bare_read_decode: Pass | None = None
    """Decoded with the library's json transcoder."""
    bare_read_decode_fast: Pass | None = None
    """Decoded with the transcoder of the settings (`transcoder`)."""
    transcoder: str = ""
    rebuild_all: Pass | None = None
    rebuild: dict[str, Pass] = field(default_factory=dict)
    timeline: Latency | None = None
    as_recorded_at: Latency | None = None
    http_timeline: Latency | None = None
    http_as_recorded_at: Latency | None = None
    read_your_writes: Latency | None = None
    command: Latency | None = None
    """How long each of those commands took, for context."""
    ratio_to_bare_read: float | None = None
    """Rebuild of all views over the bare read, events/s over events/s."""
    ratio_to_read_decode: float | None = None
    """Rebuild of all views over the read + decode with the library's json transcoder."""
    ratio_to_read_decode_fast: float | None = None
    goals_met: dict[str, bool] = field(default_factory=dict)
    profile: Profile | None = None
    profile_events: int = 0
    evidence: Evidence | None = None
    """The evidence answers against a plain aggregate (bench.evidence), after the rebuilds."""
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    """Why this backend's measurements stopped, if they did (the others still count)."""

    def judge(self) -> None:
        """Set the ratios, and which goals were met (those measured here)."""
        if self.rebuild_all is not None and self.bare_read is not None:
            self.ratio_to_bare_read = self.rebuild_all.events_per_s / self.bare_read.events_per_s
        if self.rebuild_all is not None and self.bare_read_decode is not None:
            self.ratio_to_read_decode = (
                self.rebuild_all.events_per_s / self.bare_read_decode.events_per_s
            )
        if self.rebuild_all is not None and self.bare_read_decode_fast is not None:
            self.ratio_to_read_decode_fast = (
                self.rebuild_all.events_per_s / self.bare_read_decode_fast.events_per_s
            )
        met = self.goals_met
        if self.rebuild_all is not None:
            met["rebuild_events_per_s"] = self.rebuild_all.events_per_s >= GOAL_REBUILD_PER_S
        if self.ratio_to_read_decode is not None:
            met["rebuild_ratio_to_read_decode"] = self.ratio_to_read_decode >= GOAL_REBUILD_RATIO
        if self.timeline is not None:
            met["timeline_p99_ms"] = self.timeline.p99_ms <= GOAL_TIMELINE_P99_MS
        if self.as_recorded_at is not None:
            met["as_recorded_at_p99_ms"] = self.as_recorded_at.p99_ms <= GOAL_AS_RECORDED_P99_MS
        if self.evidence is not None:
            met["evidence"] = all(t.met for t in self.evidence.timings)
        if self.read_your_writes is not None and self.store == "postgres":
            met["read_your_writes_p99_ms"] = self.read_your_writes.p99_ms <= GOAL_LAG_P99_MS


@dataclass(frozen=True)
class Family:
    """A family to query: its id and when it was registered (recorded)."""

    key: str
    family_id: UUID
    registered_at: datetime


@contextmanager
def opened(loaded: LoadedStore) -> Iterator[Journeys]:
    journeys = bootstrap(loaded.settings)
    try:
        yield journeys
    finally:
        journeys.close()


# -- passes over the log ----------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    events: int
    seconds: float
    background_cores: float | None
    rss_before_mb: float | None = None
    peak_rss_mb: float | None = None


def timed(run: Callable[[], int], *, postmaster: int | None) -> Timing:
    """Time `run`, which returns how many events it went through."""
    with BackgroundMeter(postmaster) as meter, PeakRss() as memory:
        began = time.perf_counter()
        events = run()
        seconds = time.perf_counter() - began
    return Timing(events, seconds, meter.cores, memory.before_mb, memory.peak_mb)


def best(timings: list[Timing]) -> Pass:
    rates = [t.events / t.seconds if t.seconds > 0 else 0.0 for t in timings]
    fastest = max(range(len(timings)), key=lambda n: rates[n])
    background = [t.background_cores for t in timings if t.background_cores is not None]
    return Pass(
        events=timings[fastest].events,
        seconds=timings[fastest].seconds,
        events_per_s=rates[fastest],
        rounds_per_s=rates,
        background_cores=max(background) if background else None,
        rss_before_mb=timings[fastest].rss_before_mb,
        peak_rss_mb=timings[fastest].peak_rss_mb,
    )


def read_log(
    journeys: Journeys, *, page_size: int, decode: bool, mapper: Mapper[UUID] | None = None
) -> int:
    """Every notification of the log, as the runner reads it; optionally decoded (by
    `mapper`, or the application's)."""
    count = 0
    to_domain_event = (mapper or journeys.app.mapper).to_domain_event
    for notification in stored_notifications(journeys.app, page=page_size):
        if decode:
            to_domain_event(notification)
        count += 1
    return count


def library_mapper(journeys: Journeys) -> Mapper[UUID]:
    """The application's mapper with the library's json transcoder in place of its own."""
    mapper = journeys.app.mapper
    return type(mapper)(journeys.app.make_transcoder("json"), mapper.compressor, mapper.cipher)


def empty_views(journeys: Journeys) -> None:
    """Forget every view and document, so the next rebuild starts from nothing."""
    if isinstance(journeys.views, PostgresViewStore):
        statements = [
            "TRUNCATE journeys_view_docs, journeys_view_tracking, journeys_views"
        ]  # no dead rows left
    else:
        statements = [
            "DELETE FROM journeys_view_docs",
            "DELETE FROM journeys_view_tracking",
            "DELETE FROM journeys_views",
        ]
    with journeys.views.transaction(write=True) as cursor:
        for statement in statements:
            cursor.execute(statement)


def rebuild(journeys: Journeys, names: list[str] | None) -> int:
    """Rebuild one view (or all, in one pass); the length of the log they went through."""
    if names is not None and len(names) == 1:
        journeys.runner.rebuild(names[0])
    else:
        journeys.runner.rebuild_all(names)
    return journeys.app.position()


# -- queries ------------------------------------------------------------------------------------


def families(journeys: Journeys) -> list[Family]:
    """Every registered family, with its registration's recorded time."""
    found = []
    after = 0
    while True:
        listed = journeys.app.list_families(after=after, limit=500)
        found += [
            Family(str(item.family_id), item.family_id, item.registered_at) for item in listed.items
        ]
        if listed.next is None:
            return found
        after = listed.next


def store_end(journeys: Journeys) -> datetime:
    """When the last event of the store was recorded."""
    head = journeys.app.position()
    [last] = journeys.app.recorder.select_notifications(start=head, limit=1)
    event: Any = journeys.app.mapper.to_domain_event(last)
    moment: datetime = event.timestamp
    return moment


def instants(chosen: list[Family], *, end: datetime, rng: random.Random) -> list[datetime]:
    """For each family, a random instant between its registration and the end of the store."""
    return [family.registered_at + (end - family.registered_at) * rng.random() for family in chosen]


def latency(samples: list[float], *, failures: int) -> Latency:
    ordered = sorted(samples)
    return Latency(
        samples=len(ordered),
        p50_ms=percentile(ordered, 0.50) * 1000,
        p90_ms=percentile(ordered, 0.90) * 1000,
        p99_ms=percentile(ordered, 0.99) * 1000,
        max_ms=(ordered[-1] * 1000) if ordered else 0.0,
        failures=failures,
    )


def timeline_latency(
    journeys: Journeys, chosen: list[Family], at: list[datetime] | None
) -> Latency:
    """Read each family's timeline document and make its first page, as the API does: as
    it stands now (`at` None), or as recorded at the instant given for each family."""
    samples: list[float] = []
    failures = 0
    for n, family in enumerate(chosen):
        as_recorded_at = None if at is None else at[n]
        began = time.perf_counter()
        _position, doc = journeys.views.read(TIMELINE, family.key)
        if doc is not None:
            page(timeline(doc, as_recorded_at=as_recorded_at))
        samples.append(time.perf_counter() - began)
        failures += doc is None
    return latency(samples, failures=failures)


# -- read-your-writes ---------------------------------------------------------------------------


def read_your_writes(
    journeys: Journeys, chosen: list[Family], *, rng: random.Random
) -> tuple[Latency, Latency]:
    """A contact on each family in turn, each followed by a wait for the timeline view to
    have it; (lag, command time). The runner follows the log in its own thread meanwhile."""
    lags: list[float] = []
    commands: list[float] = []
    failures = 0
    journeys.start(projections=True)
    try:
        journeys.views.wait(TIMELINE, journeys.app.position(), timeout=60)
        for family in chosen:
            time.sleep(rng.uniform(0.0, 0.02))  # not in step with the runner's polling
            began = time.perf_counter()
            result = journeys.app.handle(
                RecordContact(
                    family_id=family.family_id,
                    actor=ACTOR,
                    occurred_at=datetime.now(UTC) - timedelta(hours=1),
                    agency="school",
                    channel="phone",
                    reason="check_in",
                )
            )
            returned = time.perf_counter()
            try:
                journeys.views.wait(TIMELINE, result.position, timeout=LAG_TIMEOUT)
            except ViewNotReadyError:
                failures += 1
            lags.append(time.perf_counter() - returned)
            commands.append(returned - began)
    finally:
        journeys.runner.stop()
    return latency(lags, failures=failures), latency(commands, failures=0)


# -- profile ---------------------------------------------------------------------------------


def profile_rebuild(journeys: Journeys) -> Profile:
    """Rebuild all views once more under cProfile (not used for the figures above)."""
    empty_views(journeys)
    _events, profile = profiled(lambda: rebuild(journeys, None), commands=journeys.app.position())
    return profile
