"""Research extracts: one row per episode of early help, made from the episode-facts rows
(projections.episode_facts), with nothing in them that names a family or a person.

- Ids are pseudonyms (a keyed hash given by the caller: infra.privacy.pseudonyms), the
  family's and the episode's apart, so a researcher can follow a family across episodes
  and extracts, and no one without the secret can turn one back into an id.
- Dates are to the month (`YYYY-MM`): a day, with an area and a reason, can single out a
  family; a month is what cohort and survival work needs.
- The household is counted, not described: the number of children as a band (`0`, `1`,
  `2`, `3-4`, `5+`), and how many were of each age band the day the episode started
  (projections.age_bands: the DfE children-in-need census groups, `children_aged_*`).
  Dates of birth are sealed personal data, which the episode facts never hold: they are
  read from the family's events for the extract, made into bands and dropped; no date of
  birth, age in years or name is in any extract. The SSD shape has no age column (its
  person is the household), so it has no bands.
- No free text and no worker: the SSD's `earl_episode_worker_id` is left empty, since a
  worker's id in a small team points at the families they hold (the SSD itself marks the
  field for removal).

Two shapes: `episodes` (the project's own columns, below) and `ssd_early_help_episodes`
(the Standard Safeguarding Dataset's table of that name, with its column names).
Row-level extracts carry no counts; every aggregate a researcher sees (re-referral rates,
pathways) suppresses small counts under projections.re_referrals.SUPPRESS_UNDER.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal
from uuid import UUID

from projections.age_bands import NAMES as AGE_BANDS
from projections.age_bands import Child, band_counts
from projections.rows import Row, Value

Shape = Literal["episodes", "ssd_early_help_episodes"]
Extracted = dict[str, str | int | bool | None]
Pseudonym = Callable[[UUID], str]
# Family id -> its children (projections.age_bands), read from its events for the extract.
Households = Mapping[str, Sequence[Child]]
# Age band -> its column: how many of the household's children were of it at the start.
AGE_COLUMNS: dict[str, str] = {
    band: "children_aged_" + band.replace("-", "_").replace("+", "_plus") for band in AGE_BANDS
}

# (extract column, episode-facts column): times become months, the rest is copied.
EPISODE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("area", "area"),
    ("sequence", "sequence"),
    ("opened_by", "opened_by"),
    ("stepped_down_from", "stepped_down_from"),
    ("requested_month", "requested_at"),
    ("support_declined", "support_declined"),
    ("lead_assigned_month", "lead_assigned_at"),
    ("assessed_month", "assessed_at"),
    ("level_of_need", "level_of_need"),
    ("plan_agreed_month", "plan_agreed_at"),
    ("escalated_month", "escalated_at"),
    ("escalated_to_statutory_month", "escalated_to_statutory_at"),
    ("stepped_up_month", "stepped_up_at"),
    ("closed_month", "closed_at"),
    ("closure_reason", "closure_reason"),
    ("outcomes_met", "outcomes_met"),
    ("outcomes_stated", "outcomes_stated"),
    ("outcomes_achieved", "outcomes_achieved"),
    ("re_referral_cin", "re_referral_cin"),
    ("re_referral_closure", "re_referral_closure"),
)
COLUMNS: dict[Shape, tuple[str, ...]] = {
    "episodes": (
        "family",
        "episode",
        *(name for name, _ in EPISODE_COLUMNS[:9]),
        "children",
        *AGE_COLUMNS.values(),
        *(name for name, _ in EPISODE_COLUMNS[9:]),
    ),
    "ssd_early_help_episodes": (
        "earl_episode_id",
        "earl_person_id",
        "earl_episode_start_date",
        "earl_episode_end_date",
        "earl_episode_reason",
        "earl_episode_end_reason",
        "earl_episode_organisation",
        "earl_episode_worker_id",
    ),
}
# Which shapes need the families' children (read from their events).
NEEDS_HOUSEHOLDS: frozenset[Shape] = frozenset({"episodes"})
# The columns that are not text, for typed files (Parquet).
INTEGERS = frozenset({"sequence", "outcomes_stated", "outcomes_achieved", *AGE_COLUMNS.values()})
FLAGS = frozenset({"support_declined", "outcomes_met", "re_referral_cin", "re_referral_closure"})
DESCRIPTION: dict[Shape, str] = {
    "episodes": "one row per episode: pseudonymous family and episode, codes, months, "
    "counts of outcomes, the household's children as a band and by age band at the "
    "episode's start (DfE children in need census groups), both re-referral flags",
    "ssd_early_help_episodes": "the Standard Safeguarding Dataset's early help episodes: "
    "earl_person_id is the family's pseudonym (Journeys records households), dates are "
    "months, the organisation is the area holding the episode, the worker is left empty",
}


def month(value: Value) -> str | None:
    """A time to its month, `YYYY-MM` (UTC), or None."""
    return value.strftime("%Y-%m") if isinstance(value, datetime) else None


def children_band(count: int) -> str:
    """How many children, in bands that leave large households unremarkable."""
    if count >= 5:
        return "5+"
    if count >= 3:
        return "3-4"
    return str(max(count, 0))


def _plain(value: Value) -> str | int | bool | None:
    return month(value) if isinstance(value, datetime) else value


def _ids(row: Row, family: Pseudonym, episode: Pseudonym) -> tuple[str, str]:
    return family(UUID(str(row["family_id"]))), episode(UUID(str(row["episode_id"])))


def episode_rows(
    rows: Iterable[Row], family: Pseudonym, episode: Pseudonym, households: Households
) -> list[Extracted]:
    """The `episodes` shape of these episode-facts rows (the families' children from
    `households`)."""
    found: list[Extracted] = []
    for row in rows:
        family_id, episode_id = _ids(row, family, episode)
        out: Extracted = {"family": family_id, "episode": episode_id}
        out.update({name: _plain(row[column]) for name, column in EPISODE_COLUMNS})
        children = row["children"]
        out["children"] = children_band(children if isinstance(children, int) else 0)
        started = row["requested_at"]
        assert isinstance(started, datetime)
        counts = band_counts(households.get(str(row["family_id"]), ()), started)
        out.update({AGE_COLUMNS[band]: count for band, count in counts.items()})
        found.append({name: out[name] for name in COLUMNS["episodes"]})
    return found


def ssd_rows(
    rows: Iterable[Row], family: Pseudonym, episode: Pseudonym, households: Households
) -> list[Extracted]:
    """The `ssd_early_help_episodes` shape of these episode-facts rows (no ages)."""
    found: list[Extracted] = []
    for row in rows:
        family_id, episode_id = _ids(row, family, episode)
        opened = (
            "request_for_support"
            if row["opened_by"] == "request"
            else f"step_down_from_{row['stepped_down_from']}"
        )
        found.append(
            {
                "earl_episode_id": episode_id,
                "earl_person_id": family_id,
                "earl_episode_start_date": month(row["requested_at"]),
                "earl_episode_end_date": month(row["closed_at"]),
                "earl_episode_reason": opened,
                "earl_episode_end_reason": _plain(row["closure_reason"]),
                "earl_episode_organisation": _plain(row["area"]),
                "earl_episode_worker_id": None,
            }
        )
    return found


SHAPES: dict[
    Shape, Callable[[Iterable[Row], Pseudonym, Pseudonym, Households], list[Extracted]]
] = {"episodes": episode_rows, "ssd_early_help_episodes": ssd_rows}
