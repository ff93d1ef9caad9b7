"""`journeys serve` (the HTTP API and web pages) and `journeys project` (the projection
runner on its own): the two long-running processes."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import load_settings, opened, run_until_stopped


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the HTTP API and web pages."""
    settings = load_settings()
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port)


def project() -> None:
    """Keep the views up to date, until stopped (SIGTERM or Ctrl-C): for production, where
    JOURNEYS_PROJECTIONS=external tells the API processes not to do it themselves."""
    settings = load_settings()
    with opened(settings) as journeys:
        journeys.views.start()
        run_until_stopped(journeys.runner, f"Following {settings.store_description()}")
