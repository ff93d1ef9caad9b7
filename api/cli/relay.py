"""`journeys relay run [--drain]` and `journeys relay status [--json]`: the Kafka relay
(infra.kafka.relay), which publishes the store's events to the broker in
JOURNEYS_KAFKA_BOOTSTRAP. Positions and counts only: no personal data is printed."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import fail, load_settings, opened, run_until_stopped
from infra.kafka.positions import RelayPositions
from infra.kafka.relay import relay_for, relay_status

relay_app = typer.Typer(
    help="The Kafka relay: publishing the store's events and escalations.", no_args_is_help=True
)


@relay_app.command("run")
def relay_run(
    drain: Annotated[
        bool, typer.Option("--drain", help="Publish what is stored now, then exit.")
    ] = False,
    timeout: Annotated[
        float | None, typer.Option(help="With --drain: give up after this many seconds.")
    ] = None,
) -> None:
    """Publish every stored event to Kafka, until stopped (SIGTERM or Ctrl-C), or with
    `--drain` until the relay has reached the head of the log (exit 1 on timeout)."""
    settings = load_settings()
    if not settings.kafka_bootstrap:
        fail("settings: JOURNEYS_KAFKA_BOOTSTRAP is not set: there is no broker to publish to")
    with opened(settings) as journeys:
        relay = relay_for(journeys)
        try:
            if drain:
                try:
                    status = relay.drain(timeout=timeout)
                except TimeoutError:
                    fail("the relay did not catch up in time", code=1)
                typer.echo(f"Published up to position {status.position} of {status.head}.")
                return
            journeys.views.start()  # LISTEN/NOTIFY on PostgreSQL
            doing = f"Relaying {settings.store_description()} to {settings.kafka_bootstrap}"
            run_until_stopped(relay, doing)
        finally:
            relay.broker.close()


@relay_app.command("status")
def relay_status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The relay's position, the store's head and the lag. Exit code: 0 caught up, 3 behind,
    2 bad settings or no store."""
    settings = load_settings()
    with opened(settings) as journeys:
        positions = journeys.relay_positions or RelayPositions(journeys.views)
        status = relay_status(journeys.app, positions)
    if as_json:
        typer.echo(json.dumps({**asdict(status), "health": status.health}, indent=2))
    else:
        table = Table(title=f"Kafka relay of {settings.store_description()}")
        for column in ("position", "head", "lag events", "lag s", "health"):
            table.add_column(column)
        table.add_row(
            str(status.position), str(status.head), str(status.lag_events),
            f"{status.lag_seconds:.1f}", status.health,
        )  # fmt: skip
        Console().print(table)
    if status.lag_events:
        raise typer.Exit(3)
