"""Instants in query parameters (`recorded_at`, `occurred_by`): what they accept and how they
are read, for every read that takes them (the timeline, the journey, the access log).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import Query

from domain.errors import InvalidValueError

INSTANT = (
    "ISO 8601 with a time zone (2025-03-03T09:30:00Z), or a date alone (2025-03-03), "
    "meaning the end of that day, UTC."
)
RecordedAt = Annotated[
    str | None,
    Query(
        max_length=64,
        description="The record as it stood at this instant: only entries, corrections and "
        f"retractions recorded by then. {INSTANT}",
    ),
]
OccurredBy = Annotated[
    str | None,
    Query(
        max_length=64,
        description="Only what had happened by this instant, each entry at its time as "
        f"corrected. {INSTANT}",
    ),
]


def instant(field: str, text: str | None) -> datetime | None:
    """A query parameter as an aware time in UTC; a date alone is the end of that day."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day, time.max, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        # Not the parser's message: it repeats the value sent.
        raise InvalidValueError(
            field, f"not a valid date or time; give {INSTANT[0].lower()}{INSTANT[1:]}"
        ) from None
    if moment.utcoffset() is None:
        raise InvalidValueError(field, "give a time zone, e.g. 2025-03-03T09:30:00Z")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidValueError(field, "the time is out of range") from None
