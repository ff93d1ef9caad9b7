"""A view that shows an event applied twice (or lost): each family's events counted and
listed by version. The Kafka-fed projection tests feed it beside the real views, and a
worker process of theirs runs from here (`python -c "...; serve()"`)."""

from __future__ import annotations

from typing import Any

from infra.bootstrap import bootstrap
from infra.kafka.projector import KafkaProjector
from infra.settings import Settings
from projections.base import Documents, Projection
from projections.catalogue import all_projections
from tests.support.kafka import TEST_CONSUMER

WORKER_CONSUMER = {k: v for k, v in TEST_CONSUMER.items() if k != "allow_auto_create_topics"}


class EventCounts(Projection):
    """Per family: how many of its events were applied, and their versions in order."""

    name = "event_counts"
    version = 1

    def apply(self, event: Any, docs: Documents) -> None:
        key = self.key(event)
        doc = docs.get(key) or {"count": 0, "versions": []}
        versions = [*doc["versions"], event.originator_version]
        docs.put(key, {"count": doc["count"] + 1, "versions": versions})


def counted_projections() -> list[Projection]:
    """Every view of the catalogue and the counting one."""
    return [*all_projections(), EventCounts()]


def serve() -> None:  # pragma: no cover - runs in the worker process of a test
    """A Kafka-fed worker of every test projection, with settings from the environment,
    small batches and the test group timings, until killed."""
    settings = Settings()
    journeys = bootstrap(settings)
    assert settings.kafka_bootstrap is not None
    projector = KafkaProjector(
        journeys.app,
        journeys.views,
        counted_projections(),
        bootstrap=settings.kafka_bootstrap,
        batch_size=10,
        consumer_config=WORKER_CONSUMER,
    )
    projector.prepare()
    projector.run_forever()
