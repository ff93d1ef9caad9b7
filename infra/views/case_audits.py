"""The QA list of case audits, in the database over the case-audit actions table
(projections.case_audits): one SQL statement grouping the live generation's rows by audit.

An action is open until its completion (a retracted completion opens it again), and overdue
once its due date has passed (`due_on` before the start of `today`) while still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from infra.views.store import ViewStore
from projections.case_audits import CaseAuditsProjection, due_at

TABLE = CaseAuditsProjection.table
NAME = CaseAuditsProjection.name
assert TABLE is not None


@dataclass(frozen=True)
class AuditSummary:
    """One case audit: its family and episode, when it was made, and its actions' counts
    (`next_due`: the earliest due date of an open action)."""

    audit_id: str
    family_id: str
    area: str
    episode_id: str
    audited_at: datetime
    actions: int
    open_actions: int
    overdue_actions: int
    next_due: date | None


class CaseAuditsReader:
    """The case audits, read from the live case-audits view of one view store."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store

    def audits(
        self, *, today: date, open_only: bool, area: str | None = None, limit: int = 200
    ) -> tuple[int, list[AuditSummary]]:
        """The view's position and the audits (of `area`, if given; with open actions only,
        if `open_only`), most overdue first, then by the earliest open due date, then the
        oldest audit."""
        live = self.store.live(NAME)
        view_id, position = (live.view_id, live.position) if live else ("", 0)
        dialect = self.store.dialect
        p = dialect.mark
        params: list[Any] = [dialect.bind(due_at(today)), dialect.bind(view_id)]
        is_open = "action_id <> '' AND completed_at IS NULL"
        where = f"view_id = {p}"
        if area is not None:
            where += f" AND area = {p}"
            params.append(dialect.bind(area))
        having = f"HAVING SUM(CASE WHEN {is_open} THEN 1 ELSE 0 END) > 0" if open_only else ""
        sql = (
            "SELECT * FROM (SELECT audit_id, family_id, area, episode_id, "
            "MIN(audited_at) AS audited_at, "
            "SUM(CASE WHEN action_id <> '' THEN 1 ELSE 0 END) AS actions, "
            f"SUM(CASE WHEN {is_open} THEN 1 ELSE 0 END) AS open_actions, "
            f"SUM(CASE WHEN {is_open} AND due_on < {p} THEN 1 ELSE 0 END) AS overdue, "
            f"MIN(CASE WHEN {is_open} THEN due_on END) AS next_due "
            f"FROM {TABLE.name} WHERE {where} "
            f"GROUP BY audit_id, family_id, area, episode_id {having}) AS audits "
            # Audits with an open action first (by its due date), then the rest.
            "ORDER BY overdue DESC, CASE WHEN next_due IS NULL THEN 1 ELSE 0 END, next_due, "
            "audited_at, audit_id "
            f"LIMIT {int(limit)}"
        )
        with self.store.transaction(write=False) as cur:
            cur.execute(sql, params)
            found = cur.fetchall()
        time = dialect.time
        summaries = []
        for row in found:
            audited_at, next_due = time(row["audited_at"]), time(row["next_due"])
            assert audited_at is not None
            summaries.append(
                AuditSummary(
                    audit_id=row["audit_id"],
                    family_id=row["family_id"],
                    area=row["area"],
                    episode_id=row["episode_id"],
                    audited_at=audited_at,
                    actions=int(row["actions"] or 0),
                    open_actions=int(row["open_actions"] or 0),
                    overdue_actions=int(row["overdue"] or 0),
                    next_due=next_due.date() if next_due else None,
                )
            )
        return position, summaries
