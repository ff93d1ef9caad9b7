"""Projections fed from Kafka (infra.kafka.projector), on PostgreSQL and a real tansu broker:
the views equal the store-fed ones for the same history, with one worker, two workers in one
group, a worker joining mid-stream (a rebalance), a copy of every record, and a worker
process killed with SIGKILL mid-stream and restarted. An event applied twice would show:
a family's timeline would list its entry twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from kafka.structs import TopicPartition

from infra.bootstrap import Journeys, bootstrap
from infra.kafka.projector import GROUP, KafkaProjector, kafka_sources
from infra.kafka.topics import EVENTS
from infra.settings import Settings
from infra.views.store import ViewStore
from projections.base import Doc, replay
from tests.support.cli import run
from tests.support.counting import WORKER_CONSUMER, counted_projections
from tests.support.kafka import FAST_GROUP, true_end_offsets
from tests.support.postgres import PostgresServer, fresh_database
from tests.support.relay import Relayed, relayed

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PARTITIONS = 4


@pytest.fixture
def settings(postgres_url: str) -> Settings:
    return Settings(
        database_url=postgres_url, mode="development", kafka_events_partitions=PARTITIONS
    )


def record_families(r: Relayed, count: int) -> None:
    for n in range(count):
        r.journey().to(("lead_assigned", "planned", "closed")[n % 3])


def worker(
    journeys: Journeys, *, store: ViewStore | None = None, bootstrap: str, group: str = GROUP
) -> KafkaProjector:
    projector = KafkaProjector(
        journeys.app,
        store or journeys.views,
        counted_projections(),
        bootstrap=bootstrap,
        group=group,
        batch_size=50,
        consumer_config=WORKER_CONSUMER,
    )
    projector.prepare()
    return projector


def ends(bootstrap: str) -> dict[int, int]:
    tps = [TopicPartition(EVENTS, p) for p in range(PARTITIONS)]
    return {tp.partition: end for tp, end in true_end_offsets(bootstrap, tps).items() if end}


def caught_up(store: ViewStore, names: Sequence[str], end: dict[int, int]) -> bool:
    for name in names:
        live = store.live(name)
        if live is None or kafka_sources(store.tracking(live.view_id)) != end:
            return False
    return True


def poll_until_caught_up(
    r: Relayed, workers: Sequence[KafkaProjector], store: ViewStore, timeout: float = 60
) -> None:
    """Run the workers (each in a thread, polling as a worker process does) until every
    view has applied every partition to its end; then stop them."""
    end = ends(r.bootstrap)
    names = list(workers[0].projections)
    deadline = time.monotonic() + timeout
    for w in workers:
        w.start()
    try:
        while not caught_up(store, names, end):
            assert time.monotonic() < deadline, "the Kafka-fed views did not catch up"
            time.sleep(0.05)
    finally:
        for w in workers:
            w.stop()


def docs_of(store: ViewStore, names: Sequence[str]) -> dict[str, dict[str, Doc]]:
    return {name: dict(store.read_tagged(name, None)[1]) for name in names}


def replayed(journeys: Journeys) -> dict[str, dict[str, Doc]]:
    """Every view as the store's whole log builds it, in memory."""
    app = journeys.app
    notes = app.recorder.select_notifications(start=1, limit=1_000_000)
    events = [app.mapper.to_domain_event(n) for n in notes]
    return {p.name: replay(p, events).docs for p in counted_projections()}


@pytest.fixture
def other_views(postgres_server: PostgresServer) -> Iterator[Journeys]:
    """A second database, whose views the Kafka-fed worker writes."""
    with fresh_database(postgres_server) as name:
        other = bootstrap(Settings(database_url=postgres_server.url(name), mode="development"))
        try:
            yield other
        finally:
            other.close()


def test_views_fed_from_kafka_equal_the_views_fed_from_the_store(
    settings: Settings, other_views: Journeys
) -> None:
    with relayed(settings) as r:
        record_families(r, 6)
        r.relay.drain(timeout=30)
        r.journeys.runner.ensure_views()
        r.journeys.runner.catch_up()  # the store-fed views, in the first database
        w = worker(r.journeys, store=other_views.views, bootstrap=r.bootstrap)
        try:
            poll_until_caught_up(r, [w], other_views.views)
        finally:
            w.close()
        names = list(r.journeys.runner.projections)  # the catalogue's: the runner's views
        from_store = docs_of(r.journeys.views, names)
        from_kafka = docs_of(other_views.views, names)
    assert from_kafka == from_store
    assert len(from_kafka["timeline"]) == 6


