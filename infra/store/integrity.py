"""Tamper evidence: recompute each stream's hash chain from the events as stored, compare it
with the chain rows written beside them, and name the first event that does not match.

How links are computed is in infra.store.chain; where they are kept, in infra.store.chain_store.
Signed checkpoints over all stream heads are in infra.store.checkpoints; verifying against one
(`Integrity.verify_store(checkpoint=...)`) shows the log only grew since, which a database
administrator who rewrites events and chain rows together cannot fake.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import Application
from eventsourcing.persistence import Recorder, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic

from domain.application import CommandReceipt
from domain.errors import NotFoundError
from infra.store.chain import GENESIS, StreamId, digest_of, link_events, link_hash, stream_bytes
from infra.store.chain_postgres import PostgresChainStore
from infra.store.chain_sqlite import SQLiteChainStore
from infra.store.chain_store import ChainStore, StoredRow, StreamRows
from infra.store.checkpoints import Checkpoint, make_checkpoint

Status = Literal["verified", "not_chained", "tampered"]
Reason = Literal[
    "content_changed",  # the event's stored content is not what was recorded
    "out_of_order",  # the event holds content recorded at another version
    "event_missing",  # a version was recorded, and its event is gone
    "chain_row_changed",  # the event matches its digest; its chain row does not follow
    "chain_row_missing",  # an event without a chain row, where later events have one
    "extra_event",  # events after the end of the chain
]
EntryIdOf = Callable[[StreamId, StoredRow], str | None]
Progress = Callable[[int, int], None]
RECEIPT_TOPIC = get_topic(CommandReceipt.Issued)


@dataclass(frozen=True)
class Mismatch:
    """The first event of a stream that does not match its chain."""

    version: int
    reason: Reason
    detail: str
    entry_id: str | None = None


@dataclass(frozen=True)
class Head:
    """A stream's last event and the chain hash of its events as stored (hex)."""

    version: int
    hash: str


@dataclass(frozen=True)
class StreamReport:
    stream_id: StreamId
    status: Status
    events: int
    head: Head | None
    mismatch: Mismatch | None = None
    hash_at: bytes | None = None
    """The chain hash of the stored events up to the version asked for (a checkpoint's),
    None when there is no event at that version."""

    @property
    def verified(self) -> bool:
        return self.status == "verified"


def check_stream(
    rows: StreamRows, *, entry_id: EntryIdOf | None = None, at: int | None = None
) -> StreamReport:
    """Recompute one stream's chain from its stored events and compare it with its chain
    rows. A stream with no chain rows at all is "not chained" (stored before chaining
    existed, or with chaining off), unless its versions have a gap."""
    events = {event.originator_version: event for event in rows.events}
    links = {link.version: link for link in rows.links}
    last_event = max(events, default=0)

    def report(status: Status, mismatch: Mismatch | None = None) -> StreamReport:
        # The chain as the events stand, whatever the chain rows say.
        version, chained = chain_over(rows.stream_id, rows.events)
        head = Head(version, chained.hex()) if version else None
        hash_at = None
        if at is not None and at in events:
            hash_at = chain_over(rows.stream_id, rows.events, upto=at)[1]
        return StreamReport(rows.stream_id, status, len(events), head, mismatch, hash_at)

    def mismatch(version: int, reason: Reason, detail: str) -> StreamReport:
        event = events.get(version)
        named = entry_id(rows.stream_id, event) if entry_id and event else None
        return report("tampered", Mismatch(version, reason, detail, named))

    if not links:
        gap = next((v for v in range(1, last_event + 1) if v not in events), None)
        if gap is not None:
            return mismatch(gap, "event_missing", f"version {gap} is missing; later ones exist")
        return report("not_chained")

    last_link = max(links)
    top = max(last_link, last_event)
    stream = stream_bytes(rows.stream_id)
    recorded_at = {link.digest: link.version for link in rows.links}
    previous = GENESIS
    hash_at: bytes | None = None
    for version in range(1, top + 1):
        event, link = events.get(version), links.get(version)
        if event is None:
            if link is not None:
                detail = (
                    f"version {version} was recorded (its chain row remains); its event is gone"
                )
            else:
                detail = f"version {version} is gone with its chain row; later versions exist"
            return mismatch(version, "event_missing", detail)
        digest = digest_of(event.topic, event.state)
        if link is None:
            if version > last_link:
                return mismatch(
                    version,
                    "extra_event",
                    f"versions {version} to {top} have no chain rows: stored outside the "
                    "application, or while JOURNEYS_HASH_CHAIN was off",
                )
            return mismatch(
                version,
                "chain_row_missing",
                f"version {version} has no chain row, but later versions have",
            )
        expected = link_hash(previous, stream, version, digest)
        if digest != link.digest and expected != link.hash:
            moved = recorded_at.get(digest)
            if moved is not None:
                return mismatch(
                    version,
                    "out_of_order",
                    f"version {version} holds the content recorded as version {moved}",
                )
            return mismatch(
                version,
                "content_changed",
                f"the content stored at version {version} is not what was recorded",
            )
        if expected != link.hash or digest != link.digest:
            return mismatch(
                version,
                "chain_row_changed",
                f"the event at version {version} matches its chain row's digest, but the row "
                "does not follow from the chain before it: the row was changed, or an "
                "event was rewritten together with its chain row",
            )
        previous = expected
        if version == at:
            hash_at = expected
    # Verified: the recomputed chain is the stored one, so no need to compute it again.
    head = Head(top, previous.hex())
    return StreamReport(rows.stream_id, "verified", len(events), head, None, hash_at)


