"""What PostgreSQL's backends are doing during a load, sampled from pg_stat_activity: are
writers queueing for the events table's lock, is a transaction held open while the
application works, is the server flushing its WAL?"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.support.postgres import PostgresServer

QUERY = (
    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
    "WHERE datname = %s AND pid <> pg_backend_pid()"
)


def category(state: str | None, wait_type: str | None, wait_event: str | None) -> str:
    if state == "idle in transaction":
        return "transaction open, waiting for the app"
    if state != "active":
        return "idle connection"
    if wait_type == "Lock":
        return f"waiting for a lock ({wait_event})"
    if wait_event in {"WalSync", "WalWrite"}:
        return "flushing WAL (commit)"
    return "executing a statement"


@dataclass
class Waits:
    """Backends of the database in each state, on average over the samples."""

    samples: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def means(self) -> dict[str, float]:
        if not self.samples:
            return {}
        return {name: n / self.samples for name, n in self.counts.most_common()}


@contextmanager
def sampled(server: PostgresServer, dbname: str, *, every: float = 0.02) -> Iterator[Waits]:
    """Sample every `every` seconds in a thread, until the block ends."""
    waits = Waits()
    stop = threading.Event()

    def sample() -> None:
        with server.connect() as connection:
            while not stop.is_set():
                rows = connection.execute(QUERY, (dbname,)).fetchall()
                waits.counts.update(category(*row) for row in rows)
                waits.samples += 1
                stop.wait(every)

    sampler = threading.Thread(target=sample, name="pg-wait-sampler")
    sampler.start()
    try:
        yield waits
    finally:
        stop.set()
        sampler.join()
