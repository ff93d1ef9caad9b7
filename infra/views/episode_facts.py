"""Aggregates over the episode-facts table (projections.episode_facts), in the database.

Every figure is one SQL statement over the live generation's rows (`journeys_episode_facts`,
indexed by area and each date counted), never the families' documents loaded into Python:
the dataset report is one row of sums, the re-referral cohorts are counts grouped by area,
closure reason, level of need and year; only the survival analysis reads rows, two times
per episode of the cohort. Periods are half-open in UTC: `start` <= time < `end`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from infra.views.store import ViewStore
from projections.episode_facts import FLAGS, TIMES, EpisodeFactsProjection
from projections.rows import Row

TABLE = EpisodeFactsProjection.table
NAME = EpisodeFactsProjection.name
assert TABLE is not None

Definition = Literal["cin", "closure"]
# Each definition's index event (where a window starts), the end of its 12-month window and
# the family's next request for support after the index event.
INDEX: dict[Definition, tuple[str, str, str]] = {
    "cin": ("requested_at", "request_window_ends_at", "next_requested_at"),
    "closure": ("closed_at", "closure_window_ends_at", "next_requested_after_closure_at"),
}
DATASET = (
    "requests_for_support",
    "assessments_completed",
    "episodes_with_plan",
    "plans_closed",
    "closed_with_outcomes_met",
    "escalated_to_statutory_services",
    "stepped_down",
    "re_referrals_cin",
    "re_referrals_closure",
)


@dataclass(frozen=True)
class Period:
    area: str | None
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class CohortCount:
    """Index episodes of one cell (area, closure reason, level of need, year) whose window
    was wholly observed, and how many of them were followed by a re-referral in it."""

    area: str
    closure_reason: str | None
    level_of_need: str | None
    year: int
    episodes: int
    re_referred: int


class _Query:
    """SQL text and its parameters, built together: each fragment marks its parameters as
    it is made, so fragments must be made in the order they stand in the statement."""

    def __init__(self, store: ViewStore, view_id: str, period: Period) -> None:
        self.store = store
        self.p = store.dialect.mark
        self.params: list[Any] = []
        self.view_id = view_id
        self.period = period

    def rows(self) -> str:
        """The live generation's rows, of the period's area if it has one."""
        where = f"view_id = {self.mark(self.view_id)}"
        if self.period.area is not None:
            where += f" AND area = {self.mark(self.period.area)}"
        return where

    def mark(self, value: Any) -> str:
        self.params.append(self.store.dialect.bind(value))
        return self.p

    def within(self, column: str) -> str:
        """The column's time is inside the period (and known)."""
        parts = [f"{column} IS NOT NULL"]
        if self.period.start is not None:
            parts.append(f"{column} >= {self.mark(self.period.start)}")
        if self.period.end is not None:
            parts.append(f"{column} < {self.mark(self.period.end)}")
        return " AND ".join(parts)

    def index_events(self, definition: Definition) -> str:
        """The definition's index events in the period: requests for support for `cin`,
        closures for `closure`."""
        where = f"{self.rows()} AND {self.within(INDEX[definition][0])}"
        return where + " AND opened_by = 'request'" if definition == "cin" else where

    def open_during(self, column: str = "plan_agreed_at") -> str:
        """`column`'s time (by default a plan agreed) came before the period ended, in an
        episode not closed before it began: with `requested_at`, the episode was open in it."""
        parts = [f"{column} IS NOT NULL"]
        if self.period.end is not None:
            parts.append(f"{column} < {self.mark(self.period.end)}")
        if self.period.start is not None:
            parts.append(f"(closed_at IS NULL OR closed_at >= {self.mark(self.period.start)})")
        return " AND ".join(parts)


