"""The FastAPI application: `create_app(settings)`; nothing connects until it starts.

Its lifespan calls `bootstrap(settings)` (the one composition root) and closes what it built
at shutdown. Tests may pass a ready `journeys` instead, which they then close themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from api.common.access import InvalidReadsAmended
from api.common.errors import register_error_handlers
from api.http.metrics import Metrics, RequestMetrics
from api.http.routes import (
    access_log,
    assessments,
    asyncapi,
    case_audits,
    closures,
    codelists,
    consents,
    contacts,
    corrections,
    docs,
    erasure,
    escalations,
    events,
    extracts,
    families,
    health,
    information_sharing,
    integrity,
    journey,
    lead_practitioner,
    members,
    metrics,
    outcome_evidence,
    outcomes,
    pathways,
    plans,
    qa,
    reports,
    requests_for_support,
    research,
    retractions,
    reviews,
    search,
    shared_families,
    shared_view,
    step_downs,
    support_decisions,
    timeline,
    webhooks,
)
from api.web import (
    login,
    pages,
    pages_access_log,
    pages_case_audit,
    pages_evidence,
    pages_families,
    pages_family,
    pages_inbox,
    pages_outcomes,
    pages_partner,
    pages_pathways,
    pages_print,
    pages_qa,
    pages_search,
    session,
)
from infra.bootstrap import Journeys, bootstrap
from infra.kafka.offsets import TopicEnds
from infra.settings import Settings

ROUTERS = (
    health,
    metrics,
    asyncapi,
    # Before every /families/{family_id} route, which would take "search" for a family id.
    search,
    families,
    events,
    members,
    contacts,
    requests_for_support,
    support_decisions,
    consents,
    information_sharing,
    lead_practitioner,
    assessments,
    plans,
    reviews,
    escalations,
    step_downs,
    outcome_evidence,
    closures,
    corrections,
    retractions,
    erasure,
    timeline,
    webhooks,
    journey,
    pathways,
    reports,
    research,
    extracts,
    qa,
    outcomes,
    access_log,
    integrity,
    shared_view,
    codelists,
    shared_families,
    case_audits,
    # The web pages, and signing in to them.
    session,
    pages,
    pages_families,
    pages_search,
    pages_access_log,
    pages_family,
    pages_print,
    pages_evidence,
    pages_pathways,
    pages_outcomes,
    pages_partner,
    pages_qa,
    pages_case_audit,
    pages_inbox,
)


def create_app(settings: Settings, *, journeys: Journeys | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # bootstrap may wait on the database; keep the event loop free meanwhile.
        built = (
            journeys
            if journeys is not None
            else await anyio.to_thread.run_sync(bootstrap, settings)
        )
        app.state.journeys = built
        in_process = built.settings.projections == "in-process"
        await anyio.to_thread.run_sync(lambda: built.start(projections=in_process))
        servers = built.settings.kafka_bootstrap
        app.state.topic_ends = TopicEnds(servers) if servers else None
        try:
            yield
        finally:
            if app.state.topic_ends is not None:
                app.state.topic_ends.close()
            if journeys is None:
                built.close()

    app = FastAPI(
        title="Journeys",
        summary="Event-sourced family journeys for early help services.",
        version="0.1.0",
        docs_url=None,  # served by api.http.routes.docs, without a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    register_error_handlers(app)
    app.add_middleware(InvalidReadsAmended)  # a 422 after a logged read: api/common/access.py
    app.state.metrics = Metrics()
    app.add_middleware(RequestMetrics)  # request latency, commands by outcome: GET /metrics
    docs.mount(app)
    for module in ROUTERS:
        app.include_router(module.router)
    pages.mount_static(app)  # the web pages' own CSS and JavaScript
    if settings.is_development:
        app.include_router(login.router)
    return app
