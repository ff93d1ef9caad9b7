"""Protect the journey: what sealing personal data and hash-chaining every event cost.

On each backend, in one run, the application as `bootstrap` builds it, with protection ON
(the settings' defaults: personal data sealed under per-family keys, every event
hash-chained in its own transaction) against the same with both OFF
(`encrypt_personal_data=False, hash_chain=False`, which development mode allows):

1. command throughput: the library comparison's workload (bench.workload: about 33
   commands per family, members' names, dates of birth and an address, and notes on half
   the contacts and every assessment, all PersonalData) on a fresh store per run, one
   command per transaction; best of `rounds` runs per side, the sides taking turns;
   the ratio is ON over OFF;
2. rebuild of all views (`runner.rebuild_all()`): two stores written by the same, bigger
   workload, one with each setting (so the ON store holds ciphertext, data keys and chain
   rows), in batches and untimed; each pass opens the store afresh, as `journeys rebuild`
   would (so the ON side unwraps every family's data key once), empties the views (not
   timed), then rebuilds them all; events/s over the store's log, best of `passes` per
   side, the sides taking turns;
3. verification of the whole ON store: `Integrity(app).verify_store()`, which is what
   `journeys verify` runs; events/s, best of `passes`.

The stores are checked before they count: the ON store holds sealed personal data and none
of the workload's names or notes in clear, the OFF store as many events with them in
clear, and the ON store verifies with every stream chained.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from bench.bare import stored_notifications
from bench.cpu import BackgroundMeter
from bench.library import Stores, mean_state_bytes
from bench.profiling import Profile, profiled, render
from bench.views import empty_views, rebuild
from bench.workload import NOTES, drive, scripts
from domain.sealing import SEALED_NAME
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from infra.store.integrity import Integrity, StoreReport

T = TypeVar("T")
Say = Callable[[str], None]

GOAL_COMMAND_RATIO = 0.8
"""Commands/s with protection on over commands/s with it off."""
GOAL_REBUILD_RATIO = 0.8
"""Rebuild of all views with protection on over the same with it off, events/s."""

SEALED = f'"{SEALED_NAME}"'.encode()
IN_CLEAR = b'"journeys.PersonalData"'
"""How a PersonalData value is named in a stored event, sealed or in clear."""
WORKLOAD_DETAILS = (b"Okafor", NOTES[:40].encode())
"""The workload's family name and notes: never in a stored event with protection on."""


def protection(settings: Settings, *, on: bool) -> Settings:
    """The same store's settings, with encryption and hash chaining both on or both off."""
    return settings.model_copy(update={"encrypt_personal_data": on, "hash_chain": on})


@contextmanager
def opened(settings: Settings) -> Iterator[Journeys]:
    journeys = bootstrap(settings)
    try:
        yield journeys
    finally:
        journeys.close()


@dataclass(frozen=True)
class Throughput:
    families: int
    commands: int
    on_commands_per_s: float
    off_commands_per_s: float
    ratio: float
    on_rounds_per_s: list[float]
    off_rounds_per_s: list[float]
    on_bytes_per_event: float
    off_bytes_per_event: float
    """Mean stored event (its state), as the application writes it on each side."""
    background_cores: float | None
    """The most cores other processes kept busy during any of these runs (None: unknown)."""


@dataclass(frozen=True)
class Rebuild:
    families: int
    events: int
    """In each of the two stores (the same workload, so the same count)."""
    on_events_per_s: float
    off_events_per_s: float
    ratio: float
    on_rounds_per_s: list[float]
    off_rounds_per_s: list[float]
    views: list[str]
    sealed_events: int
    """Events of the ON store holding sealed personal data."""
    clear_events: int
    """Events of the OFF store holding personal data in clear (as many, or it is wrong)."""
    write_seconds: dict[str, float]
    """Making each store ("on", "off"), in batches; not part of any figure."""
    background_cores: float | None


@dataclass(frozen=True)
class Verification:
    events: int
    streams: int
    verified: int
    events_per_s: float
    rounds_per_s: list[float]
    background_cores: float | None


