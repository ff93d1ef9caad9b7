"""The partner's pages: `/web/shared`, the families shared with the partner's agency, and
`/web/families/{family_id}/shared`, what the agency may see of one family, each entry with
why. The same reads, under the same rules, as `GET /shared-families` and
`GET /families/{family_id}/shared-view` (api.http.routes.shared_view); the family page is logged
in the access log as that read is. A QA officer previews an agency's pages with `?agency=`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.common.cursors import AfterQuery, decode, next_cursor
from api.common.deps import JourneysDep, ReadAfterDep
from api.common.schemas.shared_view import SharedEntryPublic
from api.common.sharing import (
    AgencyQuery,
    AskedAgency,
    SharedViewer,
    SharedViewReader,
    families_shared,
    listing_agency,
    read_shared,
    viewing_agency,
)
from api.web.pages import PageRoute
from api.web.templating import long_date, moment, render
from domain.codes import CodeLists
from domain.disclosure import entry_label
from projections.base import Doc
from projections.sharing import granting_entry

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)

PAGE_SIZE = 50


@router.get("/shared")
def shared_families_page(
    *,
    journeys: JourneysDep,
    identity: SharedViewer,
    read_after: ReadAfterDep,
    agency: AgencyQuery = None,
    after: AfterQuery = None,
) -> HTMLResponse:
    codes = journeys.app.codes
    viewer = None  # a QA officer first chooses the agency to preview
    families: list[Doc] = []
    more = None
    if identity.role == "partner" or agency is not None:
        viewer = listing_agency(identity, agency, codes)
        families, more = families_shared(
            journeys, viewer, seconds=read_after.seconds, after=decode(after) or 0, limit=PAGE_SIZE
        )
    return render(
        "shared_families.html",
        identity,
        title="Families shared with us" if identity.role == "partner" else "Families shared",
        current="shared",
        viewer=viewer,
        preview=identity.role != "partner",
        families=families,
        next=next_cursor(more),
        codes=codes.lists,
    )


@router.get("/families/{family_id}/shared")
def shared_view_page(
    family_id: UUID,
    agency: AskedAgency,
    read: SharedViewReader,
    journeys: JourneysDep,
    read_after: ReadAfterDep,
) -> HTMLResponse:
    codes = journeys.app.codes
    viewer = viewing_agency(read.identity, agency, codes)
    shown = read_shared(journeys, family_id, viewer, seconds=read_after.seconds)
    preview = read.identity.role != "partner"
    rows = [
        {
            "entry": entry,
            "label": entry_label(entry.type),
            "notes": (entry.personal or {}).get("notes"),
            "people": people(entry.personal or {}),
            "because": because(shown.doc, entry, codes, preview=preview),
        }
        for entry in shown.entries
    ]
    return render(
        "shared_view.html",
        read.identity,
        title="Shared with us" if not preview else "Shared view preview",
        current="shared",
        family_id=family_id,
        area=codes.label("area", read.directory["area"]),
        viewer=viewer,
        agency_name=codes.label("agency", viewer),
        preview=preview,
        rows=rows,
    )


def people(personal: Mapping[str, Any]) -> list[str]:
    """The members an entry names, in words: shown where the family's contact details are
    covered (the shared view gives them only then)."""
    lines = []
    for member in personal.get("members", {}).values():
        name = " ".join(member[k] for k in ("given_name", "family_name") if member.get(k))
        born = member.get("date_of_birth")
        parts = [
            name or "A member, name not recorded",
            *([f"born {long_date(date.fromisoformat(born))}"] if born else []),
            *([member["address"]] if member.get("address") else []),
        ]
        lines.append(", ".join(parts))
    return lines


def because(doc: Doc, entry: SharedEntryPublic, codes: CodeLists, *, preview: bool) -> str:
    """Why the agency sees an entry, in words (the entry's `visible_because`)."""
    reason: Mapping[str, str | None] = entry.visible_because.model_dump(mode="json")
    grant = granting_entry(doc, str(entry.entry_id), dict(reason))
    if reason["basis"] == "own":
        return "recorded by this agency" if preview else "recorded by your agency"
    day = long_date(moment(grant["occurred_at"]))
    if reason["basis"] == "consent":
        return f"consent given {day} (occurred)"
    by = codes.label("agency", grant["actor"]["agency"])
    basis = codes.label("lawful_basis", str(reason["lawful_basis"]))
    return f"shared by {by} on {day} (occurred) under {basis}"
