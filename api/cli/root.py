"""The `journeys` command line assembled: one module per command group, each command or
group registered here under its name. `journeys = "api.cli:app"`."""

from __future__ import annotations

import typer

from api.cli import (
    demo,
    devkafka,
    importing,
    inbound,
    info,
    integrity,
    project_kafka,
    projections,
    relay,
    retention,
    search_index,
    server,
    subscribe,
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
app.command()(project_kafka.project)
app.command()(info.info)
app.command()(integrity.verify)
app.command()(integrity.checkpoint)
app.add_typer(retention.group, name="retention")
app.add_typer(search_index.group, name="search-index")
app.add_typer(relay.relay_app, name="relay")
app.add_typer(inbound.inbound_app, name="inbound")
app.add_typer(devkafka.dev_app, name="dev")
app.add_typer(subscribe.group, name="subscribe")
app.command(name="import")(importing.import_file)


def main() -> None:  # pragma: no cover - for `python -m api.cli`
    app()
