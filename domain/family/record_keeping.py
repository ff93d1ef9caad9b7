"""The family's commands about the record itself: corrections, retractions, erasure of
personal data and legal holds."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.codes import CodeLists
from domain.errors import InvalidValueError
from domain.family.auditing import check_auditor
from domain.family.checks import (
    CORRECTABLE,
    NOTES_ENTRIES,
    RETRACTABLE,
    check_corrected_value,
    require,
)
from domain.family.recording import NewEntry, Recording
from domain.values import FieldChange, PersonalData


class RecordKeepingCommands(Recording):
    """Corrections, retractions, erasure and legal holds."""

    def correct_entry(
        self,
        *,
        target_entry_id: UUID,
        changes: tuple[FieldChange, ...],
        member_id: UUID | None,
        reason: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        codes.require("correction_reason", reason, field="reason")
        target_type = self.check_target_entry(target_entry_id)
        check_auditor(entry, changing=target_type)
        allowed = CORRECTABLE.get(target_type, {"occurred_at": "datetime"})
        for change in changes:
            kind = allowed.get(change.field)
            require(
                kind is not None,
                "field_not_correctable",
                f"{change.field!r} of a {target_type} cannot be corrected; "
                f"correctable: {', '.join(allowed)}",
            )
            assert kind is not None
            check_corrected_value(change, kind, codes, now)
        self.check_corrected_times(target_entry_id, target_type, changes, now)
        if member_id is not None:
            member = self.members.get(str(member_id))
            require(
                member is not None and member.entry_id == str(target_entry_id),
                "field_not_correctable",
                f"member {member_id} was not added by entry {target_entry_id}",
            )
        elif personal is not None:
            require(
                target_type in NOTES_ENTRIES,
                "field_not_correctable",
                f"a {target_type} has no notes to correct",
            )
        require(
            bool(changes) or personal is not None,
            "correction_unchanged",
            "say which fields (or personal details) the correction changes",
        )
        self.record(
            "EntryCorrected",
            entry,
            now=now,
            target_entry_id=target_entry_id,
            changes=changes,
            member_id=member_id,
            reason=reason,
            personal=personal,
        )

    def retract_entry(
        self,
        *,
        target_entry_id: UUID,
        reason: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        codes.require("retraction_reason", reason, field="reason")
        target_type = self.check_target_entry(target_entry_id)
        check_auditor(entry, changing=target_type)
        require(
            target_type in RETRACTABLE,
            "not_retractable",
            f"a {target_type} cannot be retracted; correct it, or record what happened next",
        )
        self.record(
            "EntryRetracted",
            entry,
            now=now,
            target_entry_id=target_entry_id,
            reason=reason,
            personal=personal,
        )

    def erase_personal_data(
        self, *, reason: str, codes: CodeLists, now: datetime, entry: NewEntry
    ) -> None:
        codes.require("erasure_reason", reason, field="reason")
        self.check_not_erased()
        holds = [
            f"legal hold {hold_id} ({codes.label('legal_hold_reason', why)}, "
            f"reference {reference}) is in force"
            for hold_id, why, reference in self.legal_holds
        ]
        require(not holds, "legal_hold_in_force", "; ".join(holds) + "; lift it to erase")
        self.record("PersonalDataErased", entry, now=now, reason=reason)

    def place_legal_hold(
        self,
        *,
        hold_id: UUID,
        reason: str,
        reference: str,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        codes.require("legal_hold_reason", reason, field="reason")
        if not reference.strip():
            raise InvalidValueError("reference", "give the reference of the instruction")
        self.check_not_erased()
        self.record(
            "LegalHoldPlaced", entry, now=now, hold_id=hold_id, reason=reason, reference=reference
        )

    def lift_legal_hold(
        self, *, hold_id: UUID, reason: str, codes: CodeLists, now: datetime, entry: NewEntry
    ) -> None:
        codes.require("legal_hold_lift_reason", reason, field="reason")
        require(
            any(h[0] == str(hold_id) for h in self.legal_holds),
            "legal_hold_not_in_force",
            f"legal hold {hold_id} is not in force on this family (never placed, or lifted)",
        )
        self.record("LegalHoldLifted", entry, now=now, hold_id=hold_id, reason=reason)
