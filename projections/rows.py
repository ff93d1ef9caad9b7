"""Typed rows beside a view's documents: a table the database can aggregate and index.

A projection whose answers are counts over many families (a report, a cohort's rates)
declares a `RowTable`: its columns, with logical types, and how one document becomes rows.
The view store (infra.views) keeps the table in the same transaction as the documents, per
generation of the view (a `view_id` column), so a rebuild fills a new generation beside the
live one and readers aggregate the live generation only. Each backend maps the types to its
own: `timestamp` is TIMESTAMPTZ on PostgreSQL and fixed-width UTC text on SQLite (which
sorts and compares as time does), `boolean` is BOOLEAN or 0/1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from projections.base import Doc, Projection

ColumnType = Literal["text", "timestamp", "boolean", "integer"]
Value = str | int | bool | datetime | None
Row = dict[str, Value]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType


@dataclass(frozen=True)
class RowTable:
    """A SQL table of rows made from a view's documents. Its primary key is (`view_id`,
    `doc_key`, *`key`): every row belongs to one document, and is replaced with it."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...]
    rows: Callable[[Doc], Sequence[Row]]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def row_tables(projections: Iterable[Projection]) -> dict[str, RowTable]:
    """The row tables these projections declare, by view name."""
    return {p.name: p.table for p in projections if p.table is not None}