def chain_over(
    stream_id: StreamId, events: Iterable[StoredRow], *, upto: int | None = None
) -> tuple[int, bytes]:
    """The last version and the chain hash of the stored events (up to `upto`), in version
    order, whatever chain rows say: what a checkpoint records and compares."""
    chosen = sorted(
        (e for e in events if upto is None or e.originator_version <= upto),
        key=lambda e: e.originator_version,
    )
    if not chosen:
        return 0, GENESIS
    return chosen[-1].originator_version, link_events(stream_id, GENESIS, chosen)[-1].hash


@dataclass(frozen=True)
class CheckpointProblem:
    """A way in which the store is not the checkpointed one plus later events."""

    stream_id: str
    reason: Literal["stream_missing", "shrunk", "rewritten", "backdated", "position"]
    detail: str


@dataclass
class CheckpointComparison:
    """Compares each stream of a scan with a checkpoint, as the scan goes."""

    checkpoint: Checkpoint
    problems: list[CheckpointProblem] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def version_of(self, stream_id: StreamId) -> int | None:
        head = self.checkpoint.heads.get(str(stream_id))
        return head[0] if head else None

    def compare(self, rows: StreamRows, report: StreamReport) -> None:
        key = str(rows.stream_id)
        position = self.checkpoint.position
        head = self.checkpoint.heads.get(key)
        version, hash_ = head if head else (0, b"")
        if head is not None:
            self.seen.add(key)
            if report.hash_at is None:
                self.problems.append(
                    CheckpointProblem(
                        key, "shrunk", f"the checkpoint has version {version}; the store has not"
                    )
                )
            elif report.hash_at != hash_:
                self.problems.append(
                    CheckpointProblem(
                        key,
                        "rewritten",
                        f"the events up to version {version} are not the checkpointed ones",
                    )
                )
        backdated = [
            e.originator_version
            for e in rows.events
            if e.originator_version > version and e.position <= position
        ]
        if backdated:
            self.problems.append(
                CheckpointProblem(
                    key,
                    "backdated",
                    f"version {backdated[0]} is not in the checkpoint, yet stands at a position "
                    f"before it (at or below {position})",
                )
            )

    def finish(self, position: int) -> None:
        for key in sorted(set(self.checkpoint.heads) - self.seen):
            version = self.checkpoint.heads[key][0]
            self.problems.append(
                CheckpointProblem(
                    key, "stream_missing", f"the checkpoint has it at version {version}; it is gone"
                )
            )
        if position < self.checkpoint.position:
            self.problems.append(
                CheckpointProblem(
                    "",
                    "position",
                    f"the store ends at position {position}, before the checkpoint's "
                    f"{self.checkpoint.position}",
                )
            )


@dataclass
class StoreReport:
    """The whole store: counts, every tampered stream, and the checkpoint's verdict."""

    position: int = 0
    streams: int = 0
    events: int = 0
    verified: int = 0
    not_chained: int = 0
    tampered: list[StreamReport] = field(default_factory=list)
    heads: dict[str, Head] = field(default_factory=dict)
    checkpoint: CheckpointComparison | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.tampered and not (self.checkpoint and self.checkpoint.problems)


