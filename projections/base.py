"""The contract between a read model and the engine that feeds it.

A projection turns one event into changes to the documents of its view. It does no I/O and
does not know where events come from (the store's notification log today, a Kafka topic
later): the engine hands it each event, decoded, with the documents it asks for, and commits
the changed documents together with the view's tracking position in one transaction.

Documents are JSON objects (str, int, float, bool, None, lists, dicts) keyed by a string,
with an optional `tag` the view can be searched by (a family's area, say). They never hold
personal data in clear: a view keeps ids and codes, and personal details are looked up in
the events at read time, in one place that a later change can encrypt and erase.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from domain.family import Family

if TYPE_CHECKING:
    from projections.rows import RowTable

Doc = dict[str, Any]
Event = DomainEventProtocol[UUID]


class Documents(Protocol):
    """The documents of one view, as seen inside the transaction of one batch."""

    def get(self, key: str) -> Doc | None:
        """The document under `key` as this batch has it so far, or None. Change it, then
        put it back: only documents that were put are written."""

    def put(self, key: str, doc: Doc, *, tag: str = "") -> None:
        """Store `doc` under `key` (replacing any), findable by `tag`."""


class Projection(ABC):
    """One read model: a name, a version of its document shape, and a handler.

    Bump `version` whenever the shape of the documents or the meaning of a handler changes:
    the engine then builds the new version beside the old one from position 0 and switches
    readers over when it has caught up.
    """

    name: ClassVar[str]
    version: ClassVar[int]
    # Typed rows the store keeps beside the documents, for SQL aggregates (projections.rows).
    table: ClassVar[RowTable | None] = None

    def wants(self, topic: str) -> bool:
        """Whether events of this topic concern the view; the engine decodes only those."""
        return topic in FAMILY_TOPICS

    def key(self, event: Event) -> str:
        """The key of the document this event changes (the family, by default)."""
        return str(event.originator_id)

    def existing(self, event: Event, docs: Documents) -> Doc:
        """The document of the event's family, which its registration made. Raises if there
        is none: every stream starts with Registered, so the log is out of order."""
        doc = docs.get(self.key(event))
        if doc is None:
            raise LookupError("an entry of a family that was never registered")
        return doc

    @abstractmethod
    def apply(self, event: Event, docs: Documents) -> None:
        """Change the view's documents for one event. Raise to stop the view at this event:
        the engine retries with backoff and reports it, and never skips the event."""


class MemoryDocuments:
    """Documents in a dict: a batch's working set in the engine, or a whole view built in
    memory by `replay` (tests; a family not yet reached by the runner)."""

    def __init__(self, docs: dict[str, Doc] | None = None) -> None:
        self.docs: dict[str, Doc] = {} if docs is None else docs
        self.changed: dict[str, tuple[str, Doc]] = {}

    def get(self, key: str) -> Doc | None:
        return self.docs.get(key)

    def put(self, key: str, doc: Doc, *, tag: str = "") -> None:
        self.docs[key] = doc
        self.changed[key] = (tag, doc)


def carry(projection: Projection, event: Event, doc: Doc, field: str, key: str) -> None:
    """Apply the event to another view's document kept inside this one, under `field` (a
    family's journey inside its directory entry, say), if that view wants the event."""
    inner = MemoryDocuments({key: doc[field]} if field in doc else {})
    if projection.wants(get_topic(type(event))):
        projection.apply(event, inner)
    doc[field] = inner.docs[key]


def replay(projection: Projection, events: Iterable[Event]) -> MemoryDocuments:
    """The view `projection` builds from `events`, in memory."""
    docs = MemoryDocuments()
    for event in events:
        if projection.wants(get_topic(type(event))):
            projection.apply(event, docs)
    return docs


def _family_event_classes() -> list[type[Any]]:
    return [
        value
        for value in vars(Family).values()
        if isinstance(value, type) and issubclass(value, (Family.Entry, Family.Registered))
    ]


FAMILY_TOPICS: frozenset[str] = frozenset(get_topic(cls) for cls in _family_event_classes())