def _count(condition: str, name: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {name}"


class EpisodeFactsReader:
    """The aggregates, read from the live episode-facts view of one view store."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store

    def _live(self) -> tuple[str, int]:
        live = self.store.live(NAME)
        return (live.view_id, live.position) if live else ("", 0)

    def _rows(self, sql: str, params: list[Any]) -> list[Any]:
        with self.store.transaction(write=False) as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def dataset(self, period: Period) -> tuple[int, dict[str, int]]:
        """The view's position and the dataset report's counts for the period."""
        view_id, position = self._live()
        q = _Query(self.store, view_id, period)
        request = "opened_by = 'request'"
        sums = ", ".join(
            (
                _count(f"{request} AND {q.within('requested_at')}", "requests_for_support"),
                _count(q.within("assessed_at"), "assessments_completed"),
                _count(q.open_during(), "episodes_with_plan"),
                _count(f"plan_agreed_at IS NOT NULL AND {q.within('closed_at')}", "plans_closed"),
                _count(f"outcomes_met AND {q.within('closed_at')}", "closed_with_outcomes_met"),
                _count(q.within("escalated_to_statutory_at"), "escalated_to_statutory_services"),
                _count(f"opened_by = 'step_down' AND {q.within('requested_at')}", "stepped_down"),
                _count(f"re_referral_cin AND {q.within('requested_at')}", "re_referrals_cin"),
                _count(
                    f"re_referral_closure AND {q.within('requested_at')}", "re_referrals_closure"
                ),
            )
        )
        [row] = self._rows(f"SELECT {sums} FROM {TABLE.name} WHERE {q.rows()}", q.params)
        counts = {name: int(row[name] or 0) for name in DATASET}
        plans = _Query(self.store, view_id, period)
        families = (
            "SELECT COUNT(*) AS families, COALESCE(SUM(children), 0) AS children FROM "
            f"(SELECT family_id, MAX(children) AS children FROM {TABLE.name} "
            f"WHERE {plans.rows()} AND {plans.open_during()} GROUP BY family_id) AS planned"
        )
        [row] = self._rows(families, plans.params)
        counts["families_with_plan"] = int(row["families"])
        counts["children_with_plan"] = int(row["children"])
        return position, counts

    def cohorts(
        self, definition: Definition, period: Period, *, observed_until: datetime
    ) -> tuple[int, list[CohortCount]]:
        """Index episodes (a request for `cin`, a closure for `closure`) in the period whose
        12-month window ended by `observed_until`, by cell, and how many were re-referred."""
        view_id, position = self._live()
        start, window, following = INDEX[definition]
        q = _Query(self.store, view_id, period)
        where = f"{q.index_events(definition)} AND {window} <= {q.mark(observed_until)}"
        hit = f"{following} <= {window}"
        year = self.store.dialect.year(start)
        sql = (
            f"SELECT area, closure_reason, level_of_need, {year} AS year, COUNT(*) AS episodes, "
            + _count(hit, "hits")
            + f" FROM {TABLE.name} WHERE {where} "
            "GROUP BY area, closure_reason, level_of_need, year "
            "ORDER BY area, closure_reason, level_of_need, year"
        )
        return position, [
            CohortCount(
                area=row["area"],
                closure_reason=row["closure_reason"],
                level_of_need=row["level_of_need"],
                year=int(row["year"]),
                episodes=int(row["episodes"]),
                re_referred=int(row["hits"] or 0),
            )
            for row in self._rows(sql, q.params)
        ]

    def durations(
        self, definition: Definition, period: Period
    ) -> list[tuple[datetime, datetime | None]]:
        """Each index episode's start (request or closure) in the period, and the family's
        next request for support, if any: what the survival analysis needs, nothing more."""
        view_id, _ = self._live()
        start, _, following = INDEX[definition]
        q = _Query(self.store, view_id, period)
        where = q.index_events(definition)
        sql = f"SELECT {start} AS start, {following} AS following FROM {TABLE.name} WHERE {where}"
        time = self.store.dialect.time
        found = []
        for row in self._rows(sql, q.params):
            began = time(row["start"])
            assert began is not None
            found.append((began, time(row["following"])))
        return found

    def episodes(self, period: Period) -> tuple[int, list[Row]]:
        """The view's position and the rows of every episode open at some time in the period,
        in the order they opened: what a research extract is made from (ids are the real
        ones; the extract gives them pseudonyms)."""
        view_id, position = self._live()
        q = _Query(self.store, view_id, period)
        sql = (
            f"SELECT {', '.join(TABLE.names)} FROM {TABLE.name} WHERE {q.rows()} "
            f"AND {q.open_during('requested_at')} ORDER BY requested_at, episode_id"
        )
        time = self.store.dialect.time
        rows: list[Row] = []
        for found in self._rows(sql, q.params):
            row: Row = {}
            for name in TABLE.names:
                value = found[name]
                if name in TIMES:
                    value = time(value)
                elif name in FLAGS:
                    value = bool(value)
                row[name] = value
            rows.append(row)
        return position, rows