def test_a_view_the_store_has_fed_is_not_fed_from_kafka_too(settings: Settings) -> None:
    with relayed(settings) as r:
        record_families(r, 2)
        r.journeys.runner.ensure_views()
        r.journeys.runner.catch_up()  # the store-fed views
        projector = KafkaProjector(
            r.journeys.app,
            r.journeys.views,
            [r.journeys.runner.projections["timeline"]],
            bootstrap=r.bootstrap,
            consumer_config=WORKER_CONSUMER,
        )
        with pytest.raises(ValueError, match="timeline view is fed from the store"):
            projector.prepare()
        live = r.journeys.views.live("timeline")
        assert live is not None
        fed = r.journeys.views.tracking(live.view_id)
    assert fed["store"] > 0
    assert kafka_sources(fed) == {}  # nothing was tracked from Kafka


def test_two_workers_share_the_partitions_and_apply_every_event_once(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with relayed(settings) as r:
        record_families(r, 12)
        r.relay.drain(timeout=30)
        workers = [worker(r.journeys, bootstrap=r.bootstrap) for _ in range(2)]
        try:
            started = time.monotonic()
            poll_until_caught_up(r, workers, r.journeys.views)
            took = time.monotonic() - started
            names = list(workers[0].projections)
            assert docs_of(r.journeys.views, names) == replayed(r.journeys)
            shares = [sorted(w.assigned) for w in workers]
        finally:
            for w in workers:
                w.close()
        head = r.journeys.app.position()
        end = ends(r.bootstrap)
        env = {
            "JOURNEYS_DATABASE_URL": str(settings.database_url),
            "JOURNEYS_MODE": "development",
            "JOURNEYS_KAFKA_BOOTSTRAP": r.bootstrap,
        }
        code, out, _ = run(env, "projections", "status", "--json")
    statuses = {s["name"]: s for s in json.loads(out)}
    expected = [{"topic": EVENTS, "partition": p, "offset": o} for p, o in sorted(end.items())]
    assert statuses["timeline"]["kafka"] == statuses["caseload"]["kafka"] == expected
    # A monitor sees Kafka-fed views caught up, measured in records of the topic.
    assert code == 0, out
    assert {s["source"] for s in statuses.values()} == {"kafka"}
    assert {(s["health"], s["lag_events"]) for s in statuses.values()} == {("caught up", 0)}
    assert statuses["timeline"]["head"] == sum(end.values()) == head
    assert all(shares)
    assert not set(shares[0]) & set(shares[1])
    assert sorted(shares[0] + shares[1]) == list(range(PARTITIONS))
    with capsys.disabled():
        print(f"\ntwo workers: {head} events, partitions {shares}, caught up in {took:.1f} s")


def test_a_second_worker_joining_mid_stream_loses_and_doubles_nothing(settings: Settings) -> None:
    with relayed(settings) as r:
        r.relay.start()
        first = worker(r.journeys, bootstrap=r.bootstrap)
        second = worker(r.journeys, bootstrap=r.bootstrap)
        try:
            first.start()
            for round_ in range(8):
                record_families(r, 2)
                if round_ == 3:  # joins with the stream under way: a rebalance
                    second.start()
                time.sleep(0.3)
            r.relay.stop()
            r.relay.drain(timeout=30)
            poll_until_caught_up(r, [first, second], r.journeys.views)
            names = list(first.projections)
            assert docs_of(r.journeys.views, names) == replayed(r.journeys)
            assert first.applied
            assert second.applied
        finally:
            first.close()
            second.close()


def test_workers_of_two_groups_on_the_same_views_still_apply_every_event_once(
    settings: Settings,
) -> None:
    # The worst of a rebalance overlap, all the time: every partition held by two workers
    # at once. The views' compare-and-set turns the later one away, and it reads again.
    with relayed(settings) as r:
        r.relay.start()
        workers = [worker(r.journeys, bootstrap=r.bootstrap, group=g) for g in ("a", "b")]
        try:
            for w in workers:
                w.start()
            record_families(r, 12)
            r.relay.stop()
            r.relay.drain(timeout=30)
            poll_until_caught_up(r, workers, r.journeys.views)
            names = list(workers[0].projections)
            assert docs_of(r.journeys.views, names) == replayed(r.journeys)
        finally:
            for w in workers:
                w.close()


def test_copies_of_published_records_are_applied_once(settings: Settings) -> None:
    with relayed(settings) as r:
        record_families(r, 4)
        r.relay.drain(timeout=30)
        # The relay publishing everything a second time, as after a failed batch.
        copies, _ = r.relay.messages(0)
        r.relay.broker.publish(copies)
        w = worker(r.journeys, bootstrap=r.bootstrap)
        try:
            poll_until_caught_up(r, [w], r.journeys.views)
            names = list(w.projections)
            assert sum(ends(r.bootstrap).values()) == 2 * r.journeys.app.position()
            assert docs_of(r.journeys.views, names) == replayed(r.journeys)
        finally:
            w.close()


WORKER = [sys.executable, "-c", "from tests.support.counting import serve; serve()"]
PROJECT = [sys.executable, "-m", "api.cli", "project", "--from", "kafka"]


def project_process(
    settings: Settings, bootstrap: str, command: Sequence[str]
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parents[3]),
        "JOURNEYS_DATABASE_URL": str(settings.database_url),
        "JOURNEYS_KAFKA_BOOTSTRAP": bootstrap,
        "JOURNEYS_KAFKA_EVENTS_PARTITIONS": str(PARTITIONS),
        "JOURNEYS_PROJECTIONS": "external",
        "JOURNEYS_KAFKA_SESSION_TIMEOUT_MS": str(FAST_GROUP["session_timeout_ms"]),
        "JOURNEYS_KAFKA_HEARTBEAT_INTERVAL_MS": str(FAST_GROUP["heartbeat_interval_ms"]),
        "JOURNEYS_KAFKA_FETCH_MAX_WAIT_MS": str(FAST_GROUP["fetch_max_wait_ms"]),
    }
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


