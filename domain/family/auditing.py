"""The family's commands of quality assurance: a QA officer's case audit of an episode (a
grade per practice standard, findings, actions with owners and due dates), and later the
completion of each action.

A case audit changes no episode: it may be recorded while the episode is open or long after
it closed, so it needs no open episode. It cannot come before the episode it audits opened,
and a completion cannot come before its audit (the chronology rules, as recorded and as
corrected); an action is not due before the day of its audit, as corrected too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.codes import CodeLists
from domain.errors import NotFoundError
from domain.family.checks import require
from domain.family.recording import NewEntry, Recording
from domain.values import AuditAction, FieldChange, PersonalData, StandardGrade

AUDIT_ENTRIES = frozenset({"CaseAuditRecorded", "CaseAuditActionCompleted"})
AUDITOR_ROLE = "qa_officer"
# An action is owned by an agency (a code of `agency`) or a practitioner (their user id).
OWNER_ID_MAX = 200


def check_auditor(entry: NewEntry, *, changing: str | None = None) -> None:
    """Only a QA officer records a case audit or an action's completion, and corrects or
    retracts one (`changing`: the kind of entry a correction or retraction is about)."""
    if changing is None or changing in AUDIT_ENTRIES:
        require(
            entry.actor.role == AUDITOR_ROLE,
            "case_audit_by_qa_officer",
            "only a QA officer records, corrects or retracts case audits and the completion "
            "of their actions",
        )


class AuditCommands(Recording):
    """Case audits and the completion of their actions."""

    def record_case_audit(
        self,
        *,
        audit_id: UUID,
        episode_id: UUID,
        grades: tuple[StandardGrade, ...],
        findings: tuple[str, ...],
        actions: tuple[AuditAction, ...],
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        self.check_auditor(entry)
        for grade in grades:
            codes.require("practice_standard", grade.standard, field="grades.standard")
            codes.require("ofsted_grade", grade.grade, field="grades.grade")
        codes.require_all("audit_finding", findings, field="findings")
        standards = [g.standard for g in grades]
        require(
            bool(grades) and len(set(standards)) == len(standards),
            "audit_needs_grades",
            "a case audit grades at least one practice standard, each at most once",
        )
        require(
            str(episode_id) in self.episodes,
            "audit_episode_unknown",
            f"episode {episode_id} is not an episode of this family",
        )
        for action in actions:
            if action.owner not in codes.lists["agency"]:
                require(
                    0 < len(action.owner) <= OWNER_ID_MAX and action.owner.isprintable(),
                    "audit_action_owner",
                    "an action's owner is an agency code or a practitioner's user id",
                )
        self.check_due_dates(actions, audited_at=entry.occurred_at)
        self.record(
            "CaseAuditRecorded",
            entry,
            now=now,
            audit_id=audit_id,
            episode_id=episode_id,
            grades=grades,
            findings=findings,
            actions=actions,
            personal=personal,
        )

    def complete_audit_action(
        self, *, audit_id: UUID, action_id: UUID, codes: CodeLists, now: datetime, entry: NewEntry
    ) -> None:
        self.check_auditor(entry)
        audit = self.audits.get(str(audit_id))
        if audit is None or audit.entry_id in self.retracted:
            raise NotFoundError(f"case audit {audit_id} is not a case audit of this family")
        if str(action_id) not in audit.actions:
            raise NotFoundError(f"action {action_id} is not an action of case audit {audit_id}")
        done = audit.completions.get(str(action_id))
        require(
            done is None or done in self.retracted,
            "audit_action_completed",
            f"action {action_id} of case audit {audit_id} was already completed",
        )
        self.record(
            "CaseAuditActionCompleted", entry, now=now, audit_id=audit_id, action_id=action_id
        )

    # -- checks ----------------------------------------------------------------------------

    def check_auditor(self, entry: NewEntry) -> None:
        check_auditor(entry)

    def check_due_dates(self, actions: tuple[AuditAction, ...], *, audited_at: datetime) -> None:
        require(
            all(a.due_date >= audited_at.date() for a in actions),
            "audit_action_due_before_audit",
            f"an action cannot be due before the day of its audit ({audited_at.date()})",
        )

    # -- the rules of time, for audits (the chronology's, extended) ------------------------

    def predecessors(self, kind: str, fields: Mapping[str, Any]) -> tuple[str, ...]:
        """An audit follows the opening of the episode it audits; a completion, its audit."""
        if kind == "CaseAuditRecorded":
            episode = self.episodes.get(str(fields["episode_id"]))
            return (episode.opened_by,) if episode is not None else ()
        if kind == "CaseAuditActionCompleted":
            audit = self.audits.get(str(fields["audit_id"]))
            return (audit.entry_id,) if audit is not None else ()
        return super().predecessors(kind, fields)

    def check_corrected_times(
        self,
        target_entry_id: UUID,
        target_type: str,
        changes: tuple[FieldChange, ...],
        now: datetime,
    ) -> None:
        """An audit as corrected keeps its actions' due dates on or after its day."""
        super().check_corrected_times(target_entry_id, target_type, changes, now)
        moved = [c.value for c in changes if c.field == "occurred_at"]
        if target_type == "CaseAuditRecorded" and moved:
            audit = next(a for a in self.audits.values() if a.entry_id == str(target_entry_id))
            due = tuple(AuditAction(UUID(k), "", d) for k, d in audit.actions.items())
            self.check_due_dates(due, audited_at=datetime.fromisoformat(moved[-1]))