@dataclass
class ProtectResult:
    store: str
    description: str
    throughput: Throughput | None = None
    rebuild: Rebuild | None = None
    verify: Verification | None = None
    goals_met: dict[str, bool] = field(default_factory=dict)
    profiles: dict[str, dict[str, Profile]] = field(default_factory=dict)
    """Per measurement ("commands", "rebuild"), a profile of each side ("on", "off"): when
    its ratio fell below the goal, or with --profile."""
    error: str | None = None
    """Why this backend's measurements stopped, if they did (the others still count)."""

    def judge(self) -> None:
        if self.throughput is not None:
            self.goals_met["command_ratio"] = self.throughput.ratio >= GOAL_COMMAND_RATIO
        if self.rebuild is not None:
            self.goals_met["rebuild_ratio"] = self.rebuild.ratio >= GOAL_REBUILD_RATIO


@dataclass
class ProtectPart:
    rounds: int
    """Timed runs of the commands per side."""
    passes: int
    """Timed rebuilds per side, and verifications."""
    backends: list[ProtectResult] = field(default_factory=list)
    goals: dict[str, float] = field(
        default_factory=lambda: {
            "command_ratio": GOAL_COMMAND_RATIO,
            "rebuild_ratio": GOAL_REBUILD_RATIO,
        }
    )


# -- timing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Timed:
    count: int
    seconds: float
    background_cores: float | None

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


def _timed(run: Callable[[], int], *, postmaster: int | None) -> _Timed:
    """Time `run`, which returns how many commands or events it went through."""
    with BackgroundMeter(postmaster) as meter:
        began = time.perf_counter()
        count = run()
        seconds = time.perf_counter() - began
    return _Timed(count, seconds, meter.cores)


def _best(timings: list[_Timed]) -> tuple[float, list[float]]:
    rates = [t.per_second for t in timings]
    return max(rates), rates


def _background(timings: list[_Timed]) -> float | None:
    found = [t.background_cores for t in timings if t.background_cores is not None]
    return max(found) if found else None


def _same_count(timings: dict[bool, list[_Timed]], what: str) -> int:
    counts = {t.count for runs in timings.values() for t in runs}
    if len(counts) != 1:
        raise RuntimeError(f"the two sides went through different numbers of {what}: {counts}")
    return counts.pop()


def _turns(rounds: int) -> Iterator[bool]:
    """Which side runs next: ON then OFF, then OFF then ON, and so on, so that a drift in
    the machine's speed during the run favours neither side."""
    for n in range(rounds):
        yield from (True, False) if n % 2 == 0 else (False, True)


def _side(on: bool) -> str:
    return "on" if on else "off"


# -- 1. command throughput -------------------------------------------------------------------


def _drive_commands(journeys: Journeys, *, families: int, seed: int) -> int:
    return drive(journeys.app, scripts(families=families, seed=seed), batch_size=None).commands


def throughput(
    stores: Stores, *, families: int, seed: int, rounds: int, profile: bool
) -> tuple[Throughput, dict[str, Profile]]:
    """Commands/s with protection on and off, one command per transaction; and a profile
    of one more run of each side when asked, or when the ratio is below the goal."""
    timings: dict[bool, list[_Timed]] = {True: [], False: []}
    sizes: dict[bool, float] = {}
    for on in _turns(rounds):
        with stores.fresh() as handle, opened(protection(handle.settings, on=on)) as journeys:
            run = partial(_drive_commands, journeys, families=families, seed=seed)
            timings[on].append(_timed(run, postmaster=stores.postmaster_pid))
            if on not in sizes:
                sizes[on] = mean_state_bytes(journeys.app)
    commands = _same_count(timings, "commands")
    (on_best, on_rounds), (off_best, off_rounds) = _best(timings[True]), _best(timings[False])
    result = Throughput(
        families=families,
        commands=commands,
        on_commands_per_s=on_best,
        off_commands_per_s=off_best,
        ratio=on_best / off_best,
        on_rounds_per_s=on_rounds,
        off_rounds_per_s=off_rounds,
        on_bytes_per_event=sizes[True],
        off_bytes_per_event=sizes[False],
        background_cores=_background(timings[True] + timings[False]),
    )
    profiles: dict[str, Profile] = {}
    if profile or result.ratio < GOAL_COMMAND_RATIO:
        for on in (True, False):
            with stores.fresh() as handle, opened(protection(handle.settings, on=on)) as journeys:
                run = partial(_drive_commands, journeys, families=families, seed=seed)
                profiles[_side(on)] = profiled(run, commands=commands)[1]
    return result, profiles


