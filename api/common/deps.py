"""Dependencies of the routes, as `Annotated` aliases: the composition root, the caller's
identity and role, the idempotency key, and (for commands) all three as one `Sender`."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.common.access import AccessRecorder, AccessRecording
from api.common.cursors import MAX_POSITION
from api.common.errors import ForbiddenError, NotAuthenticatedError
from api.common.permissions import ALLOWED, Action
from domain.access import PRACTITIONERS, Caseload, Decision, Route, Sees, decide
from domain.application import JourneysApplication
from domain.errors import InvalidValueError, NotFoundError
from domain.values import Actor
from infra.bootstrap import Journeys
from infra.tokens import Identity, InvalidTokenError
from projections.base import Doc
from projections.caseload import CaseloadProjection, caseload
from projections.families import FamilyDirectory
from projections.reads import family_doc
from projections.sharing import SharingProjection, visibility

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


@dataclass(frozen=True)
class Sender:
    """Who sends a command (as the actor recorded on the entry), to which application, and
    under which idempotency key."""

    app: JourneysApplication
    actor: Actor
    idempotency_key: str | None


class SenderAllowedTo:
    """A dependency giving the Sender of a command, if the caller's role may do `action`
    and, for a command on a family (path parameter `family_id`), domain.access lets the
    caller write to it (`route` REPORT: what any service may record, whatever its caseload).
    Not async where it reads the caseload."""

    def __init__(self, action: Action, route: Route = Route.COMMAND) -> None:
        self.roles = ALLOWED[action]
        self.route = route

    def __call__(
        self,
        request: Request,
        journeys: JourneysDep,
        identity: CurrentIdentity,
        key: IdempotencyKey = None,
    ) -> Sender:
        check_role(identity, self.roles)
        family_id = request.path_params.get("family_id")
        if family_id is not None and self.route is not Route.REPORT:
            decision = access_decision(journeys, identity, UUID(family_id))
            if not decision.allows(self.route):
                raise refusal(decision, self.route)
        actor = Actor(identity.user_id, identity.role, identity.agency)
        return Sender(journeys.app, actor, key)


Registering = Annotated[Sender, Depends(SenderAllowedTo(Action.REGISTER))]
Recording = Annotated[Sender, Depends(SenderAllowedTo(Action.RECORD))]
# Any service may report a concern, and a service answers an escalation addressed to it
# (a domain rule), whoever leads the family.
Reporting = Annotated[Sender, Depends(SenderAllowedTo(Action.RECORD, Route.REPORT))]
RespondingToEscalation = Annotated[
    Sender, Depends(SenderAllowedTo(Action.RESPOND_TO_ESCALATION, Route.REPORT))
]
SteppingDown = Annotated[Sender, Depends(SenderAllowedTo(Action.STEP_DOWN))]
Correcting = Annotated[Sender, Depends(SenderAllowedTo(Action.CORRECT))]
Auditing = Annotated[Sender, Depends(SenderAllowedTo(Action.AUDIT))]


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
        reached = journeys.app.position()
        if self.position > reached:
            # No command has answered a position the store has not reached: waiting for it
            # would only run out the clock (a typo, or a position of another store).
            raise InvalidValueError(
                "min_position",
                f"the store has reached position {reached}; give the `position` a command answered",
            )
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
    """A permitted read of one family: who asks, what they see (`decision.sees`: all, or
    only what their agency may see), whether they may see personal details, and the
    family's directory entry (area, registration)."""

    identity: Identity
    family_id: UUID
    personal: bool
    directory: dict[str, Any]
    decision: Decision


def family_directory(journeys: Journeys, family_id: UUID) -> dict[str, Any]:
    """The family's directory entry (area, registration, leads); NotFoundError if none."""
    return family_doc(journeys.views, journeys.app, FamilyDirectory(), family_id).doc


def family_caseload(journeys: Journeys, family_id: UUID) -> Caseload:
    """Who leads or led the family and which agencies are around it, at least as of the
    store's position now (a lead ended or a consent withdrawn before this request counts);
    NotFoundError if there is no such family."""
    now = journeys.app.position()
    read = family_doc(journeys.views, journeys.app, CaseloadProjection(), family_id, at_least=now)
    return caseload(read.doc)


def grace_period(journeys: Journeys) -> timedelta:
    """How long a former lead practitioner still reads (JOURNEYS_FORMER_LEAD_GRACE_DAYS)."""
    return timedelta(days=journeys.settings.former_lead_grace_days)


