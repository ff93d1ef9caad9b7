"""How far the relay has published each source, in the event store's own database.

One row per source (`store`: the store's notification log), the shape of the views'
tracking rows (infra/views/store.py). A position is recorded only after the broker
acknowledged every message up to it, so a crash between the two publishes again what
follows the recorded position (at-least-once); it only ever moves forward.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from infra.views.store import STORE, StoreTable, ViewStore

SCHEMA = """CREATE TABLE IF NOT EXISTS journeys_relay_positions (
    source TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL)"""


@dataclass(frozen=True)
class RelayPosition:
    source: str
    position: int
    updated_at: float | None  # None: never recorded


class RelayPositions(StoreTable):
    """The relay's positions, written through the view store's connections."""

    schema = SCHEMA

    def __init__(self, views: ViewStore) -> None:
        super().__init__(views)
        p = self._mark
        self._select = (
            f"SELECT position, updated_at FROM journeys_relay_positions WHERE source = {p}"
        )
        self._upsert = (
            "INSERT INTO journeys_relay_positions (source, position, updated_at) "
            f"VALUES ({p}, {p}, {p}) ON CONFLICT (source) DO UPDATE SET "
            "position = excluded.position, updated_at = excluded.updated_at "
            "WHERE journeys_relay_positions.position < excluded.position"
        )

    def get(self, source: str = STORE) -> RelayPosition:
        with self._transaction(write=False) as cur:
            cur.execute(self._select, (source,))
            rows = cur.fetchall()
        if not rows:
            return RelayPosition(source, 0, None)
        return RelayPosition(source, int(rows[0]["position"]), float(rows[0]["updated_at"]))

    def record(self, position: int, source: str = STORE) -> None:
        """The broker acknowledged everything up to `position` of `source`."""
        with self._transaction(write=True) as cur:
            cur.execute(self._upsert, (source, position, time.time()))
