"""Projections fed from Kafka: a consumer group on journeys.events.v1 that scales the read
side out over N workers (`journeys project --from kafka`).

Each worker is a kafka-python consumer in group `journeys-projections` (by default). The
broker shares the topic's partitions among the workers; a family's events are all on one
partition (the key is the family id), in order.

**Personal data.** The envelope withholds it (infra.kafka.envelope), so a record alone
cannot be turned back into the event the handlers take. The record names its event (the
CloudEvents id is `<family id>/<version>`, the `position` header its place in the store's
log); the worker reads that event from the event store, where its personal data stays
sealed under the family's key (and reads "erased" once the family is erased), and hands it,
decoded by the application's own mapper, to the same projection handlers the store-fed
runner uses. So every view can be fed from Kafka, and no view learns more than it does
from the store. Kafka carries the order, the sharing out and the progress; the store stays
the one source of the events' content.

**Which views.** A view fed by several workers must have each of its documents changed by
the events of one family only (the default key, and every view in projections.catalogue
today), so that two partitions never write the same document: a document keyed across
families (a global counter) would need one worker only.

**Tracking.** Each view records how far it has applied each partition as a source
`<topic>:<partition>` in journeys_view_tracking, in the same transaction as its documents
(ViewStore.commit, compare-and-set). The position is Kafka's committed-offset convention:
the offset of the next record to apply (last applied + 1), so 0 means nothing applied, as
for every new source. Records below it are skipped. Kafka offsets are never committed: on
every assignment (start or rebalance) the worker seeks each partition to the lowest
position its views recorded; the view's own tracking is the only truth. A worker that still
holds a partition the group gave away (a rebalance overlap, a worker thought dead) loses the
compare-and-set and seeks back, so an event is applied once whoever holds its partition,
and a `kill -9` at any instant loses nothing: what was not committed is read again.

**Copies.** The relay publishes at least once: after a failed batch it publishes the batch
again. Each partition carries the store's order (the `position` header), so a record whose
position is not above the highest applied from its partition is a copy and is dropped; that
highest position is tracked as `<topic>:<partition>/position`, in the same transaction.

Kafka-fed views must not also be fed from the store (that would apply every event twice):
run `journeys project --from kafka` with JOURNEYS_PROJECTIONS=external, for the views it is
given. Their `store` position stays 0; `journeys projections status` shows their Kafka
sources.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic
from kafka import ConsumerRebalanceListener, KafkaConsumer
from kafka.structs import TopicPartition

from domain.application import JourneysApplication
from infra.bootstrap import Journeys
from infra.kafka.topics import EVENTS
from infra.views.store import STORE, ViewInfo, ViewMovedError, ViewStore
from projections.base import Event, MemoryDocuments, Projection
from projections.rows import row_tables

logger = logging.getLogger(__name__)

GROUP = "journeys-projections"


def source_of(topic: str, partition: int) -> str:
    """The tracking source of one partition: `<topic>:<partition>`."""
    return f"{topic}:{partition}"


def published_of(topic: str, partition: int) -> str:
    """The tracking source of the last store position applied from one partition."""
    return f"{source_of(topic, partition)}/position"


def kafka_sources(tracking: Mapping[str, int], topic: str = EVENTS) -> dict[int, int]:
    """The partitions of `topic` in a view's tracking, each with its next offset."""
    prefix = f"{topic}:"
    return {
        int(source.removeprefix(prefix)): position
        for source, position in tracking.items()
        if source.startswith(prefix) and source.removeprefix(prefix).isdigit()
    }


@dataclass(frozen=True)
class Named:
    """The event a record stands for: its family, its version and its place in the log."""

    offset: int
    family_id: UUID
    version: int
    position: int  # in the store's log: the relay publishes a partition in this order


def named(record: Any) -> Named:
    """What a journeys.events.v1 record names (its envelope's id: `<family>/<version>`)."""
    envelope = json.loads(record.value)
    family, version = envelope["id"].rsplit("/", 1)
    position = int(dict(record.headers)["position"])
    return Named(record.offset, UUID(family), int(version), position)


