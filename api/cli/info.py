"""`journeys info`: where the store is and what it holds."""

from __future__ import annotations

import typer

from api.cli.common import load_settings, opened


def info() -> None:
    """Describe the store: where it is, how many families and events, which code lists."""
    settings = load_settings()
    with opened(settings) as journeys:
        application = journeys.app
        families = sum(1 for _ in application.iter_family_ids())
        typer.echo(f"store: {settings.store_description()}")
        typer.echo(f"families: {families}")
        typer.echo(f"events: {application.position()} (store position)")
        typer.echo(f"code lists: {application.codes.version}")
        typer.echo(f"mode: {settings.mode}")
