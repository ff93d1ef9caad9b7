"""Prometheus metrics of one API process (`GET /metrics`, api.http.routes.metrics): request
latency by route, commands by outcome, and, read at each scrape, the lag of every view (by
source: the store, or Kafka), of the Kafka relay, and the dead letters parked. Labels are
route templates, view names, sources and outcomes: never an id or any personal data.

`RequestMetrics` is ASGI middleware timing every request; each app has its own registry
(`Metrics`), so two apps in one process (tests) do not share counters.
"""

from __future__ import annotations

import time
from contextlib import suppress
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.kafka.relay import RelayStatus

COMMAND_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def outcome(status: int) -> str:
    """A command's outcome by its HTTP status: stored, refused (by a rule, a conflict or a
    permission), invalid, or failed."""
    if status < 400:
        return "stored"
    if status == 422:
        return "invalid"
    if status < 500:
        return "refused"
    return "failed"


class Metrics:
    """The metrics of one app, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.latency = Histogram(
            "journeys_request_seconds", "Request latency.", ["method", "route"], registry=r
        )
        self.commands = Counter(
            "journeys_commands", "Commands (POST, PUT, PATCH, DELETE) by outcome.",
            ["outcome"], registry=r,
        )  # fmt: skip
        self.view_lag = Gauge(
            "journeys_view_lag_events", "Events a view has not read yet.",
            ["view", "source"], registry=r,
        )  # fmt: skip
        self.view_lag_seconds = Gauge(
            "journeys_view_lag_seconds", "Age of the oldest event a view has not read.",
            ["view", "source"], registry=r,
        )  # fmt: skip
        self.relay_lag = Gauge(
            "journeys_relay_lag_events", "Events the Kafka relay has not published yet.",
            registry=r,
        )  # fmt: skip
        self.relay_lag_seconds = Gauge(
            "journeys_relay_lag_seconds", "Age of the oldest event not yet published.",
            registry=r,
        )  # fmt: skip

        self.dead_letter_count = Gauge(
            "journeys_dead_letters", "Messages parked on journeys.deadletter.v1 (all time).",
            registry=r,
        )  # fmt: skip

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.latency.labels(method, route).observe(seconds)
        if method in COMMAND_METHODS:
            self.commands.labels(outcome(status)).inc()

    def views(self, statuses: list[Any]) -> None:
        for s in statuses:
            if s.state == "building":
                continue
            self.view_lag.labels(s.name, s.source).set(s.lag_events)
            if s.lag_seconds is not None:
                self.view_lag_seconds.labels(s.name, s.source).set(s.lag_seconds)
            else:  # a Kafka-fed view behind (the broker says no age): no stale figure either
                with suppress(KeyError):
                    self.view_lag_seconds.remove(s.name, s.source)

    def relay(self, status: RelayStatus | None) -> None:
        if status is not None:
            self.relay_lag.set(status.lag_events)
            self.relay_lag_seconds.set(status.lag_seconds)

    def dead_letters(self, count: int | None) -> None:
        if count is not None:  # the broker could not be asked: the last count stands
            self.dead_letter_count.set(count)


class RequestMetrics:
    """ASGI middleware: times each HTTP request into the app's `Metrics`, by route template
    (requests no route matched are counted under "unmatched")."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            route = scope.get("route")
            template = str(getattr(route, "path", "unmatched"))
            metrics: Metrics = scope["app"].state.metrics
            metrics.observe(scope["method"], template, status, time.perf_counter() - started)
