"""One cursor type for every paged list (`{"items": [...], "next": <cursor or null>}`): the
`next` of a page is an opaque string that the next request sends back as `after`.

Inside, a cursor is a position in the list's own order (a store position, a log entry id),
written in base 36 so that nobody mistakes it for a count or a page number. A cursor that
was not made here is refused with 422 naming `after`, never a server error.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from domain.errors import InvalidValueError

MAX_POSITION = 2**63 - 1  # positions and ids are signed 64-bit integers in both databases
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"

AfterQuery = Annotated[
    str | None,
    Query(
        max_length=16,
        pattern=r"^[0-9a-z]{1,13}$",
        description="The `next` of the previous page (an opaque cursor); leave out for the "
        "first page.",
    ),
]


def encode(position: int) -> str:
    """The cursor of the page that follows `position`."""
    if not 0 <= position <= MAX_POSITION:
        raise ValueError(f"a cursor holds a position from 0 to {MAX_POSITION}")
    digits = ""
    while True:
        position, digit = divmod(position, 36)
        digits = _DIGITS[digit] + digits
        if position == 0:
            return digits


def decode(cursor: str | None, *, field: str = "after") -> int | None:
    """The position a cursor holds, None for the first page; InvalidValueError (422) for one
    not made by `encode`."""
    if cursor is None:
        return None
    try:
        position = int(cursor, 36)
    except ValueError:
        position = -1
    if not 0 <= position <= MAX_POSITION or encode(position) != cursor:
        raise InvalidValueError(field, "not a cursor of this list; send the `next` of a page")
    return position


def next_cursor(position: int | None) -> str | None:
    return None if position is None else encode(position)
