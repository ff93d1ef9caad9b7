"""The exceptions that mean the event store, or the database under it, cannot be reached
just now, whichever backend is configured: callers answer "try again" (the API: 503 with
Retry-After) without naming a database driver themselves."""

from __future__ import annotations

import psycopg
from eventsourcing import persistence

STORE_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    persistence.OperationalError,  # incl. ConnectionUnavailableError
    persistence.InterfaceError,
    psycopg.OperationalError,  # incl. psycopg_pool.PoolTimeout
)