def chain_store_for(recorder: Recorder) -> ChainStore:
    chain = getattr(recorder, "chain", None)
    if isinstance(chain, ChainStore):
        return chain
    if isinstance(recorder, SQLiteApplicationRecorder):
        return SQLiteChainStore(recorder.datastore, recorder.events_table_name)
    if isinstance(recorder, PostgresApplicationRecorder):
        return PostgresChainStore(recorder.datastore, recorder.events_table_name)
    msg = f"no hash chain for a {type(recorder).__name__}: SQLite or PostgreSQL only"
    raise TypeError(msg)


class Integrity:
    """Verifies an application's event store against its hash chain. Needs no key: it
    reads the stored bytes, which the chain covers as they are."""

    def __init__(self, app: Application[Any]) -> None:
        self.store = chain_store_for(app.recorder)
        self.mapper = app.mapper

    def entry_id(self, stream_id: StreamId, row: StoredRow) -> str | None:
        """The entry id of a stored event, if it still decodes (a damaged one may not)."""
        stored = StoredEvent(stream_id, row.originator_version, row.topic, row.state)
        try:
            event = self.mapper.to_domain_event(stored)
        except Exception:  # tampered bytes may fail to decode in any way
            return None
        value = getattr(event, "entry_id", None)
        return None if value is None else str(value)

    def verify_family(self, family_id: StreamId) -> StreamReport:
        """One family's stream; NotFoundError if no family has this id."""
        rows = self.store.read_stream(family_id)
        receipt = rows.events and all(e.topic == RECEIPT_TOPIC for e in rows.events)
        if (not rows.events and not rows.links) or receipt:
            raise NotFoundError(f"family {family_id} was not found")
        return check_stream(rows, entry_id=self.entry_id)

    def verify_store(
        self,
        *,
        checkpoint: Checkpoint | None = None,
        heads: bool = False,
        progress: Progress | None = None,
    ) -> StoreReport:
        """Every stream, in one consistent view of the store. With `checkpoint`, also
        whether the store is that checkpoint plus later events; with `heads`, each
        stream's head, for a new checkpoint."""
        began = time.perf_counter()
        result = StoreReport()
        comparison = CheckpointComparison(checkpoint) if checkpoint else None
        with self.store.snapshot() as snapshot:
            result.position = snapshot.position
            for rows in snapshot.streams():
                at = comparison.version_of(rows.stream_id) if comparison else None
                report = check_stream(rows, entry_id=self.entry_id, at=at)
                result.streams += 1
                result.events += report.events
                if report.status == "verified":
                    result.verified += 1
                elif report.status == "not_chained":
                    result.not_chained += 1
                else:
                    result.tampered.append(report)
                if heads and report.head:
                    result.heads[str(rows.stream_id)] = report.head
                if comparison:
                    comparison.compare(rows, report)
                if progress:
                    progress(result.events, snapshot.position)
        if comparison:
            comparison.finish(result.position)
        result.checkpoint = comparison
        result.seconds = time.perf_counter() - began
        return result

    def seal_legacy(self, progress: Progress | None = None) -> tuple[int, int]:
        """Chain every stream that has no chain rows yet (stored before chaining). Returns
        (streams, events) chained."""
        self.store.setup()
        streams = self.store.unchained_streams()
        done = events = 0
        for start in range(0, len(streams), 500):
            chunk = streams[start : start + 500]
            events += self.store.seal(chunk)
            done += len(chunk)
            if progress:
                progress(done, len(streams))
        return len(streams), events

    def checkpoint(
        self, key: Ed25519PrivateKey, *, now: datetime, progress: Progress | None = None
    ) -> tuple[StoreReport, dict[str, Any] | None]:
        """Verify the whole store and, if no stream is tampered with, a signed checkpoint
        over every stream's head; None instead of one over a store that does not verify."""
        report = self.verify_store(heads=True, progress=progress)
        if not report.ok:
            return report, None
        document = make_checkpoint(
            heads={stream_id: (h.version, h.hash) for stream_id, h in report.heads.items()},
            position=report.position,
            events=report.events,
            created_at=now,
            key=key,
        )
        return report, document
