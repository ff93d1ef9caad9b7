"""Fixtures for the domain tests: a standing clock, and a family's journey built through
the real application service on the in-memory (POPO) recorder."""

from __future__ import annotations

import pytest

from tests.support.journey import Clock, Journey, new_journey


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def journey(clock: Clock) -> Journey:
    """A family not yet registered: `journey.to("planned")` and so on take it further."""
    return new_journey(clock=clock)
