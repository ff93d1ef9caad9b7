"""The broker adapter (kafka-python): topics created explicitly, and a batch of messages
published and acknowledged by every in-sync replica, or an error.

The producer is idempotent (kafka-python's default) so that its own retries write no
duplicates. After any failed batch it is closed and a new one is made for the next batch:
a producer whose epoch the broker refused (a restarted broker, a fenced id) stays broken
for good. A retried batch may then be written twice; consumers drop duplicates by the
CloudEvents `id`. No Kafka transactions: tansu delivers aborted records.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One record to publish: its topic, key, value and headers."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class PublishError(Exception):
    """A batch was not acknowledged in full; nothing of it may be counted as published."""


@dataclass
class Broker:
    """Publishes batches to one Kafka cluster. Not thread-safe: one relay thread uses it."""

    bootstrap: str
    client_id: str = "journeys-relay"
    timeout_seconds: float = 10.0
    producer_config: Mapping[str, Any] = field(default_factory=dict)
    _producer: KafkaProducer | None = field(default=None, init=False, repr=False)

    def ensure_topics(self, partitions: Mapping[str, int]) -> list[str]:
        """Create each topic missing, with its partition count; the topics created."""
        admin = KafkaAdminClient(
            bootstrap_servers=self.bootstrap,
            client_id=self.client_id,
            request_timeout_ms=int(self.timeout_seconds * 1000),
        )
        created = []
        try:
            existing = set(admin.list_topics())
            for name, count in partitions.items():
                if name in existing:
                    continue
                try:
                    admin.create_topics(
                        [NewTopic(name, num_partitions=count, replication_factor=1)]
                    )
                    created.append(name)
                except TopicAlreadyExistsError:  # made by another relay meanwhile
                    pass
        finally:
            admin.close()
        return created

    def _make_producer(self) -> KafkaProducer:
        timeout_ms = int(self.timeout_seconds * 1000)
        config: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap,
            "client_id": self.client_id,
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": 5,
            "batch_size": 64 * 1024,
            "compression_type": None,
            "allow_auto_create_topics": False,
            "request_timeout_ms": min(timeout_ms, 5000),
            "delivery_timeout_ms": timeout_ms,
            "max_block_ms": timeout_ms,
        }
        config.update(self.producer_config)
        return KafkaProducer(**config)

    def publish(self, messages: Sequence[Message]) -> None:
        """Send every message and wait until each is acknowledged; PublishError otherwise
        (the producer is then rebuilt before the next batch)."""
        if not messages:
            return
        try:
            if self._producer is None:
                self._producer = self._make_producer()
            producer = self._producer
            futures = [
                producer.send(m.topic, key=m.key, value=m.value, headers=m.headers)
                for m in messages
            ]
            # Longer than the delivery timeout: a batch fails by expiring, leaving nothing
            # in the producer's buffer, and the producer closes cleanly.
            wait = self.timeout_seconds + 5
            producer.flush(timeout=wait)
            for future in futures:
                future.get(timeout=wait)
        except (KafkaError, OSError, TimeoutError) as error:
            self.reset()
            raise PublishError(type(error).__name__) from error

    def reset(self) -> None:
        """Drop the producer: the next batch makes a new one."""
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=1)
            except Exception as error:  # records still buffered: stop its sender thread now
                logger.debug("closing the producer: %s", type(error).__name__)
                sender = getattr(producer, "_sender", None)
                if sender is not None:
                    sender.force_close()
                producer._closed = True  # its __del__ would try (and fail) again

    def close(self) -> None:
        self.reset()
