"""GET /asyncapi.json: the AsyncAPI 3.0 document of the Kafka topics (infra.kafka.asyncapi),
and GET /schemas/inbound-contact.json: the JSON schema of an inbound contact message. No
token needed: they describe message shapes, not data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.common.deps import JourneysDep
from api.common.schemas.inbound import SCHEMA_ID, contact_schema
from infra.kafka.asyncapi import asyncapi

router = APIRouter(tags=["docs"])


@router.get("/asyncapi.json", include_in_schema=False)
def asyncapi_document(journeys: JourneysDep) -> dict[str, Any]:
    return asyncapi(journeys.settings, contact_schema())


@router.get(SCHEMA_ID, include_in_schema=False)
def inbound_contact_schema() -> dict[str, Any]:
    """The JSON schema of a message on journeys.inbound.contacts.v1."""
    return contact_schema()
