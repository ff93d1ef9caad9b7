"""The reference subscriber's own small store: a SQLite file of what it received off
`journeys.escalations.v1` (one row per CloudEvents id, so a record delivered twice is kept
once) and of the answers it sent through the API.

It holds what the messages hold: ids, codes, times and the link to the shared view, never
personal data (the relay withholds it). An answer's reason is the agency's own note: the
API's escalation response carries no reason, so it stays here and is never printed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS received (
    ce_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    family_id TEXT NOT NULL,
    escalation_id TEXT NOT NULL,
    agency TEXT NOT NULL,
    occurred_at TEXT,
    response TEXT,
    shared_view TEXT NOT NULL,
    topic_partition INTEGER NOT NULL,
    topic_offset INTEGER NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS received_escalation ON received (escalation_id);
CREATE TABLE IF NOT EXISTS answers (
    escalation_id TEXT PRIMARY KEY,
    response TEXT NOT NULL,
    reason TEXT,
    answered_at TEXT NOT NULL,
    position INTEGER NOT NULL
);
"""

RAISED = "journeys.escalation.raised"
RESPONDED = "journeys.escalation.responded"


@dataclass(frozen=True)
class Received:
    """One message kept: its CloudEvents id and type, what it is about, and where it was."""

    ce_id: str
    type: str
    family_id: str
    escalation_id: str
    agency: str
    occurred_at: str | None
    response: str | None  # of a response message: accepted or declined
    shared_view: str
    partition: int
    offset: int
    received_at: str


@dataclass(frozen=True)
class Escalation:
    """One escalation as the subscriber knows it: raised, and answered (by anyone, as the
    response message says), and what this subscriber answered, if it did."""

    escalation_id: str
    family_id: str
    shared_view: str
    raised_at: str | None
    response: str | None
    answered: str | None  # what this subscriber sent, if anything


class Inbox:
    """The subscriber's SQLite file; one connection, used from one thread."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def record(self, messages: list[Received]) -> list[Received]:
        """Keep the messages not kept before (by CloudEvents id), in one transaction; the
        ones new."""
        new = []
        with self._transaction() as db:
            for m in messages:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO received VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        m.ce_id, m.type, m.family_id, m.escalation_id, m.agency, m.occurred_at,
                        m.response, m.shared_view, m.partition, m.offset, m.received_at,
                    ),
                )  # fmt: skip
                if cursor.rowcount:
                    new.append(m)
        return new

    def received(self) -> list[Received]:
        """Every message kept, in the order received."""
        rows = self._db.execute("SELECT * FROM received ORDER BY rowid").fetchall()
        return [Received(*row) for row in rows]

    def escalations(self) -> list[Escalation]:
        """Each escalation received, with its response if one came, oldest first."""
        rows = self._db.execute(
            """
            SELECT r.escalation_id, r.family_id, r.shared_view, r.occurred_at,
                   (SELECT s.response FROM received s WHERE s.escalation_id = r.escalation_id
                    AND s.type = ? ORDER BY s.rowid LIMIT 1),
                   a.response
            FROM received r LEFT JOIN answers a ON a.escalation_id = r.escalation_id
            WHERE r.type = ? ORDER BY r.rowid
            """,
            (RESPONDED, RAISED),
        ).fetchall()
        return [Escalation(*row) for row in rows]

    def escalation(self, escalation_id: str) -> Escalation | None:
        return next((e for e in self.escalations() if e.escalation_id == escalation_id), None)

    def record_answer(
        self, escalation_id: str, response: str, reason: str | None, at: str, position: int
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?)",
                (escalation_id, response, reason, at, position),
            )


def received_from(envelope: Mapping[str, Any], *, partition: int, offset: int, at: str) -> Received:
    """What is kept of one escalations envelope (journeys.escalations.v1)."""
    data = envelope["data"]
    entry = data.get("entry") or {}
    return Received(
        ce_id=str(envelope["id"]),
        type=str(envelope["type"]),
        family_id=str(data["family_id"]),
        escalation_id=str(data["escalation_id"]),
        agency=str(data["agency"]),
        occurred_at=entry.get("occurred_at"),
        response=(entry.get("facts") or {}).get("response"),
        shared_view=str(data["shared_view"]),
        partition=partition,
        offset=offset,
        received_at=at,
    )


def parse(value: bytes) -> Mapping[str, Any] | None:
    """A record's envelope, or None for a value that is not one (kept out of the inbox)."""
    try:
        envelope = json.loads(value)
    except ValueError:
        return None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
        return None
    return envelope