# -- 2. rebuild, and 3. verification ---------------------------------------------------------


def write_store(settings: Settings, *, families: int, seed: int, batch_size: int) -> float:
    """Fill an empty store with the workload, `batch_size` commands per transaction."""
    with opened(settings) as journeys:
        began = time.perf_counter()
        drive(journeys.app, scripts(families=families, seed=seed), batch_size=batch_size)
        return time.perf_counter() - began


def personal_data_events(settings: Settings) -> tuple[int, int, int]:
    """Events holding PersonalData sealed; in clear; with the workload's details readable."""
    sealed = clear = readable = 0
    with opened(settings) as journeys:
        for notification in stored_notifications(journeys.app, page=5_000):
            state = notification.state
            sealed += SEALED in state
            clear += IN_CLEAR in state
            readable += any(detail in state for detail in WORKLOAD_DETAILS)
    return sealed, clear, readable


def check_stores(on: Settings, off: Settings) -> tuple[int, int]:
    """That protection was really exercised: (events with sealed personal data in the ON
    store, events with personal data in clear in the OFF store)."""
    on_sealed, on_clear, on_readable = personal_data_events(on)
    off_sealed, off_clear, _off_readable = personal_data_events(off)
    if on_clear or on_readable or not on_sealed:
        raise RuntimeError(
            f"the protected store is not what it should be: {on_sealed} events with sealed "
            f"personal data, {on_clear} with it in clear, {on_readable} with the workload's "
            "names or notes readable"
        )
    if off_sealed or off_clear != on_sealed:
        raise RuntimeError(
            f"the unprotected store holds {off_clear} events with personal data in clear and "
            f"{off_sealed} sealed; the protected one {on_sealed} sealed"
        )
    return on_sealed, off_clear


def _rebuild_pass(settings: Settings, *, postmaster: int | None) -> _Timed:
    """Open the store afresh (a cold key cache, as a new process has), empty the views,
    then time a rebuild of them all."""
    with opened(settings) as journeys:
        empty_views(journeys)
        return _timed(partial(rebuild, journeys, None), postmaster=postmaster)


def _profile_rebuild(settings: Settings, *, events: int) -> Profile:
    with opened(settings) as journeys:
        empty_views(journeys)
        return profiled(partial(rebuild, journeys, None), commands=events)[1]


def _verify_pass(settings: Settings, *, postmaster: int | None) -> tuple[_Timed, StoreReport]:
    """Time what `journeys verify` runs over the whole store; it must find it all intact."""
    reports: list[StoreReport] = []

    def run(journeys: Journeys) -> int:
        reports.append(Integrity(journeys.app).verify_store())
        return reports[-1].events

    with opened(settings) as journeys:
        timing = _timed(partial(run, journeys), postmaster=postmaster)
    [report] = reports
    if not report.ok or not report.streams or report.verified != report.streams:
        raise RuntimeError(
            f"the protected store does not verify: {report.streams} streams, "
            f"{report.verified} verified, {report.not_chained} not chained, "
            f"{len(report.tampered)} tampered"
        )
    return timing, report


