"""The family's commands about its household, consents, sharing, contacts and evidence:
entries that need no open episode."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from domain.codes import CodeLists
from domain.errors import InvalidValueError
from domain.family.checks import check_members, check_period, require
from domain.family.recording import NewEntry, Recording
from domain.values import Member, PersonalData


class HouseholdCommands(Recording):
    """Members joining and leaving, contacts, consents, sharing, outcome evidence."""

    def add_member(
        self, *, member: Member, codes: CodeLists, now: datetime, entry: NewEntry
    ) -> None:
        check_members((member,), codes, on=entry.occurred_at.date())
        self.record("MemberAdded", entry, now=now, member=member)

    def remove_member(
        self, *, member_id: UUID, reason: str, codes: CodeLists, now: datetime, entry: NewEntry
    ) -> None:
        codes.require("member_left_reason", reason, field="reason")
        member = self.members.get(str(member_id))
        require(
            member is not None, "member_not_found", f"{member_id} is not a member of this family"
        )
        assert member is not None
        require(member.active, "member_already_left", f"member {member_id} has already left")
        self.record("MemberLeft", entry, now=now, member_id=member_id, reason=reason)

    def record_contact(
        self,
        *,
        contact_id: UUID,
        agency: str,
        channel: str,
        reason: str,
        member_ids: tuple[UUID, ...],
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        codes.require("agency", agency, field="agency")
        codes.require("contact_channel", channel, field="channel")
        codes.require("contact_reason", reason, field="reason")
        self.check_members_exist(member_ids)
        self.record(
            "ContactRecorded",
            entry,
            now=now,
            contact_id=contact_id,
            episode_id=self.episode_at(entry.occurred_at),
            agency=agency,
            channel=channel,
            reason=reason,
            member_ids=member_ids,
            personal=personal,
        )

    def give_consent(
        self,
        *,
        consent_id: UUID,
        given_by: UUID,
        agencies: tuple[str, ...],
        purposes: tuple[str, ...],
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        if not agencies:
            raise InvalidValueError("agencies", "name at least one agency")
        if not purposes:
            raise InvalidValueError("purposes", "name at least one purpose")
        codes.require_all("agency", agencies, field="agencies")
        codes.require_all("sharing_purpose", purposes, field="purposes")
        self.check_members_exist((given_by,), field="given_by")
        self.record(
            "ConsentGiven",
            entry,
            now=now,
            consent_id=consent_id,
            given_by=given_by,
            agencies=agencies,
            purposes=purposes,
        )

    def withdraw_consent(
        self, *, consent_id: UUID, codes: CodeLists, now: datetime, entry: NewEntry
    ) -> None:
        consent = self.consents.get(str(consent_id))
        require(
            consent is not None and consent.in_force,
            "consent_not_in_force",
            f"consent {consent_id} is not in force for this family",
        )
        self.record("ConsentWithdrawn", entry, now=now, consent_id=consent_id)

    def share_information(
        self,
        *,
        sharing_id: UUID,
        with_agency: str,
        categories: tuple[str, ...],
        purpose: str,
        lawful_basis: str,
        personal: PersonalData | None,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        codes.require("agency", with_agency, field="with_agency")
        if not categories:
            raise InvalidValueError("categories", "say what was shared")
        codes.require_all("information_category", categories, field="categories")
        codes.require("sharing_purpose", purpose, field="purpose")
        codes.require("lawful_basis", lawful_basis, field="lawful_basis")
        consent_id = self.check_sharing_basis(
            agency=with_agency, purpose=purpose, lawful_basis=lawful_basis
        )
        self.record(
            "InformationShared",
            entry,
            now=now,
            sharing_id=sharing_id,
            episode_id=self.episode_at(entry.occurred_at),
            with_agency=with_agency,
            categories=categories,
            purpose=purpose,
            lawful_basis=lawful_basis,
            consent_id=consent_id,
            personal=personal,
        )

    def evidence_outcome(
        self,
        *,
        evidence_id: UUID,
        headline_outcome: str,
        measure: str,
        value: Decimal,
        period_start: date,
        period_end: date,
        source: str,
        codes: CodeLists,
        now: datetime,
        entry: NewEntry,
    ) -> None:
        codes.require("headline_outcome", headline_outcome, field="headline_outcome")
        codes.require("evidence_measure", measure, field="measure")
        codes.require("evidence_source", source, field="source")
        check_period(period_start, period_end, now)
        self.record(
            "OutcomeEvidenced",
            entry,
            now=now,
            evidence_id=evidence_id,
            episode_id=self.episode_at(entry.occurred_at),
            headline_outcome=headline_outcome,
            measure=measure,
            value=value,
            period_start=period_start,
            period_end=period_end,
            source=source,
        )
