"""Receipts written before commands were dataclasses must still replay: the fingerprint of
a command is byte for byte what it was (the hex below was computed by the application as
it stood before `handle`, for the same commands, ids and times)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from typing import Any
from uuid import UUID

from domain.application import CommandReceipt, JourneysApplication
from domain.commands import (
    AgreePlan,
    AssignLeadPractitioner,
    CompleteAssessment,
    DecideSupport,
    ErasePersonalData,
    EvidenceOutcome,
    LiftLegalHold,
    NewAction,
    NewOutcome,
    PlaceLegalHold,
    RecordContact,
    RegisterFamily,
    RequestSupport,
    StartAssessment,
)
from domain.values import Actor, PersonalData

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
WHEN = datetime(2025, 5, 1, 9, 30, tzinfo=UTC)
LEAD = Actor(user_id="u-lead-1", role="lead_practitioner", agency="early_help")
ADMIN = Actor(user_id="u-admin-1", role="admin", agency="early_help")

EXPECTED = {
    "k-reg": "0445e6a3821ee94ce05e721776f4cc047c8e97897b781235a21e591e3a5d71e5",
    "k-contact": "c62e4e17ac3171446747decf47fe25f4a1079efdfc640980b4a614467ec18474",
    "k-req": "85155a10b79cad393bf6cc56ae75c7e1ad180795d0ef532e8cc7b5a673843c43",
    "k-dec": "42d591af38c55f61f7b1d91ac28d3fcbb2fb87a81540ffe00ca1157afdd3930a",
    "k-lead": "bfcd333e9050e47ac34fa20535288ebd73ee2ed706d41e3fa156e2753a8bd363",
    "k-plan": "d72fb994bc1c546c5432406ad7a5515e13db20ba9a2e3f90398e17aa27ae38f2",
    "k-ev": "3f484c21dad0cb121fea21f1e9de268de7ac10e10060cedfff81702ac0ba96da",
    "k-hold": "00b28ebf9b11f938aac9590e0868c036052d5ae9cb065791f1ab354145dd09b6",
    "k-lift": "e8b1743af5749c97b408a8d543efa299ed663c566b127eaec180f9282fcab2cd",
    "k-erase": "1151d0f6fb34cb773094cfb809cb36e1063652c4d6fd10dd381c7d633b3daf14",
}


def test_fingerprints_are_what_receipts_already_stored_hold() -> None:
    ids = count(1)
    app = JourneysApplication(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"},
        clock=lambda: NOW,
        new_id=lambda: UUID(int=next(ids)),
    )
    lead: dict[str, Any] = {"actor": LEAD, "occurred_at": WHEN}
    members = (
        ("child", False, PersonalData(given_name="A")),
        ("parent_carer", False, PersonalData(given_name="B")),
    )
    registered = app.handle(
        RegisterFamily(**lead, area="gillingham", members=members, idempotency_key="k-reg")
    )
    family: dict[str, Any] = {"family_id": registered.family_id, **lead}
    child = registered.ids["member_id_0"]
    app.handle(
        RecordContact(
            **family, agency="school", channel="phone", reason="concern", member_ids=(child,),
            personal=PersonalData(notes="x"), idempotency_key="k-contact",
        )
    )  # fmt: skip
    app.handle(RequestSupport(**family, source="2A", idempotency_key="k-req"))
    app.handle(DecideSupport(**family, agreed=True, idempotency_key="k-dec"))
    app.handle(
        AssignLeadPractitioner(
            **family, practitioner_id="u-lead-1", agency="early_help", idempotency_key="k-lead"
        )
    )
    started = app.handle(StartAssessment(**family, idempotency_key="k-as"))
    app.handle(
        CompleteAssessment(
            **family, assessment_id=started.ids["assessment_id"],
            level_of_need="partnership_plus", needs=("good_education", "housing"),
            idempotency_key="k-ac",
        )
    )  # fmt: skip
    app.handle(
        AgreePlan(
            **family, outcomes=(NewOutcome("good_education", date(2025, 9, 1)),),
            actions=(NewAction(0, "school", date(2025, 7, 1)),), idempotency_key="k-plan",
        )
    )  # fmt: skip
    app.handle(
        EvidenceOutcome(
            **family, headline_outcome="good_education", measure="attendance_percent",
            value=Decimal("93.5"), period_start=date(2025, 1, 6), period_end=date(2025, 3, 28),
            source="school", idempotency_key="k-ev",
        )
    )  # fmt: skip
    admin: dict[str, Any] = {"family_id": registered.family_id, "actor": ADMIN}
    hold = app.handle(
        PlaceLegalHold(
            **admin, reason="public_inquiry", reference="IICSA-2015", idempotency_key="k-hold"
        )
    )
    app.handle(
        LiftLegalHold(
            **admin, hold_id=hold.ids["hold_id"], reason="instruction_withdrawn",
            idempotency_key="k-lift",
        )
    )  # fmt: skip
    app.handle(ErasePersonalData(**admin, reason="right_to_erasure", idempotency_key="k-erase"))

    by_admin = {"k-hold", "k-lift", "k-erase"}
    found: dict[str, CommandReceipt] = {
        key: app.repository.get(CommandReceipt.id_for(ADMIN if key in by_admin else LEAD, key))
        for key in EXPECTED
    }
    assert {key: receipt.fingerprint for key, receipt in found.items()} == EXPECTED