def rebuild_and_verify(
    stores: Stores,
    *,
    families: int,
    seed: int,
    batch_size: int,
    passes: int,
    profile: bool,
    say: Say,
) -> tuple[Rebuild, Verification, dict[str, Profile]]:
    """Two stores from the same workload, one protected and one not: a rebuild of all
    views on each (profiled too, when asked or below the goal), and the verification of
    the protected one."""
    postmaster = stores.postmaster_pid
    with stores.fresh() as on_handle, stores.fresh() as off_handle:
        settings = {
            True: protection(on_handle.settings, on=True),
            False: protection(off_handle.settings, on=False),
        }
        written: dict[str, float] = {}
        for on in (True, False):
            say(f"... protect on {stores.name}: writing the {_side(on)} store, {families} families")
            written[_side(on)] = write_store(
                settings[on], families=families, seed=seed, batch_size=batch_size
            )
        sealed, clear = check_stores(settings[True], settings[False])
        with opened(settings[True]) as journeys:
            views = list(journeys.runner.projections)
        say(f"... protect on {stores.name}: rebuilding all views, {passes} pass(es) per side")
        timings: dict[bool, list[_Timed]] = {True: [], False: []}
        for on in _turns(passes):
            timings[on].append(_rebuild_pass(settings[on], postmaster=postmaster))
        events = _same_count(timings, "events")
        (on_best, on_rounds), (off_best, off_rounds) = _best(timings[True]), _best(timings[False])
        rebuilt = Rebuild(
            families=families,
            events=events,
            on_events_per_s=on_best,
            off_events_per_s=off_best,
            ratio=on_best / off_best,
            on_rounds_per_s=on_rounds,
            off_rounds_per_s=off_rounds,
            views=views,
            sealed_events=sealed,
            clear_events=clear,
            write_seconds=written,
            background_cores=_background(timings[True] + timings[False]),
        )
        profiles: dict[str, Profile] = {}
        if profile or rebuilt.ratio < GOAL_REBUILD_RATIO:
            say(f"... protect on {stores.name}: profiling a rebuild, on and off")
            for on in (True, False):
                profiles[_side(on)] = _profile_rebuild(settings[on], events=events)
        say(f"... protect on {stores.name}: verifying the protected store, {passes} pass(es)")
        checks = [_verify_pass(settings[True], postmaster=postmaster) for _ in range(passes)]
    report = checks[0][1]
    if report.events != events:
        raise RuntimeError(f"verification went through {report.events} of {events} events")
    best, rates = _best([timing for timing, _report in checks])
    verified = Verification(
        events=report.events,
        streams=report.streams,
        verified=report.verified,
        events_per_s=best,
        rounds_per_s=rates,
        background_cores=_background([timing for timing, _report in checks]),
    )
    return rebuilt, verified, profiles


# -- one backend -------------------------------------------------------------------------------


def run_backend(
    stores: Stores,
    *,
    families: int,
    store_families: int,
    seed: int,
    batch_size: int,
    rounds: int,
    passes: int,
    profile: bool,
    say: Say,
) -> ProtectResult:
    """Every measurement of this part on one backend; an error stops this backend only,
    keeping what it measured before."""
    result = ProtectResult(stores.name, stores.description)
    try:
        say(
            f"... protect on {stores.name}: commands of {families} families, protection on "
            f"and off, {rounds} round(s) each"
        )
        result.throughput, profiles = throughput(
            stores, families=families, seed=seed, rounds=rounds, profile=profile
        )
        if profiles:
            result.profiles["commands"] = profiles
        result.rebuild, result.verify, profiles = rebuild_and_verify(
            stores,
            families=store_families,
            seed=seed,
            batch_size=batch_size,
            passes=passes,
            profile=profile,
            say=say,
        )
        if profiles:
            result.profiles["rebuild"] = profiles
    except Exception as error:  # keep what was measured, and the other backend's figures
        result.error = f"{type(error).__name__}: {error}"
        say(f"... protect on {stores.name} stopped: {result.error}")
    result.judge()
    return result


# -- the table ---------------------------------------------------------------------------------


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _ratio(value: float | None, met: bool | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}" + ("" if met is None else (" met" if met else " BELOW"))


