"""Where the hash chain is kept: the table `journeys_chain` in the event store's own
database, one row per stored event (stream id, version, digest, hash).

`ChainStore` is the port; infra.store.chain_sqlite and infra.store.chain_postgres implement it, and
each also provides an eventsourcing application recorder that writes an event's chain row
in the same transaction as the event (selected by APPLICATION_RECORDER_TOPIC, see
infra.settings). This module holds what both backends share: how the links of a batch are
computed from the streams' previous heads, and how a whole-store scan is grouped by stream.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any

from eventsourcing.persistence import StoredEvent

from infra.store.chain import GENESIS, Link, StoredContent, StreamId, link_events

CHAIN_TABLE = "journeys_chain"
HEADS_CACHED = 20_000
"""Streams whose last chain row a recorder remembers, to link their next event unasked."""


@dataclass(frozen=True, slots=True)
class StoredRow:
    """An event as stored, with its position in the application sequence."""

    originator_version: int
    topic: str
    state: bytes
    position: int


@dataclass(frozen=True)
class StreamRows:
    """One stream as stored: its events and its chain rows, each in version order."""

    stream_id: StreamId
    events: list[StoredRow] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


class StoreSnapshot(ABC):
    """A consistent view of the whole store, open for as long as it is being read."""

    position: int
    """The last position of the application sequence in this view."""

    @abstractmethod
    def streams(self) -> Iterator[StreamRows]:
        """Every stream with events or chain rows, one at a time, in stream id order."""


class ChainStore(ABC):
    """Reads the chain beside the events, and seals streams stored before chaining."""

    @abstractmethod
    def setup(self) -> None:
        """Create the chain table if it does not exist (the recorders do this themselves)."""

    @abstractmethod
    def read_stream(self, stream_id: StreamId) -> StreamRows:
        """One stream's events and chain rows, read in one consistent view."""

    @abstractmethod
    def snapshot(self) -> AbstractContextManager[StoreSnapshot]:
        """The whole store in one consistent view."""

    @abstractmethod
    def unchained_streams(self) -> list[StreamId]:
        """Streams with events and no chain rows at all: stored before chaining existed, or
        written with JOURNEYS_HASH_CHAIN off."""

    @abstractmethod
    def seal(self, stream_ids: Sequence[StreamId]) -> int:
        """Chain every event of these streams from the start, in transactions that writers
        wait for; streams that have chain rows by then are left alone. Returns the number
        of events chained."""


Earlier = Callable[[StreamId, int], Sequence[StoredContent]]
"""Events of a stream below a version, in version order (for a stream not chained yet)."""


def first_versions(stored_events: Iterable[StoredEvent]) -> dict[StreamId, int]:
    """Each stream of a batch, and the first version the batch adds to it."""
    firsts: dict[StreamId, int] = {}
    for event in stored_events:
        known = firsts.get(event.originator_id)
        if known is None or event.originator_version < known:
            firsts[event.originator_id] = event.originator_version
    return firsts


