"""The `journeys` command line assembled: one module per command group, each command or
group registered here under its name. `journeys = "api.cli:app"`."""

from __future__ import annotations

import typer

from api.cli import (
    demo,
    importing,
    info,
    integrity,
    projections,
    relay,
    retention,
    search_index,
    server,
    tokens,
)

app = typer.Typer(
    help="Journeys: an event-sourced family journey tracker for early help services.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(server.serve)
app.command()(demo.demo)
app.command()(tokens.token)
app.add_typer(projections.group, name="projections")
app.command()(server.project)
app.command()(info.info)
app.command()(integrity.verify)
app.command()(integrity.checkpoint)
app.add_typer(retention.group, name="retention")
app.add_typer(search_index.group, name="search-index")
app.add_typer(relay.relay_app, name="relay")
app.command(name="import")(importing.import_file)


def main() -> None:  # pragma: no cover - for `python -m api.cli`
    app()
