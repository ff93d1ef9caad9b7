"""How big each part of a benchmark run is: the full run, and --quick for a smoke test."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    families: int
    """Families in the library comparison (about 30 commands each)."""
    rounds: int
    """Timed rounds per side and mode; the best is kept."""
    batch_size: int
    """Commands per transaction in the batched mode."""
    http_seconds: float
    """Length of each HTTP load (and, up to 5 s, of each in-process writers run)."""
    http_families: int
    http_max_requests: int
    """A cap on the requests of one HTTP load, whatever the time."""
    http_workers: tuple[int, ...]
    """uvicorn worker counts to load in turn."""
    view_events: int
    """Events in the store the views are rebuilt from (--size overrides it)."""
    view_queries: int
    """Random families whose timeline is read, in-process and over HTTP."""
    view_commands: int
    """Commands whose read-your-writes lag is measured."""
    view_profile_events: int
    """Events in the store a rebuild is profiled on (--profile)."""


FULL = Sizes(
    families=100,
    rounds=3,
    batch_size=50,
    http_seconds=10.0,
    http_families=200,
    http_max_requests=40_000,
    http_workers=(1, 2),
    view_events=1_000_000,
    view_queries=2_000,
    view_commands=300,
    view_profile_events=100_000,
)
QUICK = Sizes(
    families=4,
    rounds=1,
    batch_size=50,
    http_seconds=1.0,
    http_families=16,
    http_max_requests=1_000,
    http_workers=(1,),
    view_events=3_000,
    view_queries=50,
    view_commands=10,
    view_profile_events=3_000,
)
