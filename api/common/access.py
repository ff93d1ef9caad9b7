"""Logging the reads of a family's record (infra.audit.access_log): what a request reads, the
parameters that shaped what it saw, and the reason its reader states.

What is logged, and when (the routes call `AccessRecorder.record`, most of them through
`api.common.deps.FamilyReaderFor`):

- every request that returns one family's record writes one entry, once the caller is
  authorised and the family is known to exist, before the record is read and answered; if
  the entry cannot be written, the request fails: there are no unlogged reads;
- a refusal (403) for a family that exists is logged too, with outcome `refused`: an
  attempt at a child's record is what an auditor looks for. A 401 (no identity) and a 404
  (no such family: no one's record) are not logged;
- a request that passed those checks and then fails on a bad parameter (422) answers
  nothing of the record, and its entries say so: outcome `invalid`, not `read`.

How the last is done: the entry is still written before the read (it cannot wait: a route
may read before it finds a parameter bad, and an unlogged read is worse than a wrong
outcome), and the request's `read` entries are then amended to `invalid` once its answer
turns out to be a 422 (infra.audit.access_log: an amendment row, the entry itself is never
changed). The amending is a middleware (`InvalidReadsAmended`) watching the status of the
answer, because that is the one place that sees every 422: FastAPI's own validation, an
InvalidValueError from a route or dependency, and the 422 *pages* that the web routes make
themselves (api.web.pages.PageRoute), which neither an exception handler nor a
dependency with `yield` would see. Validating before logging was the other way; it would
need every route, present and future, to check all its parameters before its first read.
If the amendment cannot be written, the request fails (500), as an unwritable entry does.

The stated reason is a code of the `access_reason` code list, never free text: the log is
never erased, so it must hold no personal data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

import anyio.to_thread
from fastapi import Depends, Header, Query, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import InvalidValueError
from infra.audit.access_log import Access, AccessLog, Outcome
from infra.bootstrap import Journeys
from infra.tokens import Identity

REASONS = "access_reason"  # the code list of stated reasons (domain/codelists)

# What a read is of, by the path of its route: the names the access log shows. A route not
# named here is logged under its path.
WHAT: Mapping[str, str] = {
    "/families/{family_id}": "family",
    "/families/{family_id}/events": "events",
    "/families/{family_id}/timeline": "timeline",
    "/families/{family_id}/journey": "journey",
    "/families/{family_id}/journey.svg": "journey picture",
    "/families/{family_id}/shared-view": "shared view",
    "/families/{family_id}/access-log": "access log",
    "/families/{family_id}/integrity": "integrity",
    "/web/families/{family_id}": "family page",
    "/web/families/{family_id}/access-log": "family page access log",
    "/web/families/{family_id}/print": "family print",
    "/web/families/{family_id}/shared": "shared view page",
    "/web/families/{family_id}/case-audit": "case audit form",
}

# The query parameters that shape what a read shows, and the shape each must have to be
# logged as given. Anything else is logged as NOT_VALID: a value typed by a person could be
# personal data, and the log keeps only codes, times and user ids.
_INSTANT = re.compile(r"\d{4}-\d\d-\d\d(?:[T ][0-9:.]{2,18}(?:Z|[+-]\d\d:?\d\d)?)?")
_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_USER_ID = re.compile(r"[A-Za-z0-9._@:-]{1,200}")
DETAIL: Mapping[str, re.Pattern[str]] = {
    "as_recorded_at": _INSTANT,
    "as_occurred_by": _INSTANT,
    "agency": _CODE,
    "from": _INSTANT,
    "to": _INSTANT,
    "user_id": _USER_ID,
}
NOT_VALID = "(not valid)"

ReasonQuery = Annotated[
    str | None,
    Query(
        alias="reason",
        max_length=64,
        description="Why you read this record, for the access log: a code of the "
        "`access_reason` list (audit, case_review, supervision, safeguarding_check, ...).",
    ),
]
ReasonHeader = Annotated[
    str | None,
    Header(
        alias="X-Journeys-Reason",
        max_length=64,
        description="The same as the query parameter `reason`, as a header.",
    ),
]


@dataclass(frozen=True)
class AccessRecorder:
    """Writes the access log entries of one request. It knows what the request reads, with
    which parameters and why; the route says who reads which family."""

    log: AccessLog
    what: str
    detail: Mapping[str, str]
    reason: str | None
    reads: list[int] = field(default_factory=list)
    """The ids of the `read` entries written for this request (InvalidReadsAmended)."""

    def record(self, identity: Identity, family_id: UUID, *, outcome: Outcome = "read") -> None:
        """Log the access now; an error here must fail the request."""
        entry = self.log.append(
            Access(
                family_id=family_id,
                user_id=identity.user_id,
                role=identity.role,
                agency=identity.agency,
                what=self.what,
                detail=self.detail,
                reason=self.reason,
                outcome=outcome,
            )
        )
        if outcome == "read":
            self.reads.append(entry.access_id)


def what_of(request: Request) -> str:
    route = request.scope.get("route")
    path = str(getattr(route, "path", "") or request.url.path)
    return WHAT.get(path, path)


def detail_of(request: Request) -> dict[str, str]:
    given = {name: request.query_params.get(name) for name in DETAIL}
    return {
        name: value if DETAIL[name].fullmatch(value) else NOT_VALID
        for name, value in given.items()
        if value is not None
    }


async def access_recorder(
    request: Request, reason: ReasonQuery = None, reason_header: ReasonHeader = None
) -> AccessRecorder:
    """The recorder of this request's reads, with its stated reason checked (422 naming
    `reason` for a code not on the list). No I/O, so `async`."""
    # From the app's state, as deps.get_journeys does: api.common.deps builds on this module.
    journeys: Journeys = request.app.state.journeys
    if reason is not None and reason_header is not None and reason != reason_header:
        raise InvalidValueError(
            "reason", "the query parameter and the X-Journeys-Reason header differ; give one"
        )
    stated = reason if reason is not None else reason_header
    if stated is not None:
        journeys.app.codes.require(REASONS, stated, field="reason")
    reads: list[int] = request.scope.setdefault(READS_LOGGED, [])
    return AccessRecorder(journeys.access_log, what_of(request), detail_of(request), stated, reads)


AccessRecording = Annotated[AccessRecorder, Depends(access_recorder)]


READS_LOGGED = "journeys.reads_logged"  # the request scope's key for AccessRecorder.reads


class InvalidReadsAmended:
    """ASGI middleware: when a request's answer is a 422, the `read` entries it wrote are
    amended to `invalid` before the answer starts (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reads: list[int] = []
        scope[READS_LOGGED] = reads

        async def amending(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 422 and reads:
                journeys: Any = scope["app"].state.journeys
                await anyio.to_thread.run_sync(journeys.access_log.amend_invalid, tuple(reads))
            await send(message)

        await self.app(scope, receive, amending)
