"""GET /codelists: every code list in force with its codes and labels, and the category and
purpose of every kind of entry (domain.disclosure), so that a partner knows what sharing a
category, or consenting to a purpose, discloses. Read-only; any signed-in role."""

from __future__ import annotations

from fastapi import APIRouter

from api.common.deps import CurrentIdentity, JourneysDep
from api.http.responses import ERRORS
from api.http.schemas.codelists import (
    CodeListPublic,
    CodeListsPublic,
    CodePublic,
    ContactCategoryPublic,
    EntryTypePublic,
)
from domain.disclosure import CONTACT_CATEGORIES, ENTRY_TYPES

router = APIRouter(tags=["code lists"])


@router.get("/codelists", responses={401: ERRORS[401]})
def read_code_lists(journeys: JourneysDep, identity: CurrentIdentity) -> CodeListsPublic:
    """Every code list with its codes and labels (store codes, show labels); each kind of
    entry with the one information category it is in and the one purpose it serves; and
    the category of a contact, by its agency."""
    codes = journeys.app.codes
    return CodeListsPublic(
        version=codes.version,
        lists=[
            CodeListPublic(name=name, codes=[CodePublic(code=c, label=t) for c, t in items.items()])
            for name, items in codes.lists.items()
        ],
        entry_types=[
            EntryTypePublic(entry_type=kind, **vars(rule)) for kind, rule in ENTRY_TYPES.items()
        ],
        contact_categories=[
            ContactCategoryPublic(agency=agency, category=category)
            for agency, category in CONTACT_CATEGORIES.items()
        ],
    )