def applied_records(store: ViewStore, name: str) -> int:
    live = store.live(name)
    return sum(kafka_sources(store.tracking(live.view_id)).values()) if live else 0


def test_a_worker_killed_mid_stream_and_restarted_loses_and_doubles_nothing(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with relayed(settings.model_copy(update={"relay_batch_size": 5})) as r:
        record_families(r, 15)
        r.relay.drain(timeout=30)
        total = sum(ends(r.bootstrap).values())
        proc = project_process(settings, r.bootstrap, WORKER)
        try:
            deadline = time.monotonic() + 60
            while applied_records(r.journeys.views, "event_counts") < total // 4:
                assert time.monotonic() < deadline, "the worker process applied nothing"
                assert proc.poll() is None, "the worker process ended"
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            killed_at = applied_records(r.journeys.views, "event_counts")
            proc = project_process(settings, r.bootstrap, WORKER)
            deadline = time.monotonic() + 90
            names = [p.name for p in counted_projections()]
            while not caught_up(r.journeys.views, names, ends(r.bootstrap)):
                assert time.monotonic() < deadline, "the restarted worker did not catch up"
                time.sleep(0.1)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        assert docs_of(r.journeys.views, names) == replayed(r.journeys)
    assert 0 < killed_at < total
    with capsys.disabled():
        print(f"\nkilled -9 at {killed_at} of {total} records; restarted: views equal a replay")


def test_journeys_project_from_kafka_feeds_the_views_it_is_given_until_stopped(
    settings: Settings,
) -> None:
    names = ["timeline", "caseload"]
    with relayed(settings) as r:
        record_families(r, 4)
        r.relay.drain(timeout=30)
        proc = project_process(settings, r.bootstrap, [*PROJECT, "--views", ",".join(names)])
        try:
            deadline = time.monotonic() + 60
            while not caught_up(r.journeys.views, names, ends(r.bootstrap)):
                assert time.monotonic() < deadline, "the worker did not catch up"
                assert proc.poll() is None, "the worker process ended"
                time.sleep(0.1)
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        everything = replayed(r.journeys)
        assert docs_of(r.journeys.views, names) == {n: everything[n] for n in names}
        assert r.journeys.views.live("journey") is None  # not given: not made
    assert code == 0
