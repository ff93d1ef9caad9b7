"""Finding a family by a member's family name, given name or date of birth (the blind
index, infra.privacy.blind_index): `GET /families/search` and the search page.

Terms are matched exactly after normalisation (case, accents, spaces, hyphens and
apostrophes: infra.privacy.blind_index.normalise); several terms must all match the same member.
The answer names families and the members that matched by id, with the family's area:
never a name, whoever asks (the family's own pages show names to those who may see them).

Only families the caller may read are answered. Every search is in the access log, never
with its terms: an entry `search` per family answered (outcome read), per family matched
that the caller may not read (outcome refused: a name search is an attempt at a record),
and, when no family matched at all, one entry under the nil family id NO_FAMILY.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query

from api.common.access import AccessRecorder
from api.common.deps import family_directory, may_read_family
from domain.access import Route
from domain.errors import InvalidValueError
from infra.bootstrap import Journeys
from infra.privacy.blind_index import KINDS
from infra.tokens import Identity

NO_FAMILY = UUID(int=0)
"""The family id of the access log entry of a search that matched no family."""

NameQuery = Annotated[str | None, Query(max_length=100, description="Matched normalised.")]
DateQuery = Annotated[
    str | None,
    Query(
        max_length=10,
        pattern=r"^(\d{4}-\d\d-\d\d)?$",
        description="A member's date of birth, YYYY-MM-DD.",
    ),
]


@dataclass(frozen=True)
class SearchTerms:
    """What a search asks for; empty fields (as a form sends them) count as not given."""

    family_name: str | None = None
    given_name: str | None = None
    date_of_birth: date | None = None

    @classmethod
    def parse(
        cls, *, family_name: str | None, given_name: str | None, date_of_birth: str | None
    ) -> SearchTerms:
        born = None
        if date_of_birth:
            try:
                born = date.fromisoformat(date_of_birth)
            except ValueError:
                raise InvalidValueError("date_of_birth", "not a date (YYYY-MM-DD)") from None
        terms = cls(family_name or None, given_name or None, born)
        if not terms.kinds():
            raise InvalidValueError(
                "family_name", "give at least one of family_name, given_name, date_of_birth"
            )
        return terms

    def kinds(self) -> list[str]:
        return [kind for kind in KINDS if getattr(self, kind) is not None]


@dataclass(frozen=True)
class FoundFamily:
    family_id: UUID
    area: str
    registered_at: datetime
    member_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class SearchResult:
    families: list[FoundFamily]
    more: bool  # more families matched than were answered: narrow the search


def search_families(
    journeys: Journeys,
    identity: Identity,
    access: AccessRecorder,
    terms: SearchTerms,
    *,
    limit: int = 50,
) -> SearchResult:
    """The families the caller may read with a member matching every term, in family id
    order (at most `limit`), each search logged (see the module's docstring)."""
    index = journeys.blind_index
    index.catch_up(journeys.app)  # what was recorded before this search is found
    matches = index.find(
        family_name=terms.family_name,
        given_name=terms.given_name,
        date_of_birth=terms.date_of_birth,
    )
    members: dict[UUID, list[UUID]] = {}
    for match in matches:
        members.setdefault(match.family_id, []).append(match.member_id)
    logged = dataclasses.replace(access, what="search", detail={"by": ",".join(terms.kinds())})
    if not members:
        logged.record(identity, NO_FAMILY)
    found: list[FoundFamily] = []
    for family_id, member_ids in members.items():
        # A name search confirms who is in a family: only for who sees its whole record.
        if not may_read_family(journeys, identity, family_id, Route.WHOLE):
            logged.record(identity, family_id, outcome="refused")
            continue
        if len(found) == limit:
            return SearchResult(found, more=True)
        logged.record(identity, family_id)
        directory = family_directory(journeys, family_id)
        found.append(
            FoundFamily(
                family_id=family_id,
                area=directory["area"],
                registered_at=datetime.fromisoformat(directory["registered_at"]),
                member_ids=tuple(member_ids),
            )
        )
    return SearchResult(found, more=False)
