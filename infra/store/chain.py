"""The hash chain of each stream of stored events: what one link covers, and how a run of
events is linked. No I/O here; infra.store.chain_store writes links, infra.store.integrity
checks them.

A link is computed from the event AS STORED (topic and state bytes, after transcoding and
any encryption), so a chain verifies without any key, and still verifies after a family's
data key is destroyed. Two hashes per event:

- `digest` = sha256(topic, state): the event's content alone. Comparing it tells a changed
  event from a changed chain row, and finds content moved to another version.
- `hash` = sha256(previous hash, stream id, version, digest): the chain. The first event
  of a stream links to GENESIS, so an event cannot be removed, inserted or moved without
  every later hash changing.

The encoding is fixed-width or length-prefixed throughout, so no two different inputs
hash the same bytes. Changing anything here invalidates every stored chain: don't.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

StreamId = UUID | str

GENESIS = hashlib.sha256(b"journeys event chain v1").digest()
"""What the first event of every stream links to."""


class StoredContent(Protocol):
    """An event as stored: eventsourcing's StoredEvent and Notification both fit."""

    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Link:
    """One row of the chain: the event at `version` of a stream."""

    version: int
    digest: bytes
    hash: bytes


def digest_of(topic: str, state: bytes) -> bytes:
    topic_bytes = topic.encode("utf-8")
    digest = hashlib.sha256(len(topic_bytes).to_bytes(4, "big"))
    digest.update(topic_bytes)
    digest.update(state)
    return digest.digest()


def stream_bytes(stream_id: StreamId) -> bytes:
    if isinstance(stream_id, UUID):
        return b"u" + stream_id.bytes
    text = stream_id.encode("utf-8")
    return b"s" + len(text).to_bytes(4, "big") + text


def link_hash(previous: bytes, stream: bytes, version: int, digest: bytes) -> bytes:
    """`stream` is `stream_bytes(stream_id)`, computed once per stream by callers."""
    return hashlib.sha256(
        previous + stream + version.to_bytes(8, "big", signed=True) + digest
    ).digest()


def link_events(
    stream_id: StreamId, previous: bytes, events: Iterable[StoredContent]
) -> list[Link]:
    """The links of `events` (one stream, in version order) following `previous`."""
    stream = stream_bytes(stream_id)
    links = []
    for event in events:
        digest = digest_of(event.topic, event.state)
        previous = link_hash(previous, stream, event.originator_version, digest)
        links.append(Link(event.originator_version, digest, previous))
    return links
