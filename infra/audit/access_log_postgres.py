"""The access log in PostgreSQL (the port, and what both backends share: access_log).

Append-only by one trigger function that refuses UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infra.audit.access_log import REFUSED_MESSAGE, TABLES, AccessLog, tables_for


def _postgres_triggers(table: str) -> str:
    return f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{table}_no_change'
                           AND tgrelid = '{table}'::regclass) THEN
                CREATE TRIGGER {table}_no_change
                    BEFORE UPDATE OR DELETE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION journeys_access_log_refuse();
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{table}_no_truncate'
                           AND tgrelid = '{table}'::regclass) THEN
                CREATE TRIGGER {table}_no_truncate
                    BEFORE TRUNCATE ON {table}
                    FOR EACH STATEMENT EXECUTE FUNCTION journeys_access_log_refuse();
            END IF;
        END $$"""


class PostgresAccessLog(AccessLog):
    """In the PostgreSQL database: one trigger function refuses UPDATE, DELETE and TRUNCATE."""

    mark = "%s"
    schema = (
        # Several processes may start at once; DDL is not safe to race, so they take turns.
        "SELECT pg_advisory_xact_lock(hashtext('journeys_access_log'))",
        *tables_for(
            id_type="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            family_type="UUID",
            at_type="TIMESTAMPTZ",
        ),
        f"""CREATE OR REPLACE FUNCTION journeys_access_log_refuse() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION USING
                    MESSAGE = '{REFUSED_MESSAGE}: ' || TG_OP || ' is refused',
                    ERRCODE = 'insufficient_privilege';
            END $$""",
        *(_postgres_triggers(table) for table in TABLES),
    )

    def _time(self, at: datetime) -> datetime:
        return at.astimezone(UTC)

    def _read_time(self, stored: Any) -> datetime:
        moment: datetime = stored
        return moment.astimezone(UTC)
