"""A cached store of simulated events for the views benchmark, made once and reused.

The simulator writes about 1,300 events/s into SQLite, so a million events straight from
it would take a quarter of an hour. Instead, several simulations with different seeds run
side by side in worker processes, each into an in-memory store, over the same years from
the same start (so the result is one bigger county, not several counties one after the
other). Their stored events, as raw rows of the eventsourcing events table, are then merged
into one SQLite file in recorded-time order and cut at exactly the size asked for: a
recorded-time prefix of every stream, so every family's stream is whole up to that
instant. Family ids are seeded random UUIDs, distinct per seed, so streams cannot collide
(the table's primary key would refuse it if they did). Snapshots are not copied: the log
is what views are built from, and a family without a snapshot is simply replayed.

The merged store is checked before it is kept: positions 1..N without a gap, every stream's
versions consecutive from 1, recorded times in order, and every event decoded by the
application's own mapper. It is written under a temporary name and renamed at the end,
with a JSON file beside it saying how it was made and what that cost; a store is reused
only when both are there and the sizes agree.

Cost on a 2-core machine (both cores simulating): about 1M events in 7 to 10 minutes,
most of it simulation (see the JSON file beside each store for the measured figures).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import queue
import shutil
import sqlite3
import time
from collections.abc import Generator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from heapq import merge
from itertools import islice
from pathlib import Path
from typing import Any
from uuid import UUID

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from bench.bare import stored_notifications
from domain.application import JourneysApplication
from infra.settings import Settings
from simulation.simulator import Simulation, SimulationProgress

START = datetime(2021, 4, 1, tzinfo=UTC)
YEARS = 4.0
EVENTS_PER_FAMILY = 33.5
"""A first guess for sizing the simulations (measured: about 33.5 over four years); the
actual figure of the first simulations sizes any more that are needed."""
MARGIN = 1.04
CHUNK_EVENTS = 125_000
"""Events per simulation: small enough to keep both cores busy to the end."""

Row = tuple[int, int, int, str, int, str, bytes]
"""A chunk's event for merging: recorded time, chunk, position, then the stored columns."""

_progress_queue: Any = None  # set in each worker process by _worker_init


@dataclass(frozen=True)
class StoreInfo:
    """How a cached store was made: written beside it as JSON."""

    events: int
    seed: int
    families: int
    simulations: int
    workers: int
    simulated_events: int
    simulate_seconds: float
    merge_seconds: float
    verify_seconds: float
    total_seconds: float
    events_by_class: dict[str, int]
    start: str
    years: float
    made_at: str


@dataclass(frozen=True)
class CachedStore:
    path: Path
    info: StoreInfo
    reused: bool


@dataclass(frozen=True)
class Chunk:
    """One simulation: its seed, how many families, and the file it leaves its rows in."""

    index: int
    seed: int
    families: int
    path: Path


def label(events: int) -> str:
    """1000000 -> "1m", 100000 -> "100k", 3000 -> "3k", 2500 -> "2500"."""
    for divisor, suffix in ((1_000_000, "m"), (1_000, "k")):
        if events % divisor == 0:
            return f"{events // divisor}{suffix}"
    return str(events)


def store_path(folder: Path, *, events: int, seed: int) -> Path:
    return folder / f"store-{label(events)}-seed{seed}.sqlite"


def info_path(store: Path) -> Path:
    return store.with_suffix(".json")


def sqlite_env(path: Path) -> dict[str, str]:
    return Settings(mode="development", database_url=None, sqlite_path=path).eventsourcing_env()


def cached_store(
    folder: Path, *, events: int, seed: int, workers: int | None = None, console: Console
) -> CachedStore:
    """The store of `events` simulated events for `seed` in `folder`: reused when complete,
    made (and kept for next time) when not."""
    path = store_path(folder, events=events, seed=seed)
    if path.exists() and info_path(path).exists():
        info = StoreInfo(**json.loads(info_path(path).read_text(encoding="utf-8")))
        if info.events == events:
            return CachedStore(path, info, reused=True)
    folder.mkdir(parents=True, exist_ok=True)
    info = make_store(path, events=events, seed=seed, workers=workers, console=console)
    return CachedStore(path, info, reused=False)


# -- simulating, in worker processes -------------------------------------------------------


def _worker_init(progress: Any) -> None:
    global _progress_queue  # noqa: PLW0603 - the one way to hand a queue to pool workers
    _progress_queue = progress