class _HandlerFailedError(Exception):
    """A projection handler raised: the view's failure is recorded, its position kept."""


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, projector: KafkaProjector) -> None:
        self.projector = projector

    def on_partitions_revoked(self, revoked: Any) -> None:
        logger.info("partitions revoked: %s", sorted(tp.partition for tp in revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.projector.seek_tracked(list(assigned))


class KafkaProjector:
    """Feeds projections from journeys.events.v1 as one member of a consumer group."""

    def __init__(
        self,
        app: JourneysApplication,
        store: ViewStore,
        projections: Sequence[Projection],
        *,
        bootstrap: str,
        topic: str = EVENTS,
        group: str = GROUP,
        batch_size: int = 500,
        consumer_config: Mapping[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.store = store
        self.projections = {p.name: p for p in projections}
        self.bootstrap = bootstrap
        self.topic = topic
        self.group = group
        self.batch_size = batch_size
        self.consumer_config = dict(consumer_config or {})
        self.applied = 0  # records applied to at least one view, by this worker
        self.assigned: set[int] = set()
        self._consumer: KafkaConsumer | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- views ----------------------------------------------------------------------------

    def prepare(self) -> None:
        """Make the tables and each projection's live view if it has none. A live view the
        store's own runner has fed is refused (ValueError): fed from Kafka too, it would
        apply every event a second time."""
        self.store.setup(row_tables(self.projections.values()))
        for projection in self.projections.values():
            live = self.store.live(projection.name)
            if live is None:
                self.store.create(projection.name, projection.version, state="live")
            elif (fed := self.store.tracking(live.view_id).get(STORE, 0)) > 0:
                raise ValueError(
                    f"the {projection.name} view is fed from the store (position {fed}): "
                    "feed a view from one source only (JOURNEYS_PROJECTIONS=external, and "
                    "views the store's runner never built)"
                )

    def _views(self) -> list[tuple[Projection, ViewInfo]]:
        found = []
        for name, projection in self.projections.items():
            live = self.store.live(name)
            if live is not None:
                found.append((projection, live))
        return found

    def _positions(self, partition: int) -> dict[str, int]:
        """Each view's next offset on one partition (0: none applied)."""
        source = source_of(self.topic, partition)
        return {
            view.view_id: self.store.tracking(view.view_id).get(source, 0)
            for _, view in self._views()
        }

    def seek_tracked(self, partitions: Sequence[TopicPartition]) -> None:
        """Seek each partition to the lowest next offset its views recorded."""
        self.assigned = {tp.partition for tp in partitions}
        consumer = self._consumer
        if consumer is None:
            return
        for tp in partitions:
            consumer.seek(tp, min(self._positions(tp.partition).values(), default=0))
        logger.info("partitions assigned: %s", sorted(self.assigned))

    # -- consuming --------------------------------------------------------------------------

    def connect(self) -> KafkaConsumer:
        if self._consumer is None:
            config: dict[str, Any] = {
                "group_id": self.group,
                "enable_auto_commit": False,  # the views' tracking is the truth, never Kafka's
                "auto_offset_reset": "earliest",
                "allow_auto_create_topics": False,
                "client_id": "journeys-projector",
                **self.consumer_config,
            }
            self._consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, **config)
            self._consumer.subscribe([self.topic], listener=_Rebalance(self))
        return self._consumer

    def poll_once(self, timeout_ms: int = 200) -> int:
        """One poll: apply what it brought to every view; the number of records read."""
        consumer = self.connect()
        batches = consumer.poll(timeout_ms=timeout_ms, max_records=self.batch_size)
        done = 0
        for tp, records in sorted(batches.items(), key=lambda item: item[0].partition):
            if records:
                self._apply_partition(tp, [named(r) for r in records])
                done += len(records)
        return done

    def _apply_partition(self, tp: TopicPartition, records: Sequence[Named]) -> None:
        """Apply one partition's records to each view from that view's own position, and
        commit its documents with its new position; seek back if a view could not move."""
        source = source_of(tp.topic, tp.partition)
        published = published_of(tp.topic, tp.partition)
        events = self._events(records)
        behind = applied = False
        for projection, view in self._views():
            tracking = self.store.tracking(view.view_id)
            expected = tracking.get(source, 0)
            fresh = [r for r in records if r.offset >= expected]
            if not fresh:
                continue  # applied already (by this worker, or one that held the partition)
            if records[0].offset > expected or (
                view.retry_at is not None and time.time() < view.retry_at
            ):
                behind = True  # the view is behind this batch, or backing off: re-read
                continue
            try:
                was = tracking.get(published, 0)
                chosen, reached = _first_copies(fresh, was)
                done = {published: (was, reached)}
                self._commit(
                    projection,
                    view,
                    (source, expected, fresh[-1].offset + 1),
                    done,
                    [events[r.offset] for r in chosen],
                )
            except ViewMovedError:
                behind = True  # another worker holds (or held) the partition: re-read
                continue
            except _HandlerFailedError:
                behind = True
                continue
            applied = True
        if applied:
            self.applied += len(records)
        if behind:
            self.seek_tracked_one(tp)

    def _commit(
        self,
        projection: Projection,
        view: ViewInfo,
        moves: tuple[str, int, int],
        also: Mapping[str, tuple[int, int]],
        events: Sequence[Event],
    ) -> None:
        """Apply `events` to the view and commit its documents with its tracking moved:
        `moves` (source, from, to) and `also`, in one transaction."""
        source, expected, position = moves
        wanted = [e for e in events if projection.wants(get_topic(type(e)))]
        docs = MemoryDocuments()
        keys = list(dict.fromkeys(projection.key(e) for e in wanted))
        docs.docs.update(self.store.load(view.view_id, keys))
        apply = projection.apply
        try:
            for event in wanted:
                apply(event, docs)
        except Exception as error:  # never skipped: read again from the view's position
            # Only the kind of error and where: exception messages may quote personal data.
            failed = f"{type(error).__name__} applying a record of {source} after {expected}"
            delay = min(60.0, 0.5 * 2 ** min(view.failures, 16))
            self.store.record_failure(view.view_id, error=failed, retry_at=time.time() + delay)
            logger.error("view %s stopped: %s; retrying in %.1f s", view.view_id, failed, delay)
            raise _HandlerFailedError from None
        self.store.commit(
            view.view_id,
            expected=expected,
            position=position,
            changed=docs.changed,
            source=source,
            also=also,
        )

    def seek_tracked_one(self, tp: TopicPartition) -> None:
        if self._consumer is not None and tp.partition in self.assigned:
            self._consumer.seek(tp, min(self._positions(tp.partition).values(), default=0))

    def _events(self, records: Sequence[Named]) -> dict[int, Event]:
        """The stored events the records name, by offset: one read per family."""
        by_family: dict[UUID, list[Named]] = defaultdict(list)
        for record in records:
            by_family[record.family_id].append(record)
        found: dict[int, Event] = {}
        for family_id, named_here in by_family.items():
            versions = [r.version for r in named_here]
            stored = self.app.recorder.select_events(
                family_id, gt=min(versions) - 1, lte=max(versions)
            )
            decoded = {s.originator_version: self.app.mapper.to_domain_event(s) for s in stored}
            for record in named_here:
                event = decoded.get(record.version)
                if event is None:
                    msg = f"the store has no event for a record at offset {record.offset}"
                    raise LookupError(msg)
                found[record.offset] = event
        return found

    # -- running ----------------------------------------------------------------------------

    def run_forever(self) -> None:
        """Poll and apply until `stop()`; then leave the group."""
        try:
            while not self._stopping.is_set():
                self.poll_once()
        finally:
            self.close()

    def start(self) -> None:
        """Run in a thread of its own (tests, `make run-kafka`)."""
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self.run_forever, name="journeys-kafka-projector", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None


def _first_copies(records: Sequence[Named], applied: int) -> tuple[list[Named], int]:
    """The records of a partition not seen before, and the last store position among them.

    The relay publishes each partition in the store's order and, after a failed batch,
    publishes the batch again: a copy is a record whose store position is not above the
    highest one applied from its partition (tracked with its offset), and is dropped."""
    first = []
    for record in records:
        if record.position > applied:
            first.append(record)
            applied = record.position
    return first, applied


def projector_for(
    journeys: Journeys, *, group: str = GROUP, views: Sequence[str] | None = None
) -> KafkaProjector:
    """A worker of a bootstrapped process for these views (every view when None), reading
    from the broker in settings."""
    settings = journeys.settings
    if not settings.kafka_bootstrap:
        msg = "no Kafka: set JOURNEYS_KAFKA_BOOTSTRAP"
        raise ValueError(msg)
    projections = list(journeys.runner.projections.values())
    if views is not None:
        unknown = sorted(set(views) - {p.name for p in projections})
        if unknown:
            msg = f"no view named {', '.join(unknown)}"
            raise ValueError(msg)
        projections = [p for p in projections if p.name in views]
    return KafkaProjector(
        journeys.app,
        journeys.views,
        projections,
        bootstrap=settings.kafka_bootstrap,
        group=group,
        consumer_config={
            "session_timeout_ms": settings.kafka_session_timeout_ms,
            "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms,
            "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
        },
    )