def protect_table(part: ProtectPart) -> str:
    results = part.backends
    width = 20
    lines = [
        "",
        "Protect the journey: personal data sealed + hash chain (on) against neither (off); "
        f"best of {part.rounds} run(s) per side for commands, of {part.passes} for rebuilds "
        "and verification",
        f"  {'':<40}" + "".join(f"{r.store:>{width}}" for r in results) + "  goal",
    ]

    def row(label: str, cell: Callable[[ProtectResult], str], goal: str = "") -> None:
        lines.append(f"  {label:<40}" + "".join(f"{cell(r):>{width}}" for r in results) + goal)

    def t(r: ProtectResult) -> Throughput | None:
        return r.throughput

    def b(r: ProtectResult) -> Rebuild | None:
        return r.rebuild

    def v(r: ProtectResult) -> Verification | None:
        return r.verify

    row("commands, 1 per transaction", lambda r: _n(t(r), lambda x: f"{x.commands:,}"))
    row("  on, commands/s", lambda r: _rate(_get(t(r), "on_commands_per_s")))
    row("  off, commands/s", lambda r: _rate(_get(t(r), "off_commands_per_s")))
    row(
        "  on / off",
        lambda r: _ratio(_get(t(r), "ratio"), r.goals_met.get("command_ratio")),
        f"  >= {GOAL_COMMAND_RATIO:.2f}",
    )
    row(
        "  mean stored event on / off, B",
        lambda r: _n(t(r), lambda x: f"{x.on_bytes_per_event:,.0f} / {x.off_bytes_per_event:,.0f}"),
    )
    row("rebuild of all views: events per store", lambda r: _n(b(r), lambda x: f"{x.events:,}"))
    row("  on, events/s", lambda r: _rate(_get(b(r), "on_events_per_s")))
    row("  off, events/s", lambda r: _rate(_get(b(r), "off_events_per_s")))
    row(
        "  on / off",
        lambda r: _ratio(_get(b(r), "ratio"), r.goals_met.get("rebuild_ratio")),
        f"  >= {GOAL_REBUILD_RATIO:.2f}",
    )
    row(
        "  events with personal data (sealed)", lambda r: _n(b(r), lambda x: f"{x.sealed_events:,}")
    )
    row(
        "verification of the on store, events/s",
        lambda r: _rate(_get(v(r), "events_per_s")),
        "  (journeys verify)",
    )
    row("  streams, all verified", lambda r: _n(v(r), lambda x: f"{x.streams:,}"))
    row("other load during timed runs, cores", _cores, "  (a shared machine)")
    lines.append(
        "  on: settings' defaults (encrypt_personal_data, hash_chain); off: both false. "
        "Commands: the library comparison's workload, a fresh store per run; rebuilds: a "
        "store written by the same workload per side, opened afresh for each pass"
    )
    for result in results:
        extra = ""
        if result.throughput is not None and result.rebuild is not None:
            extra = (
                f"; {result.throughput.families} families for the commands, "
                f"{result.rebuild.families:,} per rebuilt store (written in "
                + " and ".join(f"{s:,.1f} s {k}" for k, s in result.rebuild.write_seconds.items())
                + ")"
            )
        lines.append(f"  {result.store}: {result.description}{extra}")
        if result.error:
            lines.append(f"    STOPPED: {result.error}")
    for result in results:
        for what, profiles in result.profiles.items():
            lines.append("")
            lines.append(
                f"Where the time goes: {result.store}, {what}, protection on against off (cProfile)"
            )
            lines.append(
                render(profiles["on"], profiles["off"], names=("on", "off"), per="command or event")
            )
    return "\n".join(lines)


def _get(found: Any, name: str) -> float | None:
    return None if found is None else float(getattr(found, name))


def _n(found: T | None, text: Callable[[T], str]) -> str:
    return "n/a" if found is None else text(found)


def _cores(result: ProtectResult) -> str:
    found = [
        part.background_cores
        for part in (result.throughput, result.rebuild, result.verify)
        if part is not None and part.background_cores is not None
    ]
    return f"{max(found):.2f}" if found else "n/a"
