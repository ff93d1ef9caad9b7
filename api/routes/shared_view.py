"""GET /families/{family_id}/shared-view: what one partner agency may see of a family — its
own entries, what a sharing consent in force covers, what was shared with it on a recorded
lawful basis — each entry saying why (the rules: projections.sharing).

A partner reads its own agency's view; a QA officer previews any agency's. The view is read
at least at the store's position when the request arrives, so a consent withdrawn before is
always honoured. Personal details of the entries shown are read from the events, in the
timeline's `personal_details` only.

`read_shared` and `families_shared` are the reads the partner's pages (api.routes.pages_partner)
and `GET /shared-families` share with this route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.access import AccessRecording
from api.deps import (
    CurrentIdentity,
    FamilyRead,
    FamilyReaderFor,
    JourneysDep,
    ReadAfter,
    ReadAfterDep,
    check_family_role,
    sharing_document,
)
from api.errors import ForbiddenError
from api.permissions import ALLOWED, Action
from api.responses import READS
from api.routes.timeline import entry_public, personal_details
from api.schemas.shared_view import SharedEntryPublic, SharedViewPublic
from domain.access import Route
from domain.codes import CodeLists
from domain.errors import InvalidValueError
from infra.bootstrap import Journeys
from infra.tokens import Identity
from projections.base import Doc
from projections.sharing import families_shared_with, shared_view

router = APIRouter(prefix="/families/{family_id}", tags=["consent and sharing"])

AgencyQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="The agency whose view to show (a code of the `agency` list). A partner "
        "may leave it out, or name its own agency only; a QA officer must name one.",
    ),
]


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


def own_agency_only(identity: Identity) -> ForbiddenError:
    return ForbiddenError(
        f"a partner sees its own agency's view ({identity.agency}) only; leave out "
        "`agency`, or ask a QA officer to preview another agency's"
    )


AskedAgency = Annotated[str | None, Depends(asked_agency)]
SharedViewReader = Annotated[
    FamilyRead, Depends(FamilyReaderFor(Action.READ_SHARED_VIEW, Route.ENTRIES, "sharing"))
]


@router.get("/shared-view", responses=READS)
def read_shared_view(
    agency: AskedAgency, read: SharedViewReader, journeys: JourneysDep, after: ReadAfterDep
) -> SharedViewPublic:
    """What one agency may see of a family, each entry with `visible_because`:

    - its **own** entries (a contact of the agency, or an entry its people recorded);
    - another agency's entry while a sharing **consent** in force covers the agency and the
      entry's purpose: a withdrawal hides it at once;
    - what was **shared** with the agency on a recorded lawful basis (information shared
      with it, naming categories; an escalation to it): only the entries in the categories
      named, recorded before the sharing, of its episode if it names one; it stays shared
      after a later withdrawal of consent;
    - corrections and retractions of the entries it may see.

    Personal details (members' names, dates of birth, addresses; notes) are shown on the
    entries shown only, members' details only where the family's contact details are
    covered. A partner reads its own agency's view (`agency` another: 403); a QA officer
    previews any agency's (`agency` required). Answers 504 if the view has not reached the
    store's position in time."""
    viewer = viewing_agency(read.identity, agency, journeys.app.codes)
    shown = read_shared(journeys, read.family_id, viewer, seconds=after.seconds)
    return SharedViewPublic(
        family_id=read.family_id, agency=viewer, entries=shown.entries, position=shown.position
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
    (the API's and the page's one read)."""
    position, doc = sharing_document(journeys, family_id, seconds=seconds)
    personal = personal_details(journeys.app.family_events(family_id))
    entries = [shared_entry(entry, personal) for entry in shared_view(doc, agency)]
    return SharedRead(position, doc, entries)


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
    _, docs = journeys.views.read_tagged("sharing", None)
    summaries = families_shared_with(docs, agency)
    more = after + limit < len(summaries)
    return summaries[after : after + limit], (after + limit if more else None)


def shared_entry(entry: Doc, personal: dict[str, Doc]) -> SharedEntryPublic:
    shown = entry_public(entry, personal).model_dump()
    return SharedEntryPublic.model_validate({**shown, "visible_because": entry["visible_because"]})
