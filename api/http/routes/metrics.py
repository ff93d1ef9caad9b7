"""GET /metrics: Prometheus metrics of this process (api.http.metrics), in the text format.
No token needed, like /health: the metrics carry counts, lags and route templates only."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.common.deps import JourneysDep
from api.http.metrics import Metrics
from api.http.operations import dead_letters, relay_of, view_statuses

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, journeys: JourneysDep) -> Response:
    found: Metrics = request.app.state.metrics

    def refresh() -> None:
        found.views(view_statuses(request, journeys))
        found.relay(relay_of(journeys))
        found.dead_letters(dead_letters(request))

    await anyio.to_thread.run_sync(refresh)
    return Response(generate_latest(found.registry), media_type=CONTENT_TYPE_LATEST)
