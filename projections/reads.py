"""The read side: a view's document for one family, else the family's own events.

A read asks a view (`ViewReader`, which infra implements over the view tables) for a
family's document. When the view has not reached the family yet, or is behind a position
the read must reflect, the family's events (`EventSource`, the store) are the authority and
the document is built from them here, in memory: `family_doc` is that rule, written once,
for the HTTP routes, the web pages and any other reader (a Kafka relay) alike.

`answers_as_recorded` is the journey as the record stood at an instant, replayed from the
events stored by then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from typing import Any, Protocol
from uuid import UUID

from projections.base import Doc, Event, Projection, replay
from projections.journey import JourneyAnswers, JourneyProjection, journey_answers


class ViewReader(Protocol):
    """The views' documents, as committed (infra.views)."""

    def read(self, name: str, key: str) -> tuple[int, Doc | None]:
        """The view's position and its document under `key`, or None."""
        ...

    def read_tagged(self, name: str, tag: str | None) -> tuple[int, list[tuple[str, Doc]]]:
        """The view's position and its documents with `tag` (all, for None)."""
        ...


class EventSource(Protocol):
    """The store's events (domain.application)."""

    def family_events(self, family_id: UUID) -> Sequence[Event]:
        """One family's events, in order; NotFoundError if there is no such family."""
        ...

    def position(self) -> int:
        """The position of the store's last event."""
        ...


@dataclass(frozen=True)
class FamilyDoc:
    """A family's document of one view, and the position it reflects: the view's, or the
    store's when it was built from the events (`replayed`)."""

    position: int
    doc: Doc
    replayed: bool


def family_doc(
    reader: ViewReader,
    source: EventSource,
    projection: Projection,
    family_id: UUID,
    *,
    at_least: int | None = None,
    events: Sequence[Event] | None = None,
) -> FamilyDoc:
    """The family's document of `projection`'s view; built from the family's events if the
    view has none for it or is behind `at_least` (`events`, when the caller already has
    them). NotFoundError if there is no such family."""
    position, doc = reader.read(projection.name, str(family_id))
    if doc is not None and (at_least is None or position >= at_least):
        return FamilyDoc(position, doc, replayed=False)
    position = source.position()
    stream = source.family_events(family_id) if events is None else events
    return FamilyDoc(position, replay(projection, stream).docs[str(family_id)], replayed=True)


def recorded_by(events: Iterable[Any], at: datetime) -> list[Any]:
    """The events of one family's stream that the record held at `at`: those stored by then
    (entries, corrections and retractions alike). A stream is stored in order, so they are
    the ones before the first stored later. (Any: every stored event is a Family event, with
    its recording time, `timestamp`, which the event protocol does not name.)"""
    return list(takewhile(lambda event: event.timestamp <= at, events))


def answers_as_recorded(
    events: Iterable[Event], *, at: datetime, as_of: datetime | None = None
) -> JourneyAnswers | None:
    """The journey's answers as the record showed them at `at`, the current visit counted up
    to `as_of` (`at` unless given: now, for an `at` still to come), from one family's
    events; None if the family was not recorded by then."""
    docs = replay(JourneyProjection(), recorded_by(events, at)).docs
    until = at if as_of is None else as_of
    return next((journey_answers(doc, as_of=until) for doc in docs.values()), None)
