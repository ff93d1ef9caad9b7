"""Erasure and legal holds through HTTP: admins only; a hold blocks erasure (409 naming it),
lifted the same way; erasure once only; afterwards every reader sees "erased" where
personal details were, the journey and its counts stay, and the store's files hold neither
the details nor the family's key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.bootstrap import Journeys
from infra.privacy.keys import unwrap
from infra.settings import Settings, master_key_bytes
from tests.support.api import Auth, auth_for, store_position
from tests.support.postgres import PostgresServer
from tests.support.shredding import Details, found, scannable, store_files
from tests.support.walk import Walk, at

ADMIN = {"role": "admin"}


class Family:
    """A family with distinctive personal details, in an episode, with notes on a contact."""

    def __init__(self, client: TestClient, auth: Auth, details: Details) -> None:
        self.client, self.auth, self.details = client, auth, details
        walk = Walk(client, auth)
        child, parent = details.child, details.parent
        registered = walk.post(
            "",
            {
                "occurred_at": at("01-06"),
                "area": "gillingham",
                "members": [
                    {
                        "relationship": "child",
                        "given_name": child.given_name,
                        "family_name": child.family_name,
                        "date_of_birth": str(child.date_of_birth),
                    },
                    {
                        "relationship": "parent_carer",
                        "given_name": parent.given_name,
                        "family_name": parent.family_name,
                        "address": parent.address,
                    },
                ],
            },
            event="Registered",
            role="practitioner",
        )
        self.family_id = walk.family_id = registered["family_id"]
        self.child = registered["member_id_0"]
        walk.post("/requests-for-support", {"occurred_at": at("01-08"), "source": "3A"}, event="")
        self.contact = walk.post(
            "/contacts",
            {
                "occurred_at": at("01-09"),
                "agency": "school",
                "channel": "phone",
                "reason": "concern",
                "notes": details.notes.notes,
            },
            event="",
            role="practitioner",
        )["entry_id"]
        self.walk = walk

    def post(self, path: str, body: dict[str, Any], **who: Any) -> Any:
        headers = self.auth(**(who or ADMIN))
        return self.client.post(f"/families/{self.family_id}{path}", json=body, headers=headers)

    def read(self, path: str, role: str = "qa_officer") -> Any:
        answer = self.client.get(
            f"/families/{self.family_id}{path}",
            params={"min_position": store_position(self.client)} if path != "/events" else {},
            headers=self.auth(role),
        )
        assert answer.status_code == 200, answer.text
        return answer

    def erase(self, reason: str = "right_to_erasure") -> Any:
        return self.post("/erasure", {"reason": reason})

    def hold(self, reference: str = "IICSA-2015/KENT-041") -> Any:
        return self.post("/legal-hold", {"reason": "public_inquiry", "reference": reference})


@pytest.fixture
def details() -> Details:
    return Details.distinctive()


@pytest.fixture
def family(client: TestClient, auth: Auth, details: Details) -> Family:
    return Family(client, auth, details)


def by_type(timeline: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(e for e in timeline["entries"] if e["type"] == kind)


def test_entitled_readers_see_personal_details_until_erasure(family: Family) -> None:
    timeline = family.read("/timeline").json()

    registered = by_type(timeline, "Registered")
    assert registered["personal"]["members"][family.child] == {
        "given_name": family.details.child.given_name,
        "family_name": family.details.child.family_name,
        "date_of_birth": str(family.details.child.date_of_birth),
    }
    assert by_type(timeline, "ContactRecorded")["personal"] == {"notes": family.details.notes.notes}


def test_after_erasure_every_reader_sees_erased_and_the_journey_stays(family: Family) -> None:
    journey_before = family.read("/journey").json()

    erased = family.erase()

    assert erased.status_code == 201, erased.text
    assert {"family_id", "entry_id", "position"} <= set(erased.json())
    timeline = family.read("/timeline").json()
    registered = by_type(timeline, "Registered")
    assert registered["personal"]["members"][family.child] == {
        "given_name": "erased",
        "family_name": "erased",
        "date_of_birth": "erased",
    }
    assert f"members.{family.child}.given_name" in registered["personal_fields"]
    assert by_type(timeline, "ContactRecorded")["personal"] == {"notes": "erased"}
    erasure = by_type(timeline, "PersonalDataErased")
    assert erasure["summary"] == (
        "Personal data erased: The family exercised the right to erasure (UK GDPR article 17)"
    )
    assert erasure["actor"]["role"] == "admin"
    contact = family.read("/events").json()["items"][2]
    assert contact["data"]["personal"] == {
        "given_name": None,
        "family_name": None,
        "date_of_birth": None,
        "address": None,
        "notes": "erased",
        "erased": True,
    }
    page = family.client.get(f"/web/families/{family.family_id}", headers=family.auth("qa_officer"))
    assert page.status_code == 200, page.text
    journey_after = family.read("/journey").json()
    everything = "".join(
        [str(timeline), str(family.read("/events").json()), page.text, str(journey_after)]
    )
    assert [t for t in family.details.texts() if t in everything] == []
    assert "given name: erased; family name: erased; date of birth: erased" in page.text
    assert "<dt>Notes</dt><dd>erased</dd>" in page.text
    moving = {"position", "as_of"}
    assert {k: v for k, v in journey_after.items() if k not in moving} == {
        k: v for k, v in journey_before.items() if k not in moving
    }
    assert len(timeline["entries"]) == 4


def test_a_legal_hold_blocks_erasure_naming_the_hold_until_it_is_lifted(family: Family) -> None:
    held = family.hold()
    assert held.status_code == 201, held.text
    hold_id = held.json()["hold_id"]

    refused = family.erase()
    lifted = family.post(f"/legal-hold/{hold_id}/lift", {"reason": "instruction_withdrawn"})
    erased = family.erase()

    assert refused.status_code == 409
    assert refused.json()["rule"] == "legal_hold_in_force"
    assert hold_id in refused.json()["detail"]
    assert "IICSA-2015/KENT-041" in refused.json()["detail"]
    assert (lifted.status_code, lifted.json()["hold_id"]) == (201, hold_id)
    assert erased.status_code == 201, erased.text
    summaries = [e["summary"] for e in family.read("/timeline").json()["entries"]][-3:]
    assert summaries == [
        "Legal hold placed (Public inquiry instruction (e.g. the Independent Inquiry into Child "
        "Sexual Abuse, 2015)), reference IICSA-2015/KENT-041",
        "Legal hold lifted: The instruction was withdrawn",
        "Personal data erased: The family exercised the right to erasure (UK GDPR article 17)",
    ]


def test_erasure_twice_is_refused(family: Family) -> None:
    assert family.erase().status_code == 201
    before = store_position(family.client)

    again = family.erase("recorded_in_error")

    assert (again.status_code, again.json()["rule"]) == (409, "already_erased")
    assert store_position(family.client) == before


def test_a_retry_with_the_same_idempotency_key_answers_the_first_result(family: Family) -> None:
    key = {"Idempotency-Key": "hold-7", **family.auth("admin")}
    body = {"reason": "litigation", "reference": "CLAIM-7"}
    url = f"/families/{family.family_id}"

    first = family.client.post(f"{url}/legal-hold", json=body, headers=key)
    again = family.client.post(f"{url}/legal-hold", json=body, headers=key)  # a moment later
    erased = family.client.post(
        f"{url}/erasure",
        json={"reason": "right_to_erasure"},
        headers={**key, "Idempotency-Key": "e"},
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["hold_id"] == first.json()["hold_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (erased.status_code, erased.json()["rule"]) == (409, "legal_hold_in_force")
    assert erased.json()["detail"].count("legal hold ") == 1  # one hold, not two
    hold_id = first.json()["hold_id"]
    family.post(f"/legal-hold/{hold_id}/lift", {"reason": "proceedings_concluded"})
    retried = [
        family.client.post(
            f"{url}/erasure",
            json={"reason": "right_to_erasure"},
            headers={**key, "Idempotency-Key": "e2"},
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in retried] == [201, 201]
    assert retried[1].headers["Idempotent-Replayed"] == "true"
    assert retried[1].json()["entry_id"] == retried[0].json()["entry_id"]


def test_lifting_a_hold_not_in_force_is_refused(family: Family) -> None:
    hold_id = family.hold().json()["hold_id"]
    family.post(f"/legal-hold/{hold_id}/lift", {"reason": "instruction_withdrawn"})

    again = family.post(f"/legal-hold/{hold_id}/lift", {"reason": "instruction_withdrawn"})
    unknown = family.post(
        f"/legal-hold/{family.family_id}/lift", {"reason": "instruction_withdrawn"}
    )

    assert (again.status_code, again.json()["rule"]) == (409, "legal_hold_not_in_force")
    assert (unknown.status_code, unknown.json()["rule"]) == (409, "legal_hold_not_in_force")


def test_after_erasure_entries_with_notes_are_refused_and_others_recorded(family: Family) -> None:
    family.erase()
    contact = {"occurred_at": at("02-01"), "agency": "school", "channel": "phone"}

    with_notes = family.post(
        "/contacts", {**contact, "reason": "concern", "notes": "more notes"}, role="practitioner"
    )
    without = family.post("/contacts", {**contact, "reason": "check_in"}, role="practitioner")

    assert (with_notes.status_code, with_notes.json()["rule"]) == (409, "personal_data_erased")
    assert without.status_code == 201, without.text


@pytest.mark.parametrize("role", ["qa_officer", "lead_practitioner", "practitioner", "partner"])
def test_only_an_admin_may_erase_or_hold(family: Family, role: str) -> None:
    before = store_position(family.client)

    answers = [
        family.post("/erasure", {"reason": "right_to_erasure"}, role=role),
        family.post("/legal-hold", {"reason": "litigation", "reference": "C-1"}, role=role),
    ]

    assert [a.status_code for a in answers] == [403, 403]
    assert all("admin" in a.json()["detail"] for a in answers)
    assert store_position(family.client) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/erasure", {"reason": "because"}, "reason"),
        ("/erasure", {}, "reason"),
        ("/legal-hold", {"reason": "litigation"}, "reference"),
        ("/legal-hold", {"reason": "litigation", "reference": "Mrs <Smith>"}, "reference"),
        ("/legal-hold", {"reason": "because", "reference": "C-1"}, "reason"),
    ],
)
def test_bad_input_names_the_field(
    family: Family, path: str, body: dict[str, Any], field: str
) -> None:
    answer = family.post(path, body)

    assert (answer.status_code, answer.json()["field"]) == (422, field)
    assert "Smith" not in answer.text


def test_after_erasure_the_store_files_hold_no_detail_nor_key(
    family: Family, journeys: Journeys, settings: Settings, server: PostgresServer | None
) -> None:
    assert journeys.keys is not None
    row = journeys.keys.table.get(family.family_id)
    assert row is not None
    assert row.wrapped is not None
    master = master_key_bytes(settings.master_key)
    keys = [row.wrapped, unwrap(master, family.family_id, row.wrapped)]
    family.read("/timeline")  # the views have caught up (they hold no personal data anyway)

    assert family.erase().status_code == 201
    family.read("/timeline")

    assert found(store_files(settings, server), [*family.details.needles(), *keys]) == {}


@pytest.fixture
def server() -> PostgresServer | None:
    return None


@pytest.mark.postgres
class TestOnPostgreSQL:
    """The same through the API on PostgreSQL, scanning the server's data directory."""

    @pytest.fixture
    def server(self, postgres_server: PostgresServer) -> Iterator[PostgresServer]:
        with scannable(postgres_server) as server:
            yield server

    @pytest.fixture
    def client(self, postgres_url: str, server: PostgresServer) -> Iterator[TestClient]:
        settings = Settings(database_url=postgres_url, mode="development")
        with TestClient(create_app(settings)) as client:
            yield client

    @pytest.fixture
    def settings(self, client: TestClient) -> Settings:
        journeys: Journeys = client.app.state.journeys  # type: ignore[attr-defined]
        return journeys.settings

    @pytest.fixture
    def auth(self, journeys: Journeys) -> Auth:
        return auth_for(journeys)

    def test_after_erasure_the_data_directory_holds_no_detail_nor_key(
        self, family: Family, journeys: Journeys, settings: Settings, server: PostgresServer
    ) -> None:
        test_after_erasure_the_store_files_hold_no_detail_nor_key(
            family, journeys, settings, server
        )

    def test_a_legal_hold_blocks_erasure_until_lifted(self, family: Family) -> None:
        test_a_legal_hold_blocks_erasure_naming_the_hold_until_it_is_lifted(family)
