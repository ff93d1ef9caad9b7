"""The application service against the bare eventsourcing library, on one store.

For each mode (one command per transaction; `batch_size` commands per transaction) and each
round, the application runs the workload on a fresh store, then the bare library saves the
same events on another fresh store. The best round of each side is kept, so a stray pause
on this shared machine does not decide the ratio.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from bench.bare import BareApplication, BareOp, bare_ops, drive_bare, stored_notifications
from bench.cpu import BackgroundMeter
from bench.profiling import Profile, profiled
from bench.stores import StoreHandle
from bench.workload import Timing, drive, scripts
from domain.application import JourneysApplication
from domain.family import Family

GOAL = 0.8


class Stores(Protocol):
    name: str
    description: str
    postmaster_pid: int | None

    def fresh(self) -> AbstractContextManager[StoreHandle]: ...


@dataclass(frozen=True)
class ModeResult:
    mode: str
    commands_per_transaction: int
    commands: int
    app_commands_per_s: float
    bare_commands_per_s: float
    ratio: float
    app_rounds_per_s: list[float]
    bare_rounds_per_s: list[float]
    background_cores: float | None
    """The most cores other processes on the machine kept busy during any of these runs."""


@dataclass
class StoreResult:
    store: str
    description: str
    families: int
    events: int
    app_bytes_per_event: float
    bare_bytes_per_event: float
    mix: dict[str, int]
    """Events (one per command) by class."""
    modes: list[ModeResult] = field(default_factory=list)
    profiles: dict[str, dict[str, Profile]] = field(default_factory=dict)
    """mode -> {"app": ..., "bare": ...}, when a ratio fell below the goal."""


@contextmanager
def journeys_app(handle: StoreHandle) -> Iterator[JourneysApplication]:
    """The application with the store as settings make it: hash-chained recorders, but no
    sealer of personal data (the `protect` part measures what sealing adds)."""
    app = JourneysApplication(env=handle.env)
    try:
        yield app
    finally:
        app.close()


@contextmanager
def bare_app(handle: StoreHandle) -> Iterator[BareApplication]:
    """The bare library: its own recorders, without the hash chain Journeys adds."""
    env = {k: v for k, v in handle.env.items() if k != "APPLICATION_RECORDER_TOPIC"}
    app = BareApplication(env=env)
    try:
        yield app
    finally:
        app.close()


def mean_state_bytes(app: JourneysApplication | BareApplication) -> float:
    sizes = [len(n.state) for n in stored_notifications(app)]
    return statistics.fmean(sizes) if sizes else 0.0


def app_events(app: JourneysApplication) -> list[Family.Event]:
    return [app.mapper.to_domain_event(n) for n in stored_notifications(app)]  # type: ignore[misc]


def compare(
    stores: Stores, *, families: int, seed: int, batch_size: int, rounds: int, profile: bool
) -> StoreResult:
    """Time both sides in both modes on `stores`; profile a mode that misses the goal."""
    ops: list[BareOp] = []
    result: StoreResult | None = None
    for mode, size in (("single", None), ("batched", batch_size)):
        app_runs: list[Timing] = []
        bare_runs: list[Timing] = []
        background: list[float | None] = []
        for _round in range(rounds):
            with stores.fresh() as handle, journeys_app(handle) as app:
                family_scripts = scripts(families=families, seed=seed)
                with BackgroundMeter(stores.postmaster_pid) as meter:
                    app_runs.append(drive(app, family_scripts, batch_size=size))
                background.append(meter.cores)
                if result is None:
                    events = app_events(app)
                    ops = bare_ops(events)
                    result = StoreResult(
                        store=stores.name,
                        description=stores.description,
                        families=families,
                        events=len(events),
                        app_bytes_per_event=mean_state_bytes(app),
                        bare_bytes_per_event=0.0,
                        mix=dict(Counter(type(e).__name__ for e in events).most_common()),
                    )
            with stores.fresh() as handle, bare_app(handle) as bare:
                with BackgroundMeter(stores.postmaster_pid) as meter:
                    bare_runs.append(drive_bare(bare, ops, batch_size=size))
                background.append(meter.cores)
                if not result.bare_bytes_per_event:
                    result.bare_bytes_per_event = mean_state_bytes(bare)
        assert result is not None
        check_same_work(app_runs, bare_runs, expected=result.events)
        app_best = max(t.per_second for t in app_runs)
        bare_best = max(t.per_second for t in bare_runs)
        mode_result = ModeResult(
            mode=mode,
            commands_per_transaction=size or 1,
            commands=app_runs[0].commands,
            app_commands_per_s=app_best,
            bare_commands_per_s=bare_best,
            ratio=app_best / bare_best,
            app_rounds_per_s=[t.per_second for t in app_runs],
            bare_rounds_per_s=[t.per_second for t in bare_runs],
            background_cores=max((c for c in background if c is not None), default=None),
        )
        result.modes.append(mode_result)
        if profile or mode_result.ratio < GOAL:
            result.profiles[mode] = profile_both(
                stores, ops, families=families, seed=seed, batch_size=size
            )
    assert result is not None
    return result


def check_same_work(app_runs: list[Timing], bare_runs: list[Timing], *, expected: int) -> None:
    counts = {t.commands for t in app_runs} | {t.commands for t in bare_runs}
    if counts != {expected}:
        raise RuntimeError(f"the two sides did different work: {counts} vs {expected} events")


def profile_both(
    stores: Stores, ops: list[BareOp], *, families: int, seed: int, batch_size: int | None
) -> dict[str, Profile]:
    """One more run of each side under cProfile (not used for the figures above)."""
    with stores.fresh() as handle, journeys_app(handle) as app:
        family_scripts = scripts(families=families, seed=seed)
        _timing, app_profile = profiled(
            lambda: drive(app, family_scripts, batch_size=batch_size), commands=len(ops)
        )
    with stores.fresh() as handle, bare_app(handle) as bare:
        _timing, bare_profile = profiled(
            lambda: drive_bare(bare, ops, batch_size=batch_size), commands=len(ops)
        )
    return {"app": app_profile, "bare": bare_profile}