class HeadCache:
    """The last chain row this process committed for each recently written stream.

    A chain row never changes once committed (the recorders never update one), so when a
    batch starts a stream at the version right after the remembered one, that row's hash
    is the head, and the database need not be asked. Any other version (another process
    wrote the stream since) is a miss. Filled only after the transaction commits."""

    def __init__(self, size: int = HEADS_CACHED) -> None:
        self.size = size
        self._heads: OrderedDict[StreamId, tuple[int, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def split(
        self, firsts: Mapping[StreamId, int]
    ) -> tuple[dict[StreamId, bytes], list[tuple[StreamId, int]]]:
        """The heads known for a batch, and the (stream, first version) pairs to look up."""
        known: dict[StreamId, bytes] = {}
        missing: list[tuple[StreamId, int]] = []
        with self._lock:
            for stream_id, first in firsts.items():
                if first == 1:
                    continue  # a new stream: it links to GENESIS
                head = self._heads.get(stream_id)
                if head is not None and head[0] == first - 1:
                    known[stream_id] = head[1]
                else:
                    missing.append((stream_id, first))
        return known, missing

    def remember(self, rows: Iterable[tuple[StreamId, Link]]) -> None:
        with self._lock:
            for stream_id, link in rows:
                head = self._heads.get(stream_id)
                if head is None or head[0] < link.version:
                    self._heads[stream_id] = (link.version, link.hash)
                    self._heads.move_to_end(stream_id)
            while len(self._heads) > self.size:
                self._heads.popitem(last=False)


@dataclass
class Pending:
    """What a recorder's steps share within one insert: the chain rows computed for the
    batch (remembered once the transaction commits), and any pending heads query."""

    rows: list[tuple[StreamId, Link]] = field(default_factory=list)
    known: dict[StreamId, bytes] = field(default_factory=dict)
    query: Any = None


def links_for_batch(
    stored_events: Sequence[StoredEvent], heads: Mapping[StreamId, bytes], earlier: Earlier
) -> list[tuple[StreamId, Link]]:
    """The chain rows for a batch of new events.

    `heads` maps a stream to the hash of its last chain row below the batch's first event of
    it. A stream starting at version 1 links to GENESIS. A later stream missing from `heads`
    has no chain rows at all (stored before chaining): its earlier events are chained now,
    from GENESIS, in the same transaction. A stream whose last chain row is not right
    before the batch (events written with chaining off, or chain rows deleted) links to
    that row, and the versions between stay without chain rows, for verification to report.
    """
    by_stream: dict[StreamId, list[StoredEvent]] = {}
    for event in stored_events:
        by_stream.setdefault(event.originator_id, []).append(event)
    rows: list[tuple[StreamId, Link]] = []
    for stream_id, events in by_stream.items():
        events.sort(key=lambda e: e.originator_version)
        first = events[0].originator_version
        previous = heads.get(stream_id)
        if previous is None:
            sealed = link_events(stream_id, GENESIS, earlier(stream_id, first)) if first > 1 else []
            rows.extend((stream_id, link) for link in sealed)
            previous = sealed[-1].hash if sealed else GENESIS
        rows.extend((stream_id, link) for link in link_events(stream_id, previous, events))
    return rows


def merge_streams(
    events: Iterable[Sequence[Any]],
    links: Iterable[Sequence[Any]],
    convert: Callable[[Any], StreamId],
) -> Iterator[StreamRows]:
    """Group two scans, each ordered by (stream id, version), into streams.

    `events` rows are (stream id, version, topic, state, position); `links` rows are
    (stream id, version, digest, hash). Stream ids compare in the database's order."""
    event_groups = groupby(events, key=itemgetter(0))
    link_groups = groupby(links, key=itemgetter(0))
    event_group = next(event_groups, None)
    link_group = next(link_groups, None)
    while event_group is not None or link_group is not None:
        if link_group is None or (event_group is not None and event_group[0] < link_group[0]):
            assert event_group is not None
            yield StreamRows(convert(event_group[0]), stored_rows(event_group[1]))
            event_group = next(event_groups, None)
        elif event_group is None or link_group[0] < event_group[0]:
            yield StreamRows(convert(link_group[0]), [], chain_links(link_group[1]))
            link_group = next(link_groups, None)
        else:
            yield StreamRows(
                convert(event_group[0]), stored_rows(event_group[1]), chain_links(link_group[1])
            )
            event_group = next(event_groups, None)
            link_group = next(link_groups, None)


def stored_rows(rows: Iterable[Sequence[Any]]) -> list[StoredRow]:
    """Rows (…, version, topic, state, position), the stream id first or not."""
    return [StoredRow(r[-4], r[-3], bytes(r[-2]), r[-1]) for r in rows]


def chain_links(rows: Iterable[Sequence[Any]]) -> list[Link]:
    """Rows (…, version, digest, hash), the stream id first or not."""
    return [Link(r[-3], bytes(r[-2]), bytes(r[-1])) for r in rows]


def chunked(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
