"""Dependencies of the routes, as `Annotated` aliases: the composition root, the caller's
identity and role, the idempotency key, and (for commands) all three as one `Sender`."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypedDict
from uuid import UUID

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.access import AccessRecorder, AccessRecording
from api.errors import ForbiddenError, NotAuthenticatedError
from api.permissions import ALLOWED, Action, may
from api.schemas.common import EntryCreate
from domain.application import JourneysApplication
from domain.errors import NotFoundError
from domain.values import Actor
from infra.bootstrap import Journeys
from infra.tokens import Identity, InvalidTokenError
from projections.base import replay
from projections.families import FamilyDirectory

bearer = HTTPBearer(auto_error=False, description="A token from `journeys token`.")


# The dependencies below do no I/O, so they are `async`: FastAPI then runs them on the event
# loop instead of handing each to a worker thread (three hand-offs per request saved).
async def get_journeys(request: Request) -> Journeys:
    journeys: Journeys = request.app.state.journeys
    return journeys


JourneysDep = Annotated[Journeys, Depends(get_journeys)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


# The web pages' session: the same signed token, in a cookie set by POST /session.
SESSION_COOKIE = "journeys_session"
# Only reads may be authenticated by the cookie, so that a form on another site can never
# make a command in the signed-in person's name (SameSite=Strict is a second fence).
COOKIE_METHODS = frozenset({"GET", "HEAD"})


async def current_identity(
    request: Request, journeys: JourneysDep, credentials: Credentials
) -> Identity:
    """Who is calling: the bearer token if one is sent, else (for reads) the session cookie."""
    token = credentials.credentials if credentials is not None else None
    if token is None and request.method in COOKIE_METHODS:
        token = request.cookies.get(SESSION_COOKIE)
    if token is None:
        raise NotAuthenticatedError("send a bearer token: Authorization: Bearer <token>")
    try:
        return journeys.tokens.verify(token)
    except InvalidTokenError:
        raise NotAuthenticatedError(
            "the token is not valid (expired, malformed or not signed here); get a new one"
        ) from None


CurrentIdentity = Annotated[Identity, Depends(current_identity)]


def check_role(identity: Identity, roles: tuple[str, ...]) -> Identity:
    if identity.role not in roles:
        raise ForbiddenError(
            f"this needs one of the roles {', '.join(roles)}; the token's role is {identity.role}"
        )
    return identity


def require_roles(*roles: str) -> Callable[[Identity], Awaitable[Identity]]:
    """A dependency that lets through only callers with one of `roles`."""

    async def check(identity: CurrentIdentity) -> Identity:
        return check_role(identity, roles)

    return check


FamilyFinder = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.FIND_FAMILIES]))]
EventReader = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.READ_EVENTS]))]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Repeat a command with the same key to get its first result again.",
    ),
]


class Entry(TypedDict):
    """What every command of the application service takes besides its own fields."""

    actor: Actor
    occurred_at: datetime
    idempotency_key: str | None


@dataclass(frozen=True)
class Sender:
    """Who sends a command (as the actor recorded on the entry), to which application, and
    under which idempotency key."""

    app: JourneysApplication
    actor: Actor
    idempotency_key: str | None

    def entry(self, body: EntryCreate) -> Entry:
        return Entry(
            actor=self.actor, occurred_at=body.occurred_at, idempotency_key=self.idempotency_key
        )


class SenderAllowedTo:
    """A dependency giving the Sender of a command, if the caller's role may do `action`."""

    def __init__(self, action: Action) -> None:
        self.roles = ALLOWED[action]

    async def __call__(
        self, journeys: JourneysDep, identity: CurrentIdentity, key: IdempotencyKey = None
    ) -> Sender:
        check_role(identity, self.roles)
        actor = Actor(identity.user_id, identity.role, identity.agency)
        return Sender(journeys.app, actor, key)


Registering = Annotated[Sender, Depends(SenderAllowedTo(Action.REGISTER))]
Recording = Annotated[Sender, Depends(SenderAllowedTo(Action.RECORD))]
RespondingToEscalation = Annotated[Sender, Depends(SenderAllowedTo(Action.RESPOND_TO_ESCALATION))]
SteppingDown = Annotated[Sender, Depends(SenderAllowedTo(Action.STEP_DOWN))]
Correcting = Annotated[Sender, Depends(SenderAllowedTo(Action.CORRECT))]


