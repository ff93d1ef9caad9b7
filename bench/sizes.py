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


FULL = Sizes(
    families=100,
    rounds=3,
    batch_size=50,
    http_seconds=10.0,
    http_families=200,
    http_max_requests=40_000,
    http_workers=(1, 2),
)
QUICK = Sizes(
    families=4,
    rounds=1,
    batch_size=50,
    http_seconds=1.0,
    http_families=16,
    http_max_requests=1_000,
    http_workers=(1,),
)
