"""The case-audits view: every case audit of every family, with its actions, for the QA
queue of audits whose actions are open or overdue (infra.views.case_audits).

One document per family (key: the family id, tag: its area, as corrected), ids, codes and
times only:

    {"family_id", "area", "registration_entry_id",
     "audits": {audit_id: {"episode_id", "entry_id", "audited_at", "retracted",
                           "grades": {standard: grade},
                           "actions": {action_id: {"owner", "due_on", "completed_by",
                                                   "completed_at"}}}},
     "completions": {entry id: [audit_id, action_id]}}

A retracted audit leaves the table; a retracted completion opens its action again; a
corrected time (of an audit or a completion) is the time the table holds. The `RowTable`
(`journeys_case_audit_actions`) has a row per action of an audit not retracted (an audit
without actions: one row, `action_id` "").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from eventsourcing.utils import get_topic

from domain.family import Family
from projections.base import Doc, Documents, Event, Projection
from projections.rows import Column, Row, RowTable

TABLE_NAME = "journeys_case_audit_actions"
TOPICS = frozenset(
    get_topic(cls)
    for cls in (
        Family.Registered,
        Family.CaseAuditRecorded,
        Family.CaseAuditActionCompleted,
        Family.EntryCorrected,
        Family.EntryRetracted,
    )
)


def due_at(day: date) -> datetime:
    """A due date as the start of its day (UTC): the action is overdue from the next day."""
    return datetime.combine(day, time(), tzinfo=UTC)


def action_rows(doc: Doc) -> list[Row]:
    rows: list[Row] = []
    for audit_id, audit in doc["audits"].items():
        if audit["retracted"]:
            continue
        base: Row = {
            "audit_id": audit_id,
            "family_id": doc["family_id"],
            "area": doc["area"],
            "episode_id": audit["episode_id"],
            "audited_at": datetime.fromisoformat(audit["audited_at"]),
        }
        actions = audit["actions"].items() or [("", None)]
        for action_id, action in actions:
            done = action and action["completed_at"]
            rows.append(
                {
                    **base,
                    "action_id": action_id,
                    "owner": action and action["owner"],
                    "due_on": action and due_at(date.fromisoformat(action["due_on"])),
                    "completed_at": datetime.fromisoformat(done) if done else None,
                }
            )
    return rows


CASE_AUDIT_ACTIONS = RowTable(
    name=TABLE_NAME,
    columns=(
        *(
            Column(name, "text")
            for name in ("audit_id", "action_id", "family_id", "area", "episode_id", "owner")
        ),
        *(Column(name, "timestamp") for name in ("audited_at", "due_on", "completed_at")),
    ),
    key=("audit_id", "action_id"),
    indexes=(("area", "due_on"), ("due_on",), ("audited_at",)),
    rows=action_rows,
)


class CaseAuditsProjection(Projection):
    name = "case_audits"
    version = 1
    table = CASE_AUDIT_ACTIONS

    def wants(self, topic: str) -> bool:
        return topic in TOPICS

    def apply(self, event: Event, docs: Documents) -> None:
        key = self.key(event)
        if isinstance(event, Family.Registered):
            doc: Doc = {
                "family_id": key,
                "area": event.area,
                "registration_entry_id": str(event.entry_id),
                "audits": {},
                "completions": {},
            }
        else:
            doc = self.existing(event, docs)
            if isinstance(event, Family.CaseAuditRecorded):
                doc["audits"][str(event.audit_id)] = _audit(event)
            elif isinstance(event, Family.CaseAuditActionCompleted):
                self._complete(doc, event)
            elif isinstance(event, Family.EntryCorrected):
                self._correct(doc, event)
            elif isinstance(event, Family.EntryRetracted):
                self._retract(doc, str(event.target_entry_id))
        docs.put(key, doc, tag=doc["area"])

    @staticmethod
    def _complete(doc: Doc, event: Family.CaseAuditActionCompleted) -> None:
        audit_id, action_id = str(event.audit_id), str(event.action_id)
        action = doc["audits"][audit_id]["actions"][action_id]
        action["completed_by"] = str(event.entry_id)
        action["completed_at"] = event.occurred_at.isoformat()
        doc["completions"][str(event.entry_id)] = [audit_id, action_id]

    @staticmethod
    def _correct(doc: Doc, event: Family.EntryCorrected) -> None:
        target = str(event.target_entry_id)
        for change in event.changes:
            if target == doc["registration_entry_id"] and change.field == "area":
                doc["area"] = change.value
            elif change.field == "occurred_at":
                for audit in doc["audits"].values():
                    if audit["entry_id"] == target:
                        audit["audited_at"] = change.value
                if target in doc["completions"]:
                    audit_id, action_id = doc["completions"][target]
                    doc["audits"][audit_id]["actions"][action_id]["completed_at"] = change.value

    @staticmethod
    def _retract(doc: Doc, target: str) -> None:
        for audit in doc["audits"].values():
            if audit["entry_id"] == target:
                audit["retracted"] = True
        if target in doc["completions"]:
            audit_id, action_id = doc["completions"].pop(target)
            action = doc["audits"][audit_id]["actions"][action_id]
            if action["completed_by"] == target:
                action["completed_by"] = action["completed_at"] = None


def _audit(event: Family.CaseAuditRecorded) -> dict[str, Any]:
    return {
        "episode_id": str(event.episode_id),
        "entry_id": str(event.entry_id),
        "audited_at": event.occurred_at.isoformat(),
        "retracted": False,
        "grades": {g.standard: g.grade for g in event.grades},
        "actions": {
            str(a.action_id): {
                "owner": a.owner,
                "due_on": a.due_date.isoformat(),
                "completed_by": None,
                "completed_at": None,
            }
            for a in event.actions
        },
    }