MAX_POSITION = 2**63 - 1  # the store's positions are 64-bit integers

MinPosition = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_POSITION,
        description="Read-your-writes: wait until the view has reached this store position "
        "(the `position` a command answered); 504 with the view's position if it does not "
        "in time.",
    ),
]


WaitSeconds = Annotated[
    float | None,
    Query(
        gt=0,
        le=60,
        description="How long to wait for `min_position` (default and longest: the server's "
        "JOURNEYS_READ_WAIT_SECONDS).",
    ),
]


@dataclass(frozen=True)
class ReadAfter:
    """Read-your-writes: the store position a read must reflect, and how long to wait."""

    position: int | None
    seconds: float

    def wait(self, journeys: Journeys, *views: str) -> None:
        """Return once every view has reached the position; ViewNotReadyError (504, with the
        view's position) if they have not within the time, counted once for them all."""
        if self.position is None:
            return
        deadline = time.monotonic() + self.seconds
        for view in views:
            remaining = max(0.0, deadline - time.monotonic())
            journeys.views.wait(view, self.position, timeout=remaining)


async def read_after(
    journeys: JourneysDep, min_position: MinPosition = None, wait_seconds: WaitSeconds = None
) -> ReadAfter:
    longest = journeys.settings.read_wait_seconds
    return ReadAfter(min_position, min(wait_seconds or longest, longest))


ReadAfterDep = Annotated[ReadAfter, Depends(read_after)]


@dataclass(frozen=True)
class FamilyRead:
    """A permitted read of one family: who asks, whether they may see personal details, and
    the family's directory entry (area, registration, leads)."""

    identity: Identity
    family_id: UUID
    personal: bool
    directory: dict[str, Any]


def family_directory(journeys: Journeys, family_id: UUID) -> dict[str, Any]:
    """The family's directory entry (area, registration, leads); NotFoundError if none."""
    _, directory = journeys.views.read("families", str(family_id))
    if directory is None:
        # Not yet projected, or not at all: the store is the authority (404 if none).
        events = journeys.app.family_events(family_id)
        directory = replay(FamilyDirectory(), events).docs[str(family_id)]
    return directory


def check_family_role(
    identity: Identity,
    roles: tuple[str, ...],
    *,
    family_id: UUID,
    journeys: Journeys,
    access: AccessRecorder,
) -> None:
    """check_role for a read of one family's record: a refusal is logged as an attempt at
    the record, if the family exists (api/access.py)."""
    try:
        check_role(identity, roles)
    except ForbiddenError as refused:
        try:
            family_directory(journeys, family_id)
        except NotFoundError:
            pass  # no one's record: the 403 stands, unlogged
        else:
            access.record(identity, family_id, outcome="refused")
        raise refused


class FamilyReaderFor:
    """A dependency for reads of one family's views (path parameter `family_id`).

    Checks the role, waits for `min_position` in the given views (ReadAfter), answers 404
    for a family that does not exist, and 403 for a lead practitioner who has never led it.
    Logs the read, or the refusal, in the access log (api/access.py) before the route reads.
    Not async: it may wait, and reads the database."""

    def __init__(self, action: Action, *views: str) -> None:
        self.roles = ALLOWED[action]
        self.views = ("families", *views)

    def __call__(
        self,
        family_id: UUID,
        journeys: JourneysDep,
        identity: CurrentIdentity,
        after: ReadAfterDep,
        access: AccessRecording,
    ) -> FamilyRead:
        check_family_role(
            identity, self.roles, family_id=family_id, journeys=journeys, access=access
        )
        after.wait(journeys, *self.views)
        directory = family_directory(journeys, family_id)
        if identity.role == "lead_practitioner" and identity.user_id not in directory["leads"]:
            access.record(identity, family_id, outcome="refused")
            raise ForbiddenError(
                "a lead practitioner reads the families they lead or have led; "
                "this family has not been assigned to you"
            )
        personal = may(identity, Action.READ_PERSONAL_DATA)
        access.record(identity, family_id)
        return FamilyRead(identity, family_id, personal, directory)


JourneyReader = Annotated[FamilyRead, Depends(FamilyReaderFor(Action.READ_JOURNEY, "timeline"))]
