"""Contacts published by partner systems: appended as the HTTP route appends them, once per
message id, and every refused message parked as one dead letter with its reason and its
original sealed (real tansu broker, real store)."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator, Draft202012Validator

from api.app import create_app
from api.common.schemas.inbound import contact_schema
from infra.kafka.asyncapi import asyncapi
from infra.kafka.inbound import open_original
from infra.privacy.messages import MessageSealer
from infra.settings import Settings, master_key_bytes
from tests.support.api import auth_for, sqlite_settings
from tests.support.inbound import (
    OCCURRED,
    consumer_of,
    contact,
    dead_letters,
    publish,
    run_until,
    sent,
)
from tests.support.journey import NOTES
from tests.support.relay import PERSONAL, Relayed, relayed


def timeline(r: Relayed, family_id: uuid.UUID) -> list[dict[str, Any]]:
    with TestClient(create_app(r.journeys.settings, journeys=r.journeys)) as client:
        lead = auth_for(r.journeys)("lead_practitioner", user_id="u-lead-1")
        response = client.get(f"/families/{family_id}/timeline", headers=lead)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def appended_once(settings: Settings) -> None:
    """One contact published twice (the sender's retry) is in the timeline once."""
    with relayed(settings) as r:
        journey = r.journey().to("lead_assigned")
        message = contact(journey.id, notes=NOTES.notes, channel="face_to_face")
        inbound = consumer_of(r)
        try:
            publish(r.bootstrap, [sent(message), sent(message)])
            run_until(inbound, 2)
        finally:
            inbound.close()
        contacts = [e for e in timeline(r, journey.id) if e["type"] == "ContactRecorded"]

    assert (inbound.counts.appended, inbound.counts.replayed) == (1, 1)
    assert inbound.counts.dead_lettered == 0
    (entry,) = contacts
    assert entry["facts"]["agency"] == "school"
    assert entry["facts"]["channel"] == "face_to_face"
    assert entry["occurred_at"].startswith(OCCURRED[:16])
    assert entry["actor"] == {"user_id": "inbound:school", "role": "partner", "agency": "school"}
    assert entry["personal"]["notes"] == NOTES.notes


def test_a_published_contact_is_in_the_timeline_once_however_often_it_is_sent(
    tmp_path: Path,
) -> None:
    appended_once(sqlite_settings(tmp_path))


@pytest.mark.postgres
def test_a_contact_sent_twice_is_appended_once_on_postgresql_too(postgres_url: str) -> None:
    appended_once(Settings(database_url=postgres_url, mode="development"))


def test_the_published_schema_is_the_one_the_consumer_applies(tmp_path: Path) -> None:
    with TestClient(create_app(sqlite_settings(tmp_path))) as client:
        schema = client.get("/schemas/inbound-contact.json")
        document = client.get("/asyncapi.json").json()
    validator = Draft202012Validator(schema.json())
    family = uuid.uuid4()

    assert schema.status_code == 200
    assert schema.json() == contact_schema()
    channel = document["channels"]["inboundContacts"]
    assert channel["address"] == "journeys.inbound.contacts.v1"
    assert channel["bindings"]["kafka"]["partitions"] == 3
    assert (
        document["components"]["schemas"]["InboundContact"]["required"]
        == (schema.json()["required"])
    )
    assert validator.is_valid(contact(family))
    assert not validator.is_valid(contact(family, surname="Smith"))  # unknown field
    assert not validator.is_valid({k: v for k, v in contact(family).items() if k != "reason"})


def test_every_kind_of_refused_message_is_one_dead_letter_with_its_reason(tmp_path: Path) -> None:
    with relayed(sqlite_settings(tmp_path)) as r:
        journey = r.journey().to("lead_assigned")
        text = str(NOTES.notes)
        notes = {"notes": text}
        refused = {
            "bad_json": sent(b'{"message_id": "m-1", "notes": "' + text.encode()),
            "schema": sent({**contact(journey.id, **notes), "reason": None}),
            "invalid_value": sent(contact(journey.id, channel="carrier_pigeon", **notes)),
            "rule": sent(contact(journey.id, member_ids=[str(uuid.uuid4())], **notes)),
            "not_found": sent(contact(uuid.uuid4(), **notes)),
            "sender": sent(contact(journey.id, **notes), agency=None),
            "own_agency": sent(contact(journey.id, agency="police", **notes)),
            # The id of the accepted message below, for another contact.
            "reused_id": sent(contact(journey.id, message_id="m-first", channel="letter")),
        }
        inbound = consumer_of(r)
        try:
            accepted = sent(contact(journey.id, message_id="m-first"))
            publish(r.bootstrap, [accepted, *refused.values()])
            run_until(inbound, 1 + len(refused))
        finally:
            inbound.close()
        letters = dead_letters(r.bootstrap, at_least=len(refused))
        contacts = [e for e in timeline(r, journey.id) if e["type"] == "ContactRecorded"]
        # An operator sees them waiting, in /health and in /metrics.
        with TestClient(create_app(r.journeys.settings, journeys=r.journeys)) as client:
            health = client.get("/health").json()
            scraped = client.get("/metrics").text

    assert [c["facts"]["channel"] for c in contacts] == ["phone"]  # the accepted one only
    assert inbound.counts.dead_lettered == len(letters) == len(refused)
    assert health["dead_letters"] == len(refused)
    assert f"journeys_dead_letters {float(len(refused))}" in scraped
    sealer = MessageSealer(master_key_bytes(r.journeys.settings.master_key))
    by_original = {open_original(letter, sealer): letter for letter in letters}
    reasons = {name: by_original[m.value]["reason"] for name, m in refused.items()}
    assert reasons["bad_json"] == {
        "kind": "bad_json", "field": "body", "rule": None, "detail": "the body is not valid JSON"
    }  # fmt: skip
    assert (reasons["schema"]["kind"], reasons["schema"]["field"]) == ("schema", "reason")
    assert reasons["invalid_value"]["kind"] == "invalid_value"
    assert reasons["invalid_value"]["field"] == "channel"
    assert (reasons["rule"]["kind"], reasons["rule"]["rule"]) == ("rule", "member_not_found")
    assert reasons["not_found"]["kind"] == "not_found"
    assert reasons["sender"] == {
        "kind": "sender", "field": "header journeys-agency", "rule": None, "detail": "missing"
    }  # fmt: skip
    assert reasons["own_agency"]["rule"] == "own_agency_only"
    assert reasons["reused_id"]["rule"] == "idempotency_key_reused"
    document = asyncapi(r.journeys.settings, contact_schema())
    described = Draft7Validator({**document, "$ref": "#/components/schemas/InboundDeadLetter"})
    for letter in letters:
        described.validate(letter)
        assert letter["source"]["topic"] == "journeys.inbound.contacts.v1"
        # The reason and the envelope hold no personal data: the original is sealed.
        envelope = json.dumps(letter).encode()
        assert not [p for p in PERSONAL if p in envelope]
        assert not [p for p in PERSONAL if p in base64.b64decode(letter["original"]["value"])]
    assert by_original[refused["own_agency"].value]["sender"] == "school"
