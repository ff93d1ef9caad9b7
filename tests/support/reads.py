"""Fakes of the read layer's ports for fast tests: views at a position, one family's events."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from domain.errors import NotFoundError
from projections.base import Doc, Event
from tests.support.journey import Journey


class Views:
    """A view's committed documents at a position."""

    def __init__(self, position: int, docs: dict[str, Doc]) -> None:
        self.position = position
        self.docs = docs

    def read(self, name: str, key: str) -> tuple[int, Doc | None]:
        return self.position, self.docs.get(key)

    def read_tagged(self, name: str, tag: str | None) -> tuple[int, list[tuple[str, Doc]]]:
        return self.position, list(self.docs.items())


class Store:
    """One family's events, counting how often they are read."""

    def __init__(self, journey: Journey, position: int) -> None:
        self.journey = journey
        self.at = position
        self.reads = 0

    def family_events(self, family_id: UUID) -> Sequence[Event]:
        if family_id != self.journey.family_id:
            raise NotFoundError(f"no family {family_id}")
        self.reads += 1
        return list(self.journey.stream())

    def position(self) -> int:
        return self.at
