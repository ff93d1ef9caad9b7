"""The projection engine, on SQLite and on PostgreSQL: every event counted exactly once,
whatever fails, whoever else runs, and however often a view is rebuilt."""

from __future__ import annotations

import gc
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from domain.family import Family
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings
from infra.views import store as views_module
from infra.views.projection_runner import ProjectionRunner, fewer_collections
from infra.views.store import ViewNotReadyError
from projections.base import Documents, Event, Projection
from simulation.simulator import Simulation

START = datetime(2023, 1, 2, tzinfo=UTC)


class EventCounts(Projection):
    """Counts each family's events by type: any loss or double count shows."""

    name = "counts"
    version = 1

    def __init__(self) -> None:
        self.fail_on: str | None = None  # an event type to refuse, to test failures

    def apply(self, event: Event, docs: Documents) -> None:
        kind = type(event).__name__
        if kind == self.fail_on:
            raise ValueError("Zinnia Quartermaine must never reach a log")
        doc = docs.get(self.key(event)) or {"counts": {}, "positions": 0}
        doc["counts"][kind] = doc["counts"].get(kind, 0) + 1
        area = event.area if isinstance(event, Family.Registered) else doc.get("area", "")
        doc["area"] = area
        docs.put(self.key(event), doc, tag=area)


def replayed_counts(journeys: Journeys) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {}
    for family_id in journeys.app.iter_family_ids():
        counts[str(family_id)] = Counter(
            type(e).__name__ for e in journeys.app.family_events(family_id)
        )
    return {key: dict(value) for key, value in counts.items()}


def viewed_counts(journeys: Journeys, name: str = "counts") -> dict[str, dict[str, int]]:
    _, docs = journeys.views.read_tagged(name, None)
    return {key: doc["counts"] for key, doc in docs}


