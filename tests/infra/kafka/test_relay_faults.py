"""The relay under faults, on PostgreSQL and a real tansu broker: a frozen broker, a relay
that dies between the broker's acknowledgement and recording its position. Checked by a
plain kafka-python consumer written here: every event arrives, one family's in order, every
escalation exactly once after dropping duplicates by CloudEvents id, no personal data."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.kafka.relay import relay_for
from infra.kafka.topics import ESCALATIONS, EVENTS
from infra.settings import Settings
from tests.support.journey import NOTES
from tests.support.kafka import start_tansu, stop_tansu
from tests.support.relay import PERSONAL, Relayed, first_by_id, read_topic, relayed, wait_caught_up

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def settings(postgres_url: str) -> Settings:
    return Settings(database_url=postgres_url, mode="development")


def escalate(r: Relayed) -> None:
    """One family taken to an escalation with notes (its own commands, each stored)."""
    journey = r.journey().to("lead_assigned")
    journey.raise_escalation(personal=NOTES)


def check_everything_arrived(r: Relayed, families: int) -> dict[str, Any]:
    head = r.journeys.app.position()
    events = read_topic(r.bootstrap, EVENTS, at_least=head)
    escalations = read_topic(r.bootstrap, ESCALATIONS, at_least=families)
    unique = first_by_id(events)
    # Every event once after dedup, each position once.
    positions = {int(dict(rec.headers)["position"]) for rec in events}
    assert positions == set(range(1, head + 1))
    assert len(unique) == head
    # One family's events in order, on one partition.
    versions: dict[str, list[int]] = defaultdict(list)
    partitions: dict[str, set[int]] = defaultdict(set)
    for envelope, record in zip(map(json.loads, (x.value for x in events)), events, strict=True):
        versions[envelope["subject"]].append(envelope["data"]["version"])
        partitions[envelope["subject"]].add(record.partition)
    for family, seen in versions.items():
        firsts = list(dict.fromkeys(seen))
        assert firsts == sorted(firsts), family
        assert len(partitions[family]) == 1
    # Every escalation exactly once per (family, escalation id) after dedup.
    raised = [e["data"] for e in first_by_id(escalations)]
    assert len({(d["family_id"], d["escalation_id"]) for d in raised}) == len(raised) == families
    for record in [*events, *escalations]:
        assert not [p for p in PERSONAL if p in record.value], record.value
    return {"events": len(events), "unique": len(unique), "escalations": len(escalations)}


@pytest.fixture
def broker() -> Iterator[Any]:
    proc, bootstrap = start_tansu()
    try:
        yield proc, bootstrap
    finally:
        proc.send_signal(signal.SIGCONT)
        stop_tansu(proc)


def test_a_frozen_broker_holds_up_no_command_and_every_event_arrives_after(
    settings: Settings, broker: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    proc, bootstrap = broker
    with relayed(settings, broker=bootstrap) as r:
        r.relay.start()
        escalate(r)
        assert wait_caught_up(r, timeout=30).lag_events == 0
        proc.send_signal(signal.SIGSTOP)
        frozen_at, families, took = time.monotonic(), 1, []
        while time.monotonic() - frozen_at < 10:
            started = time.monotonic()
            escalate(r)  # raises if a command failed
            took.append(time.monotonic() - started)
            families += 1
        lag_while_frozen = wait_caught_up(r, timeout=0).lag_events
        proc.send_signal(signal.SIGCONT)
        thawed = time.monotonic()
        status = wait_caught_up(r, timeout=90)
        drained_in = time.monotonic() - thawed
        assert status.lag_events == 0
        r.relay.stop()
        counts = check_everything_arrived(r, families)
    assert lag_while_frozen > 0
    # Commands never wait for the broker (each escalation here is six commands).
    assert statistics.median(took) < 1.0
    with capsys.disabled():
        print(
            f"\nfrozen 10 s: {families} families, escalation median "
            f"{statistics.median(took):.2f} s, slowest {max(took):.2f} s, "
            f"lag {lag_while_frozen} events at thaw, drained in {drained_in:.1f} s, {counts}"
        )


class Killed(BaseException):
    """The relay process dying: nothing after it runs."""


def test_a_relay_killed_after_the_ack_loses_nothing_and_duplicates_are_absorbed(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with relayed(settings.model_copy(update={"relay_batch_size": 7})) as r:
        for _ in range(5):
            escalate(r)
        record = r.relay.positions.record
        calls = 0

        def dies_on_third(position: int, source: str = "store") -> None:
            nonlocal calls
            calls += 1
            if calls == 3:
                raise Killed
            record(position, source)

        r.relay.positions.record = dies_on_third  # type: ignore[method-assign]
        with pytest.raises(Killed):
            r.relay.drain(timeout=30)
        died_at = r.relay.positions.get().position
        r.relay.broker.close()

        restarted = relay_for(r.journeys)  # a new process: a new producer, the same table
        try:
            restarted.drain(timeout=30)
        finally:
            restarted.broker.close()
        counts = check_everything_arrived(r, 5)
        head = r.journeys.app.position()
    assert 0 < died_at < head
    assert counts["events"] > counts["unique"]  # the batch acked but not recorded, twice
    with capsys.disabled():
        print(f"\nkilled after the ack at position {died_at}: {counts}")


def test_after_a_broker_restart_the_relay_makes_a_new_producer_and_carries_on(
    settings: Settings,
) -> None:
    proc, bootstrap = start_tansu()
    port = int(bootstrap.rsplit(":", 1)[1])
    try:
        with relayed(settings, broker=bootstrap) as r:
            escalate(r)
            r.relay.drain(timeout=30)
            before = r.journeys.app.position()
            stop_tansu(proc)  # memory storage: topics and producer ids are gone
            proc, _ = start_tansu(port=port)
            escalate(r)

            status = r.relay.drain(timeout=60)

            assert status.lag_events == 0
            head = r.journeys.app.position()
            records = read_topic(bootstrap, EVENTS, at_least=head - before)
            positions = {int(dict(rec.headers)["position"]) for rec in records}
            assert positions == set(range(before + 1, head + 1))
    finally:
        stop_tansu(proc)


def test_a_relay_process_killed_mid_stream_loses_nothing_on_restart(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with relayed(settings) as r:
        for _ in range(20):
            escalate(r)
        head = r.journeys.app.position()
        env = {
            **os.environ,
            "PYTHONPATH": str(Path(__file__).parents[3]),
            "JOURNEYS_DATABASE_URL": str(settings.database_url),
            "JOURNEYS_KAFKA_BOOTSTRAP": r.bootstrap,
            "JOURNEYS_RELAY_BATCH_SIZE": "1",
        }
        command = [sys.executable, "-m", "api.cli", "relay", "run"]
        relay = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while r.relay.positions.get().position < head // 3:
                assert time.monotonic() < deadline, "the relay process published nothing"
                time.sleep(0.02)
            relay.send_signal(signal.SIGKILL)
        finally:
            relay.wait(10)
        died_at = r.relay.positions.get().position
        drained = subprocess.run([*command, "--drain", "--timeout", "60"], env=env, check=False)
        counts = check_everything_arrived(r, 20)
    assert drained.returncode == 0
    assert died_at < head
    with capsys.disabled():
        print(f"\nrelay process killed -9 at position {died_at} of {head}: {counts}")
