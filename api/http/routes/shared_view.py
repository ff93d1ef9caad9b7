"""GET /families/{family_id}/shared-view: what one partner agency may see of a family — its
own entries, what a sharing consent in force covers, what was shared with it on a recorded
lawful basis — each entry saying why (the rules: projections.sharing).

A partner reads its own agency's view; a QA officer previews any agency's. The view is read
at least at the store's position when the request arrives, so a consent withdrawn before is
always honoured. Personal details of the entries shown are read from the events, in the
projections.shared `personal_details` only.

`read_shared` and `families_shared` (api.common.sharing) are the reads the partner's pages
(api.web.pages_partner) and `GET /shared-families` share with this route.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.common.deps import JourneysDep, ReadAfterDep
from api.common.schemas.shared_view import SharedViewPublic
from api.common.sharing import AskedAgency, SharedViewReader, read_shared, viewing_agency
from api.http.responses import READS

router = APIRouter(prefix="/families/{family_id}", tags=["consent and sharing"])


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
