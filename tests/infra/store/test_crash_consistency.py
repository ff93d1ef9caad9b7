"""Kill the projection process (SIGKILL) at random points while it works, restart it, and
compare every view with a replay of the events: nothing lost, nothing counted twice."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from projections.base import replay
from projections.catalogue import all_projections
from simulation.simulator import Simulation

KILLS = 6


def simulate(journeys: Journeys, *, seed: int, families: int) -> None:
    simulation = Simulation(seed=seed, start=datetime(2022, 4, 1, tzinfo=UTC))
    journeys.app.clock = simulation.clock
    journeys.app.new_id = simulation.new_id
    simulation.run(journeys.app, families=families, years=1.5)


def positions(journeys: Journeys) -> dict[str, int]:
    return {v.view_id: v.position for v in journeys.views.views()}


def start_projecting(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "project"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def as_stored(doc: Any) -> Any:
    return json.loads(json.dumps(doc))


def assert_views_equal_replay(journeys: Journeys) -> None:
    families = list(journeys.app.iter_family_ids())
    for projection in all_projections():
        _, stored = journeys.views.read_tagged(projection.name, None)
        expected: dict[str, Any] = {}
        for family_id in families:
            expected.update(replay(projection, journeys.app.family_events(family_id)).docs)
        assert dict(stored) == as_stored(expected), projection.name


class CrashContract:
    @pytest.fixture
    def settings(self) -> Settings:
        raise NotImplementedError

    @pytest.fixture
    def env(self, settings: Settings) -> dict[str, str]:
        raise NotImplementedError

    @pytest.fixture
    def journeys(self, settings: Settings) -> Iterator[Journeys]:
        journeys = bootstrap(settings)
        yield journeys
        journeys.close()

    def test_killed_at_random_points_the_views_equal_a_replay(
        self, journeys: Journeys, env: dict[str, str]
    ) -> None:
        rng = random.Random(20261123)
        simulate(journeys, seed=11, families=40)
        journeys.runner.ensure_views()
        kills = 0
        seen: dict[str, int] = {}
        seeds = iter(range(12, 100))
        for _ in range(KILLS):
            head = journeys.app.position()
            low = min(positions(journeys).values())
            if head - low < 50:  # more events arrive while the projector is down
                simulate(journeys, seed=next(seeds), families=15)
                head = journeys.app.position()
            target = rng.randint(low + 1, head - 1)
            process = start_projecting(env)
            try:
                deadline = time.monotonic() + 60
                while min(positions(journeys).values()) < target:
                    assert process.poll() is None, process.stderr and process.stderr.read()
                    assert time.monotonic() < deadline, "the projector made no progress"
                    time.sleep(0.002)
            finally:
                process.send_signal(signal.SIGKILL)
                process.wait()
            kills += 1
            now = positions(journeys)
            # A view never goes back, and was mid-way when killed.
            assert all(now[v] >= seen.get(v, 0) for v in now)
            seen = now
        assert kills == KILLS
        assert min(seen.values()) < journeys.app.position()
        journeys.runner.catch_up()  # the restart that finishes the job
        assert min(positions(journeys).values()) == journeys.app.position()
        assert_views_equal_replay(journeys)


def child_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYS_")}
    # Small batches: many commits, so the kills land at many different instants.
    return {**env, "JOURNEYS_PROJECTION_BATCH_SIZE": "5", **values}


class TestWithSQLite(CrashContract):
    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return Settings(sqlite_path=tmp_path / "j.sqlite", database_url=None, mode="development")

    @pytest.fixture
    def env(self, settings: Settings) -> dict[str, str]:
        return child_env(JOURNEYS_SQLITE_PATH=str(settings.sqlite_path))


@pytest.mark.postgres
class TestWithPostgreSQL(CrashContract):
    @pytest.fixture
    def settings(self, postgres_url: str) -> Settings:
        return Settings(database_url=postgres_url, mode="development")

    @pytest.fixture
    def env(self, postgres_url: str) -> dict[str, str]:
        return child_env(JOURNEYS_DATABASE_URL=postgres_url)
