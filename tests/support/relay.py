"""The Kafka relay in tests: a store and a broker of the test's own, a family whose
escalation goes to another agency, and an independent consumer (plain kafka-python, not the
project's code) that reads everything off a topic."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, cast

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from infra.bootstrap import Journeys, bootstrap
from infra.kafka.relay import Relay, RelayStatus, relay_for, relay_status
from infra.settings import Settings
from tests.support.journey import CHILD, NOTES, PARENT, Clock, Journey, ObservedApplication
from tests.support.kafka import FAST_GROUP, tansu_broker

# What must never be found in a published byte: the test family's names, dates of birth,
# address and notes (tests/support/journey.py).
PERSONAL: tuple[bytes, ...] = tuple(
    str(value).encode()
    for person in (CHILD, PARENT, NOTES)
    for value in (
        person.given_name,
        person.family_name,
        person.date_of_birth,
        person.address,
        person.notes,
    )
    if value is not None
)


@dataclass
class Relayed:
    journeys: Journeys
    relay: Relay
    bootstrap: str
    clock: Clock

    def journey(self) -> Journey:
        """A new family, recorded through the real application service of the store."""
        return Journey(cast(ObservedApplication, self.journeys.app), self.clock)


@contextmanager
def relayed(settings: Settings, *, broker: str | None = None) -> Iterator[Relayed]:
    """A store from `settings`, a broker of its own (or the one at `broker`) with the
    topics made, and a relay."""
    with ExitStack() as stack:
        servers = broker or stack.enter_context(tansu_broker())
        clock = Clock()
        journeys = bootstrap(settings.model_copy(update={"kafka_bootstrap": servers}), clock=clock)
        relay = relay_for(journeys)
        relay.prepare()
        try:
            yield Relayed(journeys, relay, servers, clock)
        finally:
            relay.stop()
            relay.broker.close()
            journeys.close()


def read_topic(bootstrap: str, topic: str, *, at_least: int, timeout: float = 20.0) -> list[Any]:
    """Every record of `topic` from the start, once `at_least` have arrived (or the timeout
    passed): manual assignment of every partition, no group."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        fetch_max_wait_ms=FAST_GROUP["fetch_max_wait_ms"],
    )
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in sorted(parts)])
        consumer.seek_to_beginning()
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while len(records) < at_least and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def envelopes(records: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in records]


def first_by_id(records: list[Any]) -> list[dict[str, Any]]:
    """The envelopes with duplicates dropped by CloudEvents id, the first of each kept."""
    seen: dict[str, dict[str, Any]] = {}
    for envelope in envelopes(records):
        seen.setdefault(envelope["id"], envelope)
    return list(seen.values())


def wait_caught_up(relayed: Relayed, *, timeout: float) -> RelayStatus:
    """Wait until the relay running in the background has published the whole store."""
    deadline = time.monotonic() + timeout
    while True:
        status = relay_status(relayed.journeys.app, relayed.relay.positions)
        if not status.lag_events or time.monotonic() > deadline:
            return status
        time.sleep(0.1)
