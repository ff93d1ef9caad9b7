"""What a partner agency sees of families under the sharing rules (projections.sharing):
the reads `GET /families/{family_id}/shared-view`, `GET /shared-families` and the partner's
pages (api.web.pages_partner) share, who may read them (`SharedViewer`, `SharedViewReader`)
and whose view or list is asked for (`?agency=`, `AskedAgency`).
The reads themselves are projections.shared (`shared_view_for`, `shared_families_for`): here
they wait for the store's position (504 if the view does not get there) and answer models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from api.common.access import AccessRecording
from api.common.deps import (
    CurrentIdentity,
    FamilyRead,
    FamilyReaderFor,
    JourneysDep,
    ReadAfter,
    check_family_role,
    require_roles,
)
from api.common.errors import ForbiddenError
from api.common.permissions import ALLOWED, Action
from api.common.schemas.shared_view import SharedEntryPublic
from domain.access import Route
from domain.codes import CodeLists
from domain.errors import InvalidValueError
from infra.bootstrap import Journeys
from infra.tokens import Identity
from projections.base import Doc
from projections.shared import shared_families_for, shared_view_for

AgencyQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="The agency whose view to show (a code of the `agency` list). A partner "
        "may leave it out, or name its own agency only; a QA officer must name one.",
    ),
]


def own_agency_only(identity: Identity) -> ForbiddenError:
    return ForbiddenError(
        f"a partner sees its own agency's view ({identity.agency}) only; leave out "
        "`agency`, or ask a QA officer to preview another agency's"
    )


@dataclass(frozen=True)
class SharedRead:
    """What `agency` may see of a family: its entries, and the sharing document they are
    from (which says who shared what, and when)."""

    position: int
    doc: Doc
    entries: list[SharedEntryPublic]


def read_shared(journeys: Journeys, family_id: UUID, agency: str, *, seconds: float) -> SharedRead:
    """The shared view of a family for `agency`, with personal details of the entries shown
    (the API's and the page's one read), at least as of the store's position now: a consent
    withdrawn before this read is honoured."""
    now = journeys.app.position()
    ReadAfter(now, seconds).wait(journeys, "sharing")
    shown = shared_view_for(journeys.views, journeys.app, family_id, agency, at_least=now)
    entries = [SharedEntryPublic.model_validate(entry) for entry in shown.entries]
    return SharedRead(shown.position, shown.doc, entries)


def viewing_agency(identity: Identity, asked: str | None, codes: CodeLists) -> str:
    """Whose view: a partner's own agency; the agency a QA officer names (422 if none)."""
    if identity.role == "partner":
        return identity.agency
    if asked is None:
        raise InvalidValueError("agency", "name the agency whose view to preview: ?agency=<code>")
    return codes.require("agency", asked, field="agency")


def listing_agency(identity: Identity, asked: str | None, codes: CodeLists) -> str:
    """Whose families to list: as `viewing_agency`; a partner naming another agency: 403."""
    if identity.role == "partner" and asked is not None and asked != identity.agency:
        raise own_agency_only(identity)
    return viewing_agency(identity, asked, codes)


def families_shared(
    journeys: Journeys, agency: str, *, seconds: float, after: int, limit: int
) -> tuple[list[Doc], int | None]:
    """A page of the families `agency` sees something of (projections.sharing
    `shared_summary`), in family id order from place `after`, and the place of the next
    page (None at the end); at least as of the store's position now."""
    ReadAfter(journeys.app.position(), seconds).wait(journeys, "sharing")
    page = shared_families_for(journeys.views, agency, after=after, limit=limit)
    return page.items, page.next


SharedViewer = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.READ_SHARED_VIEW]))]


def asked_agency(
    family_id: UUID,
    journeys: JourneysDep,
    identity: CurrentIdentity,
    access: AccessRecording,
    agency: AgencyQuery = None,
) -> str | None:
    """`?agency=`, checked before anything is read: a partner asking for another agency's
    view is refused (403), and the attempt logged as refused if the family exists."""
    if identity.role == "partner" and agency is not None and agency != identity.agency:
        try:
            roles = ALLOWED[Action.PREVIEW_SHARED_VIEW]
            check_family_role(
                identity, roles, family_id=family_id, journeys=journeys, access=access
            )
        except ForbiddenError:
            raise own_agency_only(identity) from None
    return agency


AskedAgency = Annotated[str | None, Depends(asked_agency)]
SharedViewReader = Annotated[
    FamilyRead, Depends(FamilyReaderFor(Action.READ_SHARED_VIEW, Route.ENTRIES, "sharing"))
]
