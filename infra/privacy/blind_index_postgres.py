"""The blind index in PostgreSQL (the port, and the hashing: blind_index)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from infra.privacy.blind_index import BlindIndex, Hasher, tables_for
from infra.privacy.keys import PurgeReport


class PostgresBlindIndex(BlindIndex):
    """In the event store's PostgreSQL database, through the store's connection pool."""

    schema = (
        # Several processes may start at once; DDL is not safe to race, so they take turns.
        "SELECT pg_advisory_xact_lock(hashtext('journeys_blind_index'))",
        *tables_for(blob="BYTEA", position="BIGINT"),
        "INSERT INTO journeys_blind_index_position (one, position) VALUES (1, 0) "
        "ON CONFLICT (one) DO NOTHING",
    )
    select_position = "SELECT position FROM journeys_blind_index_position"
    lock_position = "SELECT position FROM journeys_blind_index_position FOR UPDATE"
    update_position = "UPDATE journeys_blind_index_position SET position = %s"
    insert_row = (
        "INSERT INTO journeys_blind_index (family_id, member_id, kind, hash) "
        "SELECT %s, %s, %s, %s WHERE NOT EXISTS "
        "(SELECT 1 FROM journeys_blind_index_erased WHERE family_id = %s) "
        "ON CONFLICT (family_id, member_id, kind) DO UPDATE SET hash = excluded.hash"
    )
    insert_erased = (
        "INSERT INTO journeys_blind_index_erased (family_id) VALUES (%s) "
        "ON CONFLICT (family_id) DO NOTHING"
    )
    delete_family = "DELETE FROM journeys_blind_index WHERE family_id = %s"
    delete_all = "DELETE FROM journeys_blind_index"

    def __init__(self, datastore: Any, hasher: Hasher) -> None:
        super().__init__(hasher)
        self._datastore = datastore

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Any]:
        with self._datastore.transaction(commit=write) as cursor:
            yield cursor

    def _search_sql(self, count: int) -> str:
        pairs = " OR ".join(["(kind = %s AND hash = %s)"] * count)
        return (
            f"SELECT family_id, member_id FROM journeys_blind_index WHERE {pairs} "
            "GROUP BY family_id, member_id HAVING COUNT(*) = %s "
            "ORDER BY family_id, member_id LIMIT %s"
        )

    def purge(self) -> PurgeReport:
        import psycopg

        report = PurgeReport()
        with self._datastore.get_connection() as conn:  # autocommit: VACUUM needs it
            try:
                # A plain VACUUM may leave a deleted row's bytes in a page's free space.
                conn.execute("VACUUM FULL journeys_blind_index")
            except psycopg.errors.InsufficientPrivilege:
                report.not_done.append("blind index rewritten: the database role may not")
            else:
                report.done.append("blind index rewritten (VACUUM FULL)")
        return report

    def close(self) -> None:
        pass  # the store's pool is the store's to close
