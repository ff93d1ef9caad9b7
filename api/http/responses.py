"""How a command answers: 201 with the family id, the new ids, the store position and when
the store recorded it."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from fastapi.responses import JSONResponse

from api.http.schemas.reads import CommandPublic, ErrorPublic
from domain.application import CommandResult

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "No valid bearer token"},
    403: {"model": ErrorPublic, "description": "The token's role may not do this"},
    404: {"model": ErrorPublic, "description": "No such family"},
    409: {"model": ErrorPublic, "description": "A rule of practice would be broken"},
    422: {"model": ErrorPublic, "description": "A field is missing or not valid"},
    503: {"model": ErrorPublic, "description": "The event store cannot be reached"},
}

# What reads of views answer besides their result: `@router.get(path, responses=READS)`.
READS: dict[int | str, dict[str, Any]] = {
    **{k: v for k, v in ERRORS.items() if k != 409},
    504: {
        "model": ErrorPublic,
        "description": "The view did not reach `min_position` in time; `position` says where it is",
    },
}

# The options every command route shares: `@router.post(path, **COMMAND)`.
COMMAND: dict[str, Any] = {
    "status_code": 201,
    "response_model": CommandPublic,
    "responses": ERRORS,
    "response_description": "Recorded: the new ids and the store position",
}


def created(result: CommandResult) -> JSONResponse:
    """The 201 answer to a command; a replayed idempotent command says so in a header."""
    body = {
        "family_id": str(result.family_id),
        **{name: str(value) for name, value in result.ids.items()},
        "position": result.position,
        # In UTC, written as GET /families/{id}/events writes each event's recorded_at.
        "recorded_at": result.recorded_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return JSONResponse(body, status_code=201, headers=headers)


def wants_csv(format: str | None, accept: str | None) -> bool:
    """An aggregate's answer as CSV: asked by `?format=csv`, or by `Accept: text/csv`."""
    return format == "csv" or (format is None and accept is not None and "text/csv" in accept)
