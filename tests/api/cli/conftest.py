"""Each command line test on a store of its own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A store of this test's own, whatever JOURNEYS_* the shell has set."""
    return {
        "JOURNEYS_SQLITE_PATH": str(tmp_path / "journeys.sqlite"),
        "JOURNEYS_DATABASE_URL": "",
        "JOURNEYS_MODE": "development",
    }
