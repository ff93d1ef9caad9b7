"""Typed row tables of views (projections.rows), kept by the view store in the transaction
that writes the documents they are made from.

One table per declaring projection, every generation of the view in it (`view_id`), so a
rebuild's rows are written beside the live ones and dropped or switched with them. A
changed document's rows are deleted and written again: a family's rows always match its
document. Each database has its `Dialect`: its parameter mark, its column types and how a
value is bound (SQLite has no time type: times are stored as fixed-width UTC text, which
orders and compares as the times do; PostgreSQL stores TIMESTAMPTZ).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from projections.base import Doc
from projections.rows import ColumnType, RowTable, Value

SQLITE_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"


def sqlite_value(value: Value) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(SQLITE_TIME)
    if isinstance(value, bool):
        return int(value)
    return value


def sqlite_time(value: Any) -> datetime | None:
    return None if value is None else datetime.strptime(value, SQLITE_TIME).replace(tzinfo=UTC)


def postgres_time(value: Any) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Dialect:
    """What differs between the databases for row tables and the aggregates over them."""

    name: str
    mark: str
    types: Mapping[ColumnType, str]
    bind: Callable[[Value], Any]
    time: Callable[[Any], datetime | None]  # a stored time, read back
    year: Callable[[str], str]  # SQL for the year of a time column, as an integer
    true: str


SQLITE = Dialect(
    name="sqlite",
    mark="?",
    types={"text": "TEXT", "timestamp": "TEXT", "boolean": "INTEGER", "integer": "INTEGER"},
    bind=sqlite_value,
    time=sqlite_time,
    year=lambda column: f"CAST(substr({column}, 1, 4) AS INTEGER)",
    true="1",
)
POSTGRES = Dialect(
    name="postgresql",
    mark="%s",
    types={"text": "TEXT", "timestamp": "TIMESTAMPTZ", "boolean": "BOOLEAN", "integer": "INTEGER"},
    bind=lambda value: value,
    time=postgres_time,
    year=lambda column: f"CAST(EXTRACT(YEAR FROM {column} AT TIME ZONE 'UTC') AS INTEGER)",
    true="TRUE",
)


def schema(table: RowTable, dialect: Dialect) -> list[str]:
    """The statements that make the table and its indexes, if they are not there."""
    columns = ", ".join(f"{c.name} {dialect.types[c.type]}" for c in table.columns)
    key = ", ".join(("view_id", "doc_key", *table.key))
    statements = [
        f"CREATE TABLE IF NOT EXISTS {table.name} (view_id TEXT NOT NULL, "
        f"doc_key TEXT NOT NULL, {columns}, PRIMARY KEY ({key}))",
        f"CREATE INDEX IF NOT EXISTS {table.name}_doc ON {table.name} (view_id, doc_key)",
    ]
    for index in table.indexes:
        statements.append(
            f"CREATE INDEX IF NOT EXISTS {table.name}_{'_'.join(index)} "
            f"ON {table.name} (view_id, {', '.join(index)})"
        )
    return statements


def added_columns(table: RowTable, dialect: Dialect, existing: set[str]) -> list[str]:
    """The statements that add the table's columns a table made by an earlier version lacks
    (its rows are rewritten when the view's new version is built)."""
    return [
        f"ALTER TABLE {table.name} ADD COLUMN {c.name} {dialect.types[c.type]}"
        for c in table.columns
        if c.name not in existing
    ]


@dataclass(frozen=True)
class RowChanges:
    """A batch's rows, made before the transaction opens (as the documents are encoded)."""

    delete: str
    insert: str
    keys: list[tuple[str, str]]
    rows: list[tuple[Any, ...]]


def changes(
    table: RowTable, dialect: Dialect, view_id: str, changed: Mapping[str, tuple[str, Doc]]
) -> RowChanges:
    p = dialect.mark
    names = table.names
    rows = [
        (view_id, key, *(dialect.bind(row[name]) for name in names))
        for key, (_, doc) in changed.items()
        for row in table.rows(doc)
    ]
    return RowChanges(
        delete=f"DELETE FROM {table.name} WHERE view_id = {p} AND doc_key = {p}",
        insert=f"INSERT INTO {table.name} (view_id, doc_key, {', '.join(names)}) "
        f"VALUES ({', '.join([p] * (len(names) + 2))})",
        keys=[(view_id, key) for key in changed],
        rows=rows,
    )


def drop_statement(table: RowTable, dialect: Dialect) -> str:
    return f"DELETE FROM {table.name} WHERE view_id = {dialect.mark}"


def view_name(view_id: str) -> str:
    """The view's name from a generation's id (`name.vN.gM`)."""
    return view_id.rsplit(".", 2)[0]
