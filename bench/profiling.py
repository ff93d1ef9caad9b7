"""cProfile, read two ways: the top functions by own time, and own time summed by area
(the app's domain code, the library, deepcopy, JSON, the database driver, the HTTP stack...),
so that a cost can be put down to something specific."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ROOT = str(Path(__file__).resolve().parent.parent)

OTHER = "other (stdlib, builtins)"

# (substring of "file:function", area), first match wins. Built-ins have file "~".
AREAS: tuple[tuple[str, str], ...] = (
    (f"{ROOT}/domain/", "journeys domain + app service"),
    (f"{ROOT}/bench/", "benchmark driver"),
    (f"{ROOT}/projections/", "journeys projections (view handlers, queries)"),
    (f"{ROOT}/infra/views/projection_runner", "journeys projection runner"),
    (f"{ROOT}/infra/views/store", "journeys view store (documents, tracking)"),
    (f"{ROOT}/infra/", "journeys infra (tokens, settings)"),
    (f"{ROOT}/api/", "journeys api (routes, deps, schemas)"),
    ("copy.py", "deepcopy (cache copies)"),
    ("sqlite3", "sqlite3 driver + I/O"),
    ("psycopg", "psycopg driver + I/O"),
    ("/json/", "json encode/decode"),
    ("_json", "json encode/decode"),
    ("eventsourcing/persistence", "eventsourcing persistence (mapper, transcoder)"),
    ("eventsourcing/postgres", "eventsourcing recorder (postgres)"),
    ("eventsourcing/sqlite", "eventsourcing recorder (sqlite)"),
    ("eventsourcing/", "eventsourcing domain/application"),
    ("/uvicorn/", "uvicorn (server)"),
    ("/h11/", "h11 (HTTP/1.1 parsing)"),
    ("/starlette/", "starlette (routing, responses)"),
    ("/fastapi/", "fastapi (dependencies, validation glue)"),
    ("pydantic", "pydantic"),
    ("/jwt/", "PyJWT (token verify)"),
    ("hmac", "PyJWT (token verify)"),
    ("/anyio/", "anyio (thread hand-off)"),
    ("asyncio", "asyncio event loop"),
    ("selectors", "asyncio event loop"),
    ("socket", "sockets (send/recv)"),
    ("uuid", "uuid"),
    ("dataclasses.py", "dataclasses"),
    ("<string>", "dataclasses"),  # generated __init__/__eq__ of dataclasses and events
    ("datetime", "datetime"),
    ("threading.py", "locks/threading"),
    ("queue.py", "locks/threading"),
    ("lock", "locks/threading"),
    ("select.epoll", "asyncio event loop"),
    ("posix.urandom", "uuid"),
)


@dataclass(frozen=True)
class FunctionCost:
    function: str
    calls: int
    own_seconds: float
    cumulative_seconds: float


@dataclass(frozen=True)
class Profile:
    """Where a run's time went, per command."""

    commands: int
    total_seconds: float
    areas: dict[str, float]
    """Own time per area, in microseconds per command, largest first."""
    top: list[FunctionCost]


def area_of(filename: str, name: str) -> str:
    where = f"{filename}:{name}"
    for needle, area in AREAS:
        if needle in where:
            return area
    return OTHER


def _label(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    short = "/".join(filename.split("/")[-2:])
    return f"{short}:{line}({name})"


class _Attribution:
    """Own time of a generic function (a built-in, typing, contextlib...) is charged to the
    areas of its callers, in proportion to the time each caller spent in it."""

    def __init__(self, raw: dict[tuple[str, int, str], Any], *, depth: int = 6) -> None:
        self.raw = raw
        self.depth = depth
        self.memo: dict[tuple[tuple[str, int, str], int], dict[str, float]] = {}

    def shares(self, key: tuple[str, int, str], depth: int = 0) -> dict[str, float]:
        area = area_of(key[0], key[2])
        if area != OTHER or depth >= self.depth:
            return {area: 1.0}
        memo_key = (key, depth)
        if memo_key in self.memo:
            return self.memo[memo_key]
        self.memo[memo_key] = {OTHER: 1.0}  # guards recursion through cycles
        callers = self.raw[key][4] if key in self.raw else {}
        weights = {caller: float(entry[2]) for caller, entry in callers.items()}
        total = sum(weights.values())
        if total <= 0:
            result = {OTHER: 1.0}
        else:
            result = {}
            for caller, weight in weights.items():
                for name, share in self.shares(caller, depth + 1).items():
                    result[name] = result.get(name, 0.0) + share * weight / total
        self.memo[memo_key] = result
        return result


def summarize(source: cProfile.Profile | Path, *, commands: int, top: int = 15) -> Profile:
    stats = pstats.Stats(str(source)) if isinstance(source, Path) else pstats.Stats(source)
    raw: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    attribution = _Attribution(raw)
    areas: dict[str, float] = {}
    costs = []
    for key, (_cc, calls, own, cumulative, _callers) in raw.items():
        for area, share in attribution.shares(key).items():
            areas[area] = areas.get(area, 0.0) + own * share
        costs.append(FunctionCost(_label(key), calls, own, cumulative))
    per_command = {
        a: s * 1e6 / max(commands, 1) for a, s in sorted(areas.items(), key=lambda i: -i[1])
    }
    costs.sort(key=lambda c: -c.own_seconds)
    return Profile(commands, sum(areas.values()), per_command, costs[:top])


def profiled(run: Callable[[], T], *, commands: int) -> tuple[T, Profile]:
    profiler = cProfile.Profile()
    result = profiler.runcall(run)
    return result, summarize(profiler, commands=commands)


def render(
    app: Profile, bare: Profile, *, names: tuple[str, str] = ("app", "bare"), per: str = "command"
) -> str:
    """Own time per command by area, one side (`names[0]`) next to the other, then the first
    side's top functions."""
    first, second = names
    lines = [
        f"  own time per {per}, by area (cProfile; absolute figures inflated by profiling)",
        f"  {'area':<48}{first + ' µs':>9}{second + ' µs':>9}{'extra':>9}",
    ]
    areas = sorted(
        set(app.areas) | set(bare.areas),
        key=lambda a: -(app.areas.get(a, 0.0) - bare.areas.get(a, 0.0)),
    )
    for name in areas:
        a, b = app.areas.get(name, 0.0), bare.areas.get(name, 0.0)
        if a < 1 and b < 1:
            continue
        lines.append(f"  {name:<48}{a:>9.0f}{b:>9.0f}{a - b:>+9.0f}")
    a_total = app.total_seconds * 1e6 / max(app.commands, 1)
    b_total = bare.total_seconds * 1e6 / max(bare.commands, 1)
    lines.append(f"  {'total':<48}{a_total:>9.0f}{b_total:>9.0f}{a_total - b_total:>+9.0f}")
    lines.append(f"  {first}: top functions by own time")
    lines.append(f"  {'function':<72}{'calls':>9}{'own s':>8}{'cum s':>8}")
    for cost in app.top:
        lines.append(
            f"  {cost.function[:72]:<72}{cost.calls:>9}{cost.own_seconds:>8.3f}"
            f"{cost.cumulative_seconds:>8.3f}"
        )
    return "\n".join(lines)
