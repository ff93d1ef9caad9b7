"""The relay: follows the store's notification log and publishes every event to Kafka.

Each step reads a batch of notifications after the relay's recorded position, publishes
them (journeys.events.v1, and journeys.escalations.v1 for escalations and responses; see
infra.kafka.envelope), waits until the broker acknowledged all of them, and only then
records the batch's last position (infra.kafka.positions): at-least-once, never a second
write inside a command, and commands never wait for the broker.

While the broker fails, the relay retries the same batch with capped exponential backoff
(its lag grows, shown by `status()`, `/health` and `/metrics`) and drains on recovery.
Woken by the store's notifications (LISTEN/NOTIFY on PostgreSQL, and by this process's own
saves); on SQLite it polls. One relay per store: two would publish everything twice (which
consumers absorb by the CloudEvents id, but it is waste).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka.errors import KafkaError

from domain.application import JourneysApplication
from infra.bootstrap import Journeys
from infra.following import Follower
from infra.kafka.broker import Broker, Message, PublishError
from infra.kafka.envelope import escalation_message, event_message
from infra.kafka.positions import RelayPositions
from infra.kafka.topics import partitions
from infra.views.postgres import PostgresViewStore
from projections.base import Event
from projections.reads import ViewReader

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RelayStatus:
    """What `journeys relay status`, /health and /metrics show of the relay."""

    position: int
    head: int
    lag_events: int
    lag_seconds: float  # age of the oldest event not yet published (0 when caught up)
    updated_at: float | None  # when a position was last recorded; None: never

    @property
    def health(self) -> str:
        return "caught up" if self.lag_events == 0 else "behind"

    def stalled(self, after_seconds: float) -> bool:
        """Has an event waited longer than `after_seconds` to be published?"""
        return self.lag_seconds > after_seconds


def relay_status(app: JourneysApplication, positions: RelayPositions) -> RelayStatus:
    """The relay's position against the store's head, read from the database (any process)."""
    recorded = positions.get()
    head = app.position()
    lag = max(0, head - recorded.position)
    seconds = 0.0
    if lag:
        notes = app.recorder.select_notifications(start=recorded.position + 1, limit=1)
        if notes:
            first: Any = app.mapper.to_domain_event(notes[0])
            seconds = round(max(0.0, (datetime.now(UTC) - first.timestamp).total_seconds()), 3)
    return RelayStatus(recorded.position, head, lag, seconds, recorded.updated_at)


class Relay(Follower):
    """Publishes the notification log of one application to Kafka (run in the background
    by infra.following)."""

    thread_name = "journeys-relay"

    def __init__(
        self,
        app: JourneysApplication,
        views: ViewReader,
        positions: RelayPositions,
        broker: Broker,
        *,
        public_url: str,
        batch_size: int = 500,
        poll_interval: float = 0.2,
        backoff: tuple[float, float] = (0.2, 30.0),
        topics: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__(poll_interval=poll_interval)
        self.app = app
        self.views = views
        self.positions = positions
        self.broker = broker
        self.public_url = public_url
        self.batch_size = batch_size
        self.backoff = backoff
        self.failures = 0
        self.last_error: str | None = None
        self.published = 0
        self.topics = dict(topics or {})  # to create, with their partition counts
        self._prepared = not self.topics

    def messages(self, position: int) -> tuple[list[Message], int]:
        """The messages of the next batch after `position`, and the position it reaches."""
        notes = self.app.recorder.select_notifications(start=position + 1, limit=self.batch_size)
        messages: list[Message] = []
        for note in notes:
            event: Event = self.app.mapper.to_domain_event(note)
            messages.append(event_message(event, note.id))
            escalation = escalation_message(
                event, note.id, views=self.views, source=self.app, public_url=self.public_url
            )
            if escalation is not None:
                messages.append(escalation)
        return messages, notes[-1].id if notes else position

    def step(self) -> int:
        """Publish one batch and record its position; the number of events published (0:
        caught up). PublishError if the broker did not acknowledge all of it."""
        position = self.positions.get().position
        messages, reached = self.messages(position)
        if reached == position:
            return 0
        self.broker.publish(messages)
        self.positions.record(reached)
        self.published += reached - position
        return reached - position

    def _delay(self) -> float:
        first, most = self.backoff
        return float(min(most, first * 2 ** min(self.failures, 16)))

    def prepare(self) -> None:
        """Create the topics missing (once per relay)."""
        if not self._prepared:
            created = self.broker.ensure_topics(self.topics)
            if created:
                logger.info("relay: created topics %s", ", ".join(created))
            self._prepared = True

    def run_once(self) -> int:
        """One step; a broker failure is counted and logged, and waits out the backoff."""
        try:
            self.prepare()
            done = self.step()
        except (PublishError, KafkaError, OSError) as error:
            self.failures += 1
            reason = str(error) if isinstance(error, PublishError) else type(error).__name__
            self.last_error = f"publishing failed: {reason}"
            self._prepared = not self.topics  # a restarted broker may have lost its topics
            delay = self._delay()
            logger.warning("relay: %s; retrying in %.1f s", self.last_error, delay)
            self._stopping.wait(delay)
            return 0
        if self.failures:
            logger.info("relay: publishing again after %d failures", self.failures)
        self.failures, self.last_error = 0, None
        return done

    def drain(self, *, timeout: float | None = None) -> RelayStatus:
        """Publish until the relay has reached the head of the log as it stood at the start
        (retrying while the broker fails); TimeoutError after `timeout` seconds."""
        target = self.app.position()
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.positions.get().position < target and not self._stopping.is_set():
            if deadline is not None and time.monotonic() > deadline:
                msg = "the relay did not catch up in time"
                raise TimeoutError(msg)
            self.run_once()
        return relay_status(self.app, self.positions)

    def setup(self) -> None:
        self.prepare()


def relay_for(journeys: Journeys, *, bootstrap: str | None = None) -> Relay:
    """The relay of a bootstrapped process, publishing to `bootstrap` (settings' by default),
    woken by every event this process saves and, on PostgreSQL, by other processes'."""
    settings = journeys.settings
    servers = bootstrap or settings.kafka_bootstrap
    if not servers:
        msg = "no Kafka: set JOURNEYS_KAFKA_BOOTSTRAP"
        raise ValueError(msg)
    positions = journeys.relay_positions or RelayPositions(journeys.views)
    relay = Relay(
        journeys.app,
        journeys.views,
        positions,
        Broker(servers),
        public_url=settings.public_url,
        batch_size=settings.relay_batch_size,
        backoff=(0.2, settings.relay_backoff_max_seconds),
        topics=partitions(settings),
    )
    journeys.app.on_saved.append(relay.wake)
    if isinstance(journeys.views, PostgresViewStore):
        journeys.views.on_events(relay.wake)
    return relay
