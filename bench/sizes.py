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
    protect_families: int
    """Families whose commands are timed with protection on and off (about 33 each)."""
    protect_store_families: int
    """Families in each store rebuilt and verified with protection on and off (about 33
    events each)."""
    protect_rounds: int
    """Timed runs of the commands per side, protection on and off; the best is kept."""
    protect_passes: int
    """Timed rebuilds per side, and verifications; the best is kept."""


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
    protect_families=100,
    protect_store_families=1_500,
    protect_rounds=3,
    protect_passes=2,
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
    protect_families=3,
    protect_store_families=6,
    protect_rounds=1,
    protect_passes=1,
)
