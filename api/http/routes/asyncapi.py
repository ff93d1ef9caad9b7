"""GET /asyncapi.json: the AsyncAPI 3.0 document of the Kafka topics (infra.kafka.asyncapi).
No token needed: it describes message shapes, not data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.common.deps import JourneysDep
from infra.kafka.asyncapi import asyncapi

router = APIRouter(tags=["docs"])


@router.get("/asyncapi.json", include_in_schema=False)
def asyncapi_document(journeys: JourneysDep) -> dict[str, Any]:
    return asyncapi(journeys.settings)
