"""What the broker holds, read off it: the end offset of every partition of a topic.

Two readers use it: the status of a view fed from Kafka (`journeys project --from kafka`),
measured in offsets of journeys.events.v1 against what the relay has published, since its
`store` position stays 0; and the number of dead letters waiting on journeys.deadletter.v1.
One consumer without a group, made on first use and kept, so a scrape of /metrics or a
/health probe does not open a connection each time; after a broker error it is made again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import replace

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import TopicPartition

from infra.kafka.projector import kafka_sources
from infra.kafka.topics import EVENTS
from infra.views.projection_runner import ViewStatus
from infra.views.store import ViewStore

logger = logging.getLogger(__name__)


class TopicEnds:
    """End offsets of the partitions of topics on one cluster. Safe to share between threads."""

    def __init__(self, bootstrap: str, *, timeout_ms: int = 3000) -> None:
        self.bootstrap = bootstrap
        self.timeout_ms = timeout_ms
        self._consumer: KafkaConsumer | None = None
        self._lock = threading.Lock()

    def _open(self) -> KafkaConsumer:
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                client_id="journeys-offsets",
                enable_auto_commit=False,
                fetch_max_wait_ms=10,  # a high watermark, not records, is what it waits for
                # A /health probe with the broker down answers in seconds, not half a minute.
                bootstrap_timeout_ms=self.timeout_ms,
                request_timeout_ms=self.timeout_ms + 1000,
                session_timeout_ms=self.timeout_ms,  # no group; kept below the request timeout
                heartbeat_interval_ms=max(1, self.timeout_ms // 3),
            )
        return self._consumer

    def _read(self, topic: str) -> tuple[dict[int, int], dict[int, int]]:
        consumer = self._open()
        found = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not found:
            return {}, {}
        starts = consumer.beginning_offsets(found)
        return (
            {tp.partition: int(o) for tp, o in starts.items()},
            {tp.partition: o for tp, o in self._high_watermarks(consumer, found).items()},
        )

    def _high_watermarks(
        self, consumer: KafkaConsumer, found: list[TopicPartition]
    ) -> dict[TopicPartition, int]:
        """Each partition's end, from a Fetch response's high watermark. Not `end_offsets()`:
        the development broker (tansu) answers ListOffsets(LATEST) with the newest batch's
        base offset + 1 (../shared/kafka-broker.md); the high watermark is right on both."""
        consumer.assign(found)
        for tp, offset in consumer.end_offsets(found).items():  # at most the true end
            consumer.seek(tp, offset)
        deadline = time.monotonic() + self.timeout_ms / 1000
        while any(consumer.highwater(tp) is None for tp in found):
            if time.monotonic() > deadline:
                msg = "no fetch response"
                raise TimeoutError(msg)
            consumer.poll(timeout_ms=50, max_records=1)
        return {tp: int(consumer.highwater(tp)) for tp in found}

    def ends_of(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        """The end of each of `partitions` (KafkaError, OSError when the broker fails)."""
        with self._lock:
            return self._high_watermarks(self._open(), partitions)

    def offsets(self, topic: str) -> tuple[dict[int, int], dict[int, int]] | None:
        """Each partition's first and next offsets (empty: no such topic); None when the
        broker could not be asked (logged)."""
        with self._lock:
            try:
                return self._read(topic)
            except (KafkaError, OSError) as error:
                logger.warning("offsets of %s: %s", topic, type(error).__name__)
                self.close()
                return None

    def ends(self, topic: str) -> dict[int, int] | None:
        """Each partition's next offset; None when the broker could not be asked."""
        found = self.offsets(topic)
        return None if found is None else found[1]

    def records(self, topic: str) -> int | None:
        """How many records the topic holds (retention aside); None: broker not reachable."""
        found = self.offsets(topic)
        if found is None:
            return None
        starts, ends = found
        return sum(end - starts.get(p, 0) for p, end in ends.items())

    def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close()
            except (KafkaError, OSError) as error:
                logger.debug("closing the offsets consumer: %s", type(error).__name__)


def kafka_fed(
    status: ViewStatus, applied: Mapping[int, int], ends: Mapping[int, int]
) -> ViewStatus:
    """The status of a view fed from Kafka, in offsets of the events topic: `position` the
    records it has applied (or skipped as copies), `head` the records published."""
    position = sum(applied.values())
    head = sum(ends.values())
    lag = sum(max(0, end - applied.get(p, 0)) for p, end in ends.items())
    return replace(
        status,
        source="kafka",
        position=position,
        head=head,
        lag_events=lag,
        lag_seconds=0.0 if not lag else None,  # the broker says how many, not since when
    )


def kafka_applied(views: ViewStore) -> dict[tuple[str, int], dict[int, int]]:
    """Each view generation fed from Kafka (partition offsets in its tracking, nothing read
    from the store), by (name, generation): each partition's next offset."""
    fed = {}
    for view in views.views():
        applied = kafka_sources(views.tracking(view.view_id))
        if applied and view.position == 0:
            fed[view.name, view.generation] = applied
    return fed


def with_kafka_fed(
    statuses: list[ViewStatus],
    fed: Mapping[tuple[str, int], Mapping[int, int]],
    topic_ends: TopicEnds,
) -> list[ViewStatus]:
    """`statuses` with every view of `fed` measured against the events topic's end offsets;
    unchanged when the broker cannot be asked."""
    ends = topic_ends.ends(EVENTS) if fed else None
    if ends is None:
        return statuses
    return [
        kafka_fed(s, fed[s.name, s.generation], ends) if (s.name, s.generation) in fed else s
        for s in statuses
    ]
