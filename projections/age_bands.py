"""Children's ages at an episode's start, as bands: what a research extract says of age.

The bands are the Department for Education's children-in-need census age groups (the
"Characteristics of children in need" statistics): `under_1`, `1-4`, `5-9`, `10-15`,
`16+`. An age is whole years on the day the episode opened (UTC); someone born on 29
February turns a year older on 1 March in a common year, as in English law.

Dates of birth are sealed personal data, which no view holds: they are read from the
family's events (opened with its key) when an extract is made, turned into bands here, and
dropped. A child is counted for an episode if they were in the household the day it
opened (added on or before it, not yet left) and born by then; a child whose date of birth
is not recorded (or was erased) counts as `unknown`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.family import Family

# (band, the age in whole years it starts at), youngest first.
BANDS: tuple[tuple[str, int], ...] = (
    ("under_1", 0),
    ("1-4", 1),
    ("5-9", 5),
    ("10-15", 10),
    ("16+", 16),
)
UNKNOWN = "unknown"
NAMES: tuple[str, ...] = (*(band for band, _ in BANDS), UNKNOWN)
STANDARD = "DfE children in need census age groups: under 1, 1-4, 5-9, 10-15, 16+"


@dataclass
class Child:
    """A child of the household: born when (None if not known), in it from and until."""

    born: date | None
    joined: date | None  # None: from the family's registration
    left: date | None = None


def age_on(born: date, day: date) -> int:
    """Whole years from `born` to `day` (a 29 February birthday falls on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(born: date | None, day: date) -> str | None:
    """The band of someone born on `born` on `day`; `unknown` without a date of birth,
    None if they were not born yet."""
    if born is None:
        return UNKNOWN
    if born > day:
        return None
    age = age_on(born, day)
    return next(band for band, start in reversed(BANDS) if age >= start)


def children(events: Iterable[Any]) -> list[Child]:
    """The family's children, from its events (oldest first), dates of birth as corrected."""
    found: dict[str, Child] = {}
    for event in events:
        if isinstance(event, Family.Registered):
            for member in event.members:
                if member.relationship == "child":
                    found[str(member.member_id)] = Child(member.personal.date_of_birth, None)
        elif isinstance(event, Family.MemberAdded) and event.member.relationship == "child":
            joined = event.occurred_at.date()
            found[str(event.member.member_id)] = Child(event.member.personal.date_of_birth, joined)
        elif isinstance(event, Family.MemberLeft) and str(event.member_id) in found:
            found[str(event.member_id)].left = event.occurred_at.date()
        elif isinstance(event, Family.EntryCorrected) and str(event.member_id) in found:
            personal = event.personal
            if personal is not None and personal.date_of_birth is not None:
                found[str(event.member_id)].born = personal.date_of_birth
    return list(found.values())


def band_counts(household: Sequence[Child], start: datetime) -> dict[str, int]:
    """How many children of the household were in each band the day an episode started."""
    day = start.date()
    counts = dict.fromkeys(NAMES, 0)
    for child in household:
        if (child.joined and child.joined > day) or (child.left and child.left <= day):
            continue
        band = age_band(child.born, day)
        if band is not None:
            counts[band] += 1
    return counts