class ProjectionEngineContract:
    """Subclassed once per database."""

    settings: ClassVar[Any]

    @pytest.fixture
    def make(self, settings: Settings) -> Iterator[Any]:
        built: list[Journeys] = []

        def make(*projections: Projection) -> Journeys:
            journeys = bootstrap(settings)
            journeys.runner = ProjectionRunner(journeys.app, journeys.views, projections)
            journeys.app.on_saved.append(journeys.runner.wake)
            journeys.runner.ensure_views()
            built.append(journeys)
            return journeys

        yield make
        for journeys in built:
            journeys.close()

    def simulate(self, journeys: Journeys, families: int = 12, seed: int = 3) -> None:
        simulation = Simulation(seed=seed, start=START)
        journeys.app.clock = simulation.clock
        journeys.app.new_id = simulation.new_id
        simulation.run(journeys.app, families=families, years=0.6)

    def test_incremental_view_equals_replay(self, make: Any) -> None:
        journeys = make(EventCounts())
        self.simulate(journeys)
        journeys.runner.catch_up()
        assert viewed_counts(journeys) == replayed_counts(journeys)
        [status] = journeys.runner.status()
        assert (status.lag_events, status.health) == (0, "caught up")
        assert status.position == journeys.app.position()

    def test_a_failing_event_stops_the_view_there_and_is_never_skipped(self, make: Any) -> None:
        failing = EventCounts()
        failing.fail_on = "AssessmentCompleted"
        journeys = make(failing)
        self.simulate(journeys)
        journeys.runner.catch_up()
        [status] = journeys.runner.status()
        assert status.health == "failing"
        assert status.failures == 1
        assert status.lag_events > 0
        assert status.last_error is not None
        assert "AssessmentCompleted" in status.last_error
        assert "Zinnia" not in status.last_error  # messages may hold personal data
        # Everything before the failing event was applied; nothing after it.
        counts = viewed_counts(journeys)
        assert not any("AssessmentCompleted" in c for c in counts.values())
        failing.fail_on = None  # the bug is fixed; the retry after the backoff succeeds
        journeys.runner.backoff = (0.0, 0.0)
        journeys.views.record_failure(status_view_id(journeys), error="x", retry_at=0)
        journeys.runner.catch_up()
        assert viewed_counts(journeys) == replayed_counts(journeys)
        assert journeys.runner.status()[0].health == "caught up"

    def test_two_runners_on_one_view_count_every_event_once(self, make: Any) -> None:
        first = make(EventCounts())
        second = make(EventCounts())
        self.simulate(first, families=20)
        threads = [threading.Thread(target=j.runner.catch_up) for j in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        first.runner.catch_up()
        assert viewed_counts(first) == replayed_counts(first)

    def test_rebuild_builds_beside_the_live_view_and_switches(self, make: Any) -> None:
        journeys = make(EventCounts())
        self.simulate(journeys)
        journeys.runner.catch_up()
        before = viewed_counts(journeys)
        live = journeys.views.live("counts")
        seen: list[tuple[int, int]] = []

        def progress(done: int, total: int) -> None:
            seen.append((done, total))
            # While building, readers still see the whole old view.
            assert viewed_counts(journeys) == before

        journeys.runner.rebuild_batch_size = 40
        journeys.runner.rebuild_window = 60  # documents written every 60 events or so
        rebuilt = journeys.runner.rebuild("counts", progress)
        assert live is not None
        assert rebuilt.generation == live.generation + 1
        assert [v.view_id for v in journeys.views.views("counts")] == [rebuilt.view_id]
        assert viewed_counts(journeys) == before
        assert seen[-1] == (journeys.app.position(), journeys.app.position())
        assert len(seen) > 3

    def test_a_rebuild_that_meets_a_failing_event_stops_and_leaves_the_live_view(
        self, make: Any
    ) -> None:
        counts = EventCounts()
        journeys = make(counts)
        self.simulate(journeys)
        journeys.runner.catch_up()
        before = viewed_counts(journeys)
        counts.fail_on = "PlanAgreed"

        with pytest.raises(RuntimeError, match="rebuild of counts stopped: ValueError applying"):
            journeys.runner.rebuild("counts")

        assert viewed_counts(journeys) == before
        [live] = [v for v in journeys.views.views("counts") if v.state == "live"]
        assert live.failures == 0
        counts.fail_on = None
        journeys.runner.rebuild("counts")  # the half-built one is dropped, a new one made
        assert [v.state for v in journeys.views.views("counts")] == ["live"]
        assert viewed_counts(journeys) == before

    def test_a_new_version_is_built_beside_and_replaces_the_old(self, make: Any) -> None:
        journeys = make(EventCounts())
        self.simulate(journeys)
        journeys.runner.catch_up()

        class CountsV2(EventCounts):
            version = 2

        upgraded = make(CountsV2())
        [building] = [v for v in upgraded.views.views("counts") if v.state == "building"]
        assert building.version == 2
        upgraded.runner.catch_up()
        [live] = upgraded.views.views("counts")
        assert (live.version, live.state) == (2, "live")
        assert viewed_counts(upgraded) == replayed_counts(upgraded)

    def test_a_read_waits_for_a_position_and_says_so_when_it_times_out(self, make: Any) -> None:
        journeys = make(EventCounts())
        self.simulate(journeys, families=3)
        target = journeys.app.position()
        with pytest.raises(ViewNotReadyError) as raised:
            journeys.views.wait("counts", target, timeout=0.05)
        assert raised.value.position == 0
        journeys.runner.start()
        started = time.monotonic()
        assert journeys.views.wait("counts", target, timeout=10) >= target
        assert time.monotonic() - started < 5


def status_view_id(journeys: Journeys) -> str:
    live = journeys.views.live("counts")
    assert live is not None
    return live.view_id


class TestWithSQLite(ProjectionEngineContract):
    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return Settings(sqlite_path=tmp_path / "j.sqlite", database_url=None, mode="development")


@pytest.mark.postgres
class TestWithPostgreSQL(ProjectionEngineContract):
    @pytest.fixture
    def settings(self, postgres_url: str) -> Settings:
        return Settings(database_url=postgres_url, mode="development")

    def test_a_reader_in_another_process_is_woken_by_notify_not_a_poll(
        self, make: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        projector = make(EventCounts())
        reader = make(EventCounts())  # another API process: it runs no projections
        monkeypatch.setattr(type(reader.views), "_poll_interval", lambda _: 30.0)
        reader.views.start()
        self.simulate(projector, families=2)
        target = projector.app.position()
        reached: list[int] = []
        waiting = threading.Thread(
            target=lambda: reached.append(reader.views.wait("counts", target, timeout=25))
        )
        waiting.start()
        time.sleep(0.3)
        assert waiting.is_alive()  # the view is not there yet: it waits
        assert not reached
        projector.runner.start()
        waiting.join(timeout=10)  # far sooner than the 30 s poll: woken by NOTIFY
        assert not waiting.is_alive()
        assert reached[0] >= target

    def test_a_long_rebuild_window_is_not_cut_off_by_the_idle_transaction_limit(
        self, make: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A window's documents can take seconds to encode; PostgreSQL ends a session that
        sits idle in a transaction that long, so none of it may happen inside one."""
        limit = "1"  # second; the library's default is 5
        env = Settings.eventsourcing_env
        monkeypatch.setattr(
            Settings,
            "eventsourcing_env",
            lambda self: {**env(self), "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": limit},
        )
        encode = views_module.encode

        def slow(doc: Any) -> str:
            time.sleep(0.15)
            return encode(doc)

        monkeypatch.setattr(views_module, "encode", slow)
        journeys = make(EventCounts())
        self.simulate(journeys, families=12)
        journeys.runner.rebuild("counts")  # 12 documents: 1.8 s of encoding

        assert viewed_counts(journeys) == replayed_counts(journeys)


def test_a_rebuild_leaves_the_garbage_collector_as_it_found_it() -> None:
    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []

    def rebuild_that_fails() -> None:
        with fewer_collections():
            during.append(gc.get_threshold())
            raise RuntimeError("a failing rebuild")

    with pytest.raises(RuntimeError):
        rebuild_that_fails()
    assert during[0][0] > before[0]  # collections were rarer while it ran
    assert gc.get_threshold() == before
