"""The timeline through the real HTTP route: GET /families/{family_id}/timeline with a QA
officer's token, one request after another over one keep-alive connection, to a one-worker
uvicorn on the same copy of the store, for the same families and instants as in-process.
The latency is the client's: token check, view read, query, JSON and the HTTP stack."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import httpx

from bench.http import api_server, token_for
from bench.views import Family, Latency, latency
from infra.settings import Settings
from infra.tokens import Identity

QA_OFFICER = Identity(user_id="bench-qa-officer-0001", role="qa_officer", agency="early_help")
ROUTE = "/families/{family_id}/timeline"
AS_RECORDED_AT = "as_recorded_at"
WARMUP = 20


class RouteMissingError(RuntimeError):
    """The API this benchmark runs against has no timeline route (yet)."""


def http_timeline(
    settings: Settings, chosen: list[Family], at: list[datetime], *, log: Path
) -> tuple[Latency, Latency | None]:
    """(now, as recorded at each family's instant); the second is None when the route takes
    no `as_recorded_at`."""
    _tokens, token = token_for(settings, QA_OFFICER)
    headers = {"Authorization": f"Bearer {token}"}
    with (
        api_server(settings, workers=1, log=log) as server,
        httpx.Client(base_url=server.base_url, headers=headers, timeout=30.0) as client,
    ):
        route = client.get("/openapi.json").json()["paths"].get(ROUTE)
        if route is None:
            raise RouteMissingError(f"the API has no GET {ROUTE}")
        names = {p["name"] for p in route["get"].get("parameters", ())}
        for family in chosen[:WARMUP]:  # connection, caches, prepared statements
            client.get(ROUTE.format(family_id=family.family_id))
        now = timed_gets(client, chosen, None)
        recorded = timed_gets(client, chosen, at) if AS_RECORDED_AT in names else None
    return now, recorded


def timed_gets(client: httpx.Client, chosen: list[Family], at: list[datetime] | None) -> Latency:
    samples: list[float] = []
    failures = 0
    for n, family in enumerate(chosen):
        params = {} if at is None else {AS_RECORDED_AT: at[n].isoformat()}
        began = time.perf_counter()
        response = client.get(ROUTE.format(family_id=family.family_id), params=params)
        samples.append(time.perf_counter() - began)
        failures += response.status_code != 200
    return latency(samples, failures=failures)
