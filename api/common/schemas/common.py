"""Field types and base classes shared by the request and response bodies."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None


def _encodable(value: str) -> str:
    # json.loads lets lone surrogates through; they could never be stored as UTF-8.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the text contains characters that are not valid Unicode") from None
    return value


# Pydantic would read a number, or a string of digits, as seconds since 1970, and a date
# as midnight: only the written ISO 8601 forms are taken.
_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d")
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")


def _iso_time_text(value: Any) -> Any:
    if not isinstance(value, str) or not _ISO_TIME.match(value):
        raise ValueError("give an ISO 8601 time with a time zone, e.g. 2025-03-01T09:30:00Z")
    return value


def _iso_date_text(value: Any) -> Any:
    if isinstance(value, date):  # a default, or a value built in Python
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("give an ISO 8601 date, e.g. 2025-03-01")
    return value


UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_time_text), AfterValidator(_utc)]
"""An ISO 8601 time with a time zone, written as text (naive times, numbers and digit
strings are refused), kept in UTC."""

IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]
"""An ISO 8601 date written as text (YYYY-MM-DD); numbers and digit strings are refused."""

Flag = StrictBool
"""A JSON boolean: true or false, never "yes", 1 or "true"."""

Code = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_encodable)]
"""A code from one of the code lists; the domain checks it against the list in force."""

Name = Annotated[str, StringConstraints(max_length=200), AfterValidator(_encodable)]
Text = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_encodable)]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_encodable)]
Codes = Annotated[tuple[Code, ...], Field(max_length=100)]


class RequestBody(BaseModel):
    """A strict request body: unknown fields are refused, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)
