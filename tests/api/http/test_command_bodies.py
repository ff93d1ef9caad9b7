"""Each command's HTTP body is its dataclass (domain.commands): the same fields, required
or not, with the same limits and descriptions, as OpenAPI tells a client; and a value past
a limit is refused with a 422 naming the field."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

import domain.commands
import domain.values
from domain.commands import STEPS, Command, RegisterFamily
from tests.support.api import Auth

COMMANDS: list[type[Command]] = [RegisterFamily, *STEPS]
SENDER = {"actor", "idempotency_key"}
STEPS_BY_NAME = {command.__name__: command for command in STEPS}


def expected_fields(cls: type[Any]) -> dict[str, dict[str, Any]]:
    """What a body of `cls` should say of each of its fields: whether it is required, its
    description and its limits, read from the dataclass's metadata."""
    wanted: dict[str, dict[str, Any]] = {}
    hints = typing.get_type_hints(cls)
    for spec in dataclasses.fields(cls):
        meta = spec.metadata
        if spec.name in SENDER or meta.get("http") is False:
            continue
        if "personal" in meta:  # the details of PersonalData, each its own optional field
            wanted |= {detail: {"required": False} for detail in meta["personal"]}
            continue
        has_default = spec.default is not dataclasses.MISSING or "body_default" in meta
        wanted[meta.get("body_name", spec.name)] = {
            "required": not has_default,
            "description": meta.get("description"),
            "maxItems": meta.get("max_items"),
            "minItems": meta.get("min_items"),
        }
        if hints[spec.name] in (str, str | None) and "choices" not in meta:  # codes: 1 to 64
            wanted[spec.name]["maxLength"] = meta.get("max_length", 64)
            wanted[spec.name]["minLength"] = 1
    return wanted


def said(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """What the OpenAPI schema of a body says of its field `name`."""
    prop = schema["properties"][name]
    kinds = [prop, *prop.get("anyOf", [])]
    array: dict[str, Any] = next((s for s in kinds if s.get("type") in ("array", "object")), {})
    text: dict[str, Any] = next((s for s in kinds if s.get("type") == "string"), {})
    return {
        "maxLength": text.get("maxLength"),
        "minLength": text.get("minLength"),
        "required": name in schema.get("required", []),
        "description": prop.get("description"),
        "maxItems": array.get("maxItems", array.get("maxProperties")),
        "minItems": array.get("minItems"),
    }


@pytest.fixture
def openapi(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def body_schema(openapi: dict[str, Any], cls: type[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = openapi["components"]["schemas"][f"{cls.__name__}Body"]
    return schema


def test_every_command_has_one_route_taking_its_body(openapi: dict[str, Any]) -> None:
    taken = [
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        for item in openapi["paths"].values()
        for method, operation in item.items()
        if method == "post" and "requestBody" in operation
    ]
    for command in COMMANDS:
        assert taken.count(f"#/components/schemas/{command.__name__}Body") == 1, command


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.__name__)
def test_the_body_has_the_commands_client_fields(
    openapi: dict[str, Any], command: type[Command]
) -> None:
    schema = body_schema(openapi, command)
    wanted = expected_fields(command)
    assert set(schema["properties"]) == set(wanted)
    assert schema["additionalProperties"] is False  # a typo is refused, never dropped
    for name, expected in wanted.items():
        got = said(schema, name)
        assert {k: got[k] for k in expected} == expected, name


@pytest.mark.parametrize("value", ["NewOutcome", "NewAction", "OutcomeProgress", "OutcomeStatus"])
def test_nested_values_are_their_dataclasses(openapi: dict[str, Any], value: str) -> None:
    cls = getattr(domain.commands, value, None) or getattr(domain.values, value)
    schema = body_schema(openapi, cls)
    assert set(schema["properties"]) == {spec.name for spec in dataclasses.fields(cls)}


def test_texts_and_codes_keep_their_limits(openapi: dict[str, Any]) -> None:
    contact = body_schema(openapi, STEPS_BY_NAME["RecordContact"])["properties"]
    assert (contact["agency"]["minLength"], contact["agency"]["maxLength"]) == (1, 64)
    assert contact["notes"]["anyOf"][0]["maxLength"] == 10_000
    hold = body_schema(openapi, STEPS_BY_NAME["PlaceLegalHold"])["properties"]["reference"]
    assert hold["maxLength"] == 100
    assert hold["pattern"].startswith("^[A-Za-z0-9]")
    lead = body_schema(openapi, STEPS_BY_NAME["AssignLeadPractitioner"])["properties"]
    assert lead["practitioner_id"]["maxLength"] == 200
    decision = body_schema(openapi, STEPS_BY_NAME["DecideSupport"])["properties"]["decision"]
    assert decision["enum"] == ["agreed", "declined"]


def test_path_ids_are_documented(openapi: dict[str, Any]) -> None:
    operation = openapi["paths"]["/families/{family_id}/legal-hold/{hold_id}/lift"]["post"]
    described = {p["name"]: p.get("description") for p in operation["parameters"]}
    assert described["hold_id"] == "The hold lifted."
    assert described["family_id"] == "The family."


def test_a_value_past_its_limit_is_refused_naming_the_field(
    client: TestClient, auth: Auth, family: dict[str, str]
) -> None:
    body = {
        "occurred_at": "2025-01-06T10:00:00Z",
        "agency": "school",
        "channel": "phone",
        "reason": "concern",
        "member_ids": [str(uuid4())] * 51,
    }
    answer = client.post(
        f"/families/{family['family_id']}/contacts", json=body, headers=auth("practitioner")
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["member_ids"]


def test_a_body_is_read_into_the_command(
    client: TestClient, auth: Auth, family: dict[str, str]
) -> None:
    body = {"occurred_at": "2025-01-06T10:00:00Z", "decision": "declined"}
    path = f"/families/{family['family_id']}"
    request = {"occurred_at": body["occurred_at"], "source": "5D"}
    client.post(f"{path}/requests-for-support", json=request, headers=auth("practitioner"))
    answer = client.post(f"{path}/support-decisions", json=body, headers=auth("practitioner"))
    assert answer.status_code == 201, answer.text
    events = client.get(f"{path}/events", headers=auth("qa_officer")).json()["items"]
    assert events[-1]["type"].endswith("SupportDeclined"), events[-1]