def simulate_chunk(chunk: Chunk) -> tuple[int, int]:
    """Run one simulation into memory, then leave its rows in `chunk.path` with each event's
    recorded time; (families, events). Runs in a worker process."""
    simulation = Simulation(seed=chunk.seed, start=START)
    app = JourneysApplication(
        env=sqlite_env(Path(":memory:")), clock=simulation.clock, new_id=simulation.new_id
    )
    last = [0.0]

    def report(progress: SimulationProgress) -> None:
        now = time.monotonic()
        if _progress_queue is not None and now - last[0] > 0.5:
            last[0] = now
            _progress_queue.put((chunk.index, progress.commands))

    try:
        result = simulation.run(app, families=chunk.families, years=YEARS, progress=report)
        events = _write_chunk(app, chunk.path)
    finally:
        app.close()
    if _progress_queue is not None:
        _progress_queue.put((chunk.index, events))
    return result.families, events


def _write_chunk(app: JourneysApplication, path: Path) -> int:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(partial)) as db, db:
        db.execute(
            "CREATE TABLE events (position INTEGER PRIMARY KEY, recorded_us INTEGER NOT NULL, "
            "originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB)"
        )
        rows = (
            (
                n.id,
                recorded_us(n.state),
                hex_id(n.originator_id),
                n.originator_version,
                n.topic,
                n.state,
            )
            for n in stored_notifications(app, page=5000)
        )
        db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?)", rows)
        (count,) = db.execute("SELECT COUNT(*) FROM events").fetchone()
    partial.rename(path)
    return int(count)


def hex_id(originator_id: UUID | str) -> str:
    """An originator id as the SQLite recorder stores it."""
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


def recorded_us(state: bytes) -> int:
    """The recorded time (the event's `timestamp`) as microseconds since the epoch."""
    stamp = json.loads(state)["timestamp"]["_data_"]
    moment = datetime.fromisoformat(stamp)
    return int(moment.timestamp() * 1_000_000)


def _chunk_events(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])


# -- making a store ------------------------------------------------------------------------


def _bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def make_store(
    path: Path, *, events: int, seed: int, workers: int | None, console: Console
) -> StoreInfo:
    began = time.perf_counter()
    workers = workers or os.cpu_count() or 1
    parts = path.with_name(path.stem + ".parts")
    parts.mkdir(exist_ok=True)
    console.print(
        f"Making a store of {events:,} simulated events (seed {seed}) in {path.name}, "
        f"{workers} simulations at a time; made once, then reused"
    )
    chunks, simulated = _simulate(parts, events=events, seed=seed, workers=workers, console=console)
    simulate_seconds = time.perf_counter() - began
    partial = path.with_name(path.stem + ".partial.sqlite")
    for leftover in path.parent.glob(partial.name + "*"):
        leftover.unlink()
    mark = time.perf_counter()
    _merge(chunks, partial, events=events, console=console)
    merge_seconds = time.perf_counter() - mark
    mark = time.perf_counter()
    by_class = verify(partial, events=events, console=console)
    verify_seconds = time.perf_counter() - mark
    info = StoreInfo(
        events=events,
        seed=seed,
        families=by_class.get("Registered", 0),
        simulations=len(chunks),
        workers=workers,
        simulated_events=simulated,
        simulate_seconds=round(simulate_seconds, 1),
        merge_seconds=round(merge_seconds, 1),
        verify_seconds=round(verify_seconds, 1),
        total_seconds=round(time.perf_counter() - began, 1),
        events_by_class=by_class,
        start=START.isoformat(),
        years=YEARS,
        made_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    info_path(path).write_text(json.dumps(asdict(info), indent=2) + "\n", encoding="utf-8")
    partial.rename(path)  # last: a store is there only when whole
    shutil.rmtree(parts)
    console.print(
        f"Made {path.name}: {events:,} events of {info.families:,} families in "
        f"{info.total_seconds:,.0f} s (simulating {simulate_seconds:,.0f} s, merging "
        f"{merge_seconds:,.0f} s, checking {verify_seconds:,.0f} s)"
    )
    return info


def _simulate(
    parts: Path, *, events: int, seed: int, workers: int, console: Console
) -> tuple[list[Chunk], int]:
    """Simulations in waves until they hold at least `events` events; their chunks and the
    events they made. Chunk files left by an interrupted run are reused."""
    done: list[Chunk] = []
    families = simulated = 0
    per_family = EVENTS_PER_FAMILY
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    with context.Manager() as manager, _bar(console) as bar:
        progress_queue = manager.Queue()
        task = bar.add_task("simulating", total=math.ceil(events * MARGIN))
        while simulated < events:
            missing = events - simulated
            count = max(workers if not done else 1, math.ceil(missing / CHUNK_EVENTS))
            each = math.ceil(missing * MARGIN / count / per_family)
            wave = [
                Chunk(n, seed * 1000 + n, each, parts / f"part-{n}-{each}.sqlite")
                for n in range(len(done), len(done) + count)
            ]
            bar.update(task, total=simulated + math.ceil(missing * MARGIN))
            results = _run_wave(wave, workers, progress_queue, bar, task, base=simulated)
            for chunk, (chunk_families, chunk_events) in zip(wave, results, strict=True):
                families += chunk_families
                simulated += chunk_events
                done.append(chunk)
            per_family = simulated / max(families, 1)
            bar.update(task, completed=simulated)
    return done, simulated


def _run_wave(
    wave: list[Chunk], workers: int, progress_queue: Any, bar: Progress, task: Any, *, base: int
) -> list[tuple[int, int]]:
    counts = dict.fromkeys((c.index for c in wave), 0)
    results: dict[int, tuple[int, int]] = {}
    todo = []
    for chunk in wave:
        if chunk.path.exists():  # left by an interrupted run: the same seed, the same rows
            counts[chunk.index] = _chunk_events(chunk.path)
            results[chunk.index] = (chunk.families, counts[chunk.index])
        else:
            todo.append(chunk)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(progress_queue,),
    ) as pool:
        futures: dict[int, Future[tuple[int, int]]] = {
            c.index: pool.submit(simulate_chunk, c) for c in todo
        }
        while not all(f.done() for f in futures.values()):
            try:
                index, commands = progress_queue.get(timeout=0.5)
                counts[index] = commands
            except queue.Empty:
                pass
            bar.update(task, completed=base + sum(counts.values()))
        for index, future in futures.items():
            results[index] = future.result()  # a failed simulation fails the run here
    return [results[c.index] for c in wave]