def access_decision(journeys: Journeys, identity: Identity, family_id: UUID) -> Decision:
    """domain.access.decide for this caller and family, now; NotFoundError if none."""
    facts = family_caseload(journeys, family_id)
    return decide(identity, facts, journeys.app.clock(), grace=grace_period(journeys))


def may_read_family(journeys: Journeys, identity: Identity, family_id: UUID, route: Route) -> bool:
    return access_decision(journeys, identity, family_id).allows(route)


def caseload_of(journeys: Journeys, identity: Identity, now: datetime) -> frozenset[UUID] | None:
    """The families `identity` may read anything of (its caseload), or None: no limit (a
    role whose access does not depend on the family; the role table still applies). Read
    from the caseload view as it stands: a list may lag a command by a moment, a read of
    one family (FamilyReaderFor) never does."""
    if identity.role not in PRACTITIONERS:
        return None
    grace = grace_period(journeys)
    _, docs = journeys.views.read_tagged("caseload", None)
    return frozenset(
        UUID(key)
        for key, doc in docs
        if decide(identity, caseload(doc), now, grace=grace).allows(Route.ENTRIES)
    )


def check_family_role(
    identity: Identity,
    roles: tuple[str, ...],
    *,
    family_id: UUID,
    journeys: Journeys,
    access: AccessRecorder,
) -> None:
    """check_role for a read of one family's record: a refusal is logged as an attempt at
    the record, if the family exists (api/common/access.py)."""
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


REFUSED: Mapping[Route, str] = {
    Route.WHOLE: "this shows the whole record; you may see what your agency may see of it "
    "(GET /families/{family_id}/events)",
    Route.COMMAND: "you may record a contact for any family",
}


def refusal(decision: Decision, route: Route) -> ForbiddenError:
    """The 403 for a route the decision does not allow: its reason, and what is left."""
    extra = REFUSED.get(route) if decision.read or route is Route.COMMAND else None
    return ForbiddenError(decision.reason + (f"; {extra}" if extra else ""))


class FamilyReaderFor:
    """A dependency for reads of one family (path parameter `family_id`): every route of a
    family reads through it.

    Checks the role (the role table), waits for `min_position` in the given views
    (ReadAfter), answers 404 for a family that does not exist, and asks domain.access
    whether the caller may read it through this kind of route (403 with the reason if not).
    Logs the read, or the refusal, in the access log (api/common/access.py) before the route reads.
    Not async: it may wait, and reads the database."""

    def __init__(self, action: Action, route: Route, *views: str) -> None:
        self.roles = ALLOWED[action]
        self.route = route
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
        decision = access_decision(journeys, identity, family_id)
        if not decision.allows(self.route):
            access.record(identity, family_id, outcome="refused")
            raise refusal(decision, self.route)
        access.record(identity, family_id)
        return FamilyRead(identity, family_id, decision.personal, directory, decision)


@dataclass(frozen=True)
class Shown:
    """What of a family's entries a reader is shown: `entries` (ids) None for all; personal
    data on them, where the reader may see it and, for an agency's share, the family's
    contact details are covered (its registration is among what the agency may see)."""

    entries: frozenset[str] | None
    personal: bool

    def shows(self, entry_id: object) -> bool:
        return self.entries is None or str(entry_id) in self.entries


def shown_to(journeys: Journeys, read: FamilyRead) -> Shown:
    """What the reader is shown of the family: everything, or where they see only what
    their agency may, the shared view's entries for it (projections.sharing)."""
    if read.decision.sees is Sees.ALL:
        return Shown(None, read.personal)
    seconds = journeys.settings.read_wait_seconds
    _, doc = sharing_document(journeys, read.family_id, seconds=seconds)
    entries = frozenset(visibility(doc, read.identity.agency))
    registration = read.directory["registration_entry_id"]
    return Shown(entries, read.personal and registration in entries)


def sharing_document(journeys: Journeys, family_id: UUID, *, seconds: float) -> tuple[int, Doc]:
    """The family's sharing document, at least as of the store's position now: a consent
    withdrawn before this read is honoured. ViewNotReadyError (504) if the view does not
    get there within `seconds`."""
    ReadAfter(journeys.app.position(), seconds).wait(journeys, "sharing")
    read = family_doc(journeys.views, journeys.app, SharingProjection(), family_id)
    return read.position, read.doc


# The whole record (the family page and its parts); the timeline, entry by entry.
JourneyReader = Annotated[
    FamilyRead, Depends(FamilyReaderFor(Action.READ_JOURNEY, Route.WHOLE, "timeline"))
]
TimelineReader = Annotated[
    FamilyRead, Depends(FamilyReaderFor(Action.READ_JOURNEY, Route.ENTRIES, "timeline"))
]
