"""The one place where errors become HTTP answers, all shaped
`{"error": <code>, "detail": <what a person can act on>, "field"/"rule": ...}`.

Error bodies name fields and reasons, never the values sent: those may be personal data.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from domain.errors import InvalidValueError, NotFoundError, RuleBrokenError, UnknownCodeError
from infra.store.unavailable import STORE_UNAVAILABLE_ERRORS
from infra.views.store import ViewNotReadyError

log = logging.getLogger(__name__)

STORE_UNAVAILABLE = "the event store cannot be reached; try again shortly"
LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})
HTTP_ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "not_allowed"}


class AccessError(Exception):
    """A request refused before it reaches the application: who is asking, or may they."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotAuthenticatedError(AccessError):
    """No bearer token, or one that is malformed, expired or not signed by us."""


class ForbiddenError(AccessError):
    """The caller's role may not do this."""


class ErrorResponse(JSONResponse):
    # ASCII-escaped, so that a field name holding a stray surrogate still renders.
    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode("ascii")


def error(status: int, code: str, detail: str, **extra: Any) -> ErrorResponse:
    headers = extra.pop("headers", None)
    body = {"error": code, "detail": detail, **{k: v for k, v in extra.items() if v is not None}}
    return ErrorResponse(body, status_code=status, headers=headers)


def field_of(loc: tuple[int | str, ...]) -> str:
    parts = loc[1:] if loc and loc[0] in LOCATIONS else loc
    return ".".join(str(part) for part in parts)


UNREADABLE_BODY = (
    "the body could not be read: send one JSON value, in UTF-8, nested at most a few "
    "hundred levels deep"
)


def problem(item: Mapping[str, Any]) -> dict[str, str]:
    """One validation error as {field, detail}: only where and why, since pydantic's
    `input` (and `ctx`) may hold what was sent."""
    if item.get("type") == "json_invalid":
        # Its location is a character offset in the body: the field at fault is the body.
        return {"field": "body", "detail": "the body is not valid JSON"}
    detail = str(item.get("msg", "invalid")).removeprefix("Value error, ")
    return {"field": field_of(tuple(item.get("loc", ()))), "detail": detail}


def invalid_request(exc: RequestValidationError) -> ErrorResponse:
    errors = [problem(e) for e in exc.errors()] or [
        {"field": "", "detail": "the request is not valid"}
    ]
    return error(422, "invalid", errors[0]["detail"], field=errors[0]["field"], errors=errors)


def unreadable_body() -> ErrorResponse:
    errors = [{"field": "body", "detail": UNREADABLE_BODY}]
    return error(422, "invalid", UNREADABLE_BODY, field="body", errors=errors)


def invalid_value(exc: InvalidValueError) -> ErrorResponse:
    valid = list(exc.valid) if isinstance(exc, UnknownCodeError) else None
    # Listed like a validation error's fields, so a client reads every 422 the same way.
    errors = [{"field": exc.field, "detail": exc.detail}]
    return error(422, "invalid", exc.detail, field=exc.field, valid=valid, errors=errors)


def http_error(exc: HTTPException) -> ErrorResponse:
    if exc.status_code == 400:
        # FastAPI's only 400: a body it could not parse (not UTF-8, nested too deep).
        # Answered as every other invalid body is, so the API documents one status for it.
        return unreadable_body()
    code = HTTP_ERRORS.get(exc.status_code, "http_error")
    return error(exc.status_code, code, str(exc.detail), headers=exc.headers)


def store_unavailable(exc: Exception) -> ErrorResponse:
    log.warning("event store unavailable: %s", exc)
    return error(503, "store_unavailable", STORE_UNAVAILABLE, headers={"Retry-After": "5"})


def internal_error(exc: Exception) -> ErrorResponse:
    # Logged (and re-raised) by Starlette; the body says nothing about what was sent.
    return error(500, "internal", "something went wrong on our side; it has been logged")


# Exception type -> answer. Starlette picks the closest class in an exception's MRO, so
# ConcurrentChangeError and IdempotencyKeyReusedError answer as rules broken, and
# UnknownCodeError as an invalid value.
ANSWERS: Mapping[type[Exception], Callable[[Any], ErrorResponse]] = {
    NotFoundError: lambda e: error(404, "not_found", e.detail),
    RuleBrokenError: lambda e: error(409, "rule_broken", e.detail, rule=e.rule),
    InvalidValueError: invalid_value,
    RequestValidationError: invalid_request,
    NotAuthenticatedError: lambda e: error(
        401, "unauthenticated", e.detail, headers={"WWW-Authenticate": "Bearer"}
    ),
    ForbiddenError: lambda e: error(403, "forbidden", e.detail),
    # Not a stale answer passed off as fresh: say where the view is, so the caller can wait.
    ViewNotReadyError: lambda e: error(504, "view_not_ready", e.detail, position=e.position),
    HTTPException: http_error,
    **dict.fromkeys(STORE_UNAVAILABLE_ERRORS, store_unavailable),
    Exception: internal_error,
}


def handler(
    answer: Callable[[Any], ErrorResponse],
) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        return answer(exc)

    return handle


def register_error_handlers(app: FastAPI) -> None:
    for exc_type, answer in ANSWERS.items():
        app.add_exception_handler(exc_type, handler(answer))