def _chunk_rows(index: int, path: Path) -> Generator[Row, None, None]:
    with closing(sqlite3.connect(path)) as db:
        cursor = db.execute(
            "SELECT recorded_us, position, originator_id, originator_version, topic, state "
            "FROM events ORDER BY position"
        )
        previous = 0
        for recorded, position, originator_id, version, topic, state in cursor:
            if recorded < previous:
                raise RuntimeError(f"{path.name} is not in recorded-time order at {position}")
            previous = recorded
            yield recorded, index, position, originator_id, version, topic, state


def _merge(chunks: list[Chunk], target: Path, *, events: int, console: Console) -> None:
    """The first `events` rows of all chunks, in recorded-time order, into a new store."""
    JourneysApplication(env=sqlite_env(target)).close()  # the library makes its tables
    streams = [_chunk_rows(c.index, c.path) for c in chunks]
    with closing(sqlite3.connect(target, isolation_level=None)) as db, _bar(console) as bar:
        task = bar.add_task("merging", total=events)
        db.execute("PRAGMA synchronous=OFF")
        db.execute("BEGIN")
        batch: list[tuple[str, int, str, bytes]] = []
        for n, row in enumerate(islice(merge(*streams), events), start=1):
            batch.append(row[3:])
            if len(batch) == 10_000 or n == events:
                db.executemany(
                    "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                    "VALUES (?,?,?,?)",
                    batch,
                )
                batch.clear()
                bar.update(task, completed=n)
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for stream in streams:
        stream.close()


def verify(path: Path, *, events: int, console: Console) -> dict[str, int]:
    """Check the store's log as the application reads it; events by class."""
    app = JourneysApplication(env=sqlite_env(path))
    versions: dict[Any, int] = {}
    by_class: dict[str, int] = {}
    expected = 1
    previous = datetime.min.replace(tzinfo=UTC)
    try:
        with _bar(console) as bar:
            task = bar.add_task("checking (decoding every event)", total=events)
            for notification in stored_notifications(app, page=5000):
                if notification.id != expected:
                    raise RuntimeError(f"position {expected} is missing")
                stream = notification.originator_id
                if notification.originator_version != versions.get(stream, 0) + 1:
                    raise RuntimeError(f"stream {stream} skips a version at {notification.id}")
                versions[stream] = notification.originator_version
                event: Any = app.mapper.to_domain_event(notification)
                if event.timestamp < previous:
                    raise RuntimeError(f"recorded out of order at position {notification.id}")
                previous = event.timestamp
                name = type(event).__name__
                by_class[name] = by_class.get(name, 0) + 1
                expected += 1
                if expected % 10_000 == 0:
                    bar.update(task, completed=expected)
            bar.update(task, completed=expected - 1)
    finally:
        app.close()
    if expected - 1 != events:
        raise RuntimeError(f"the store holds {expected - 1} events, not {events}")
    return dict(sorted(by_class.items(), key=lambda item: -item[1]))
