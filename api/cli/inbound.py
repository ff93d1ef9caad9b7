"""`journeys inbound run`: the inbound consumer (infra.kafka.inbound), which appends the
contacts partner systems publish to journeys.inbound.contacts.v1, decoded by the same body
as POST /families/{id}/contacts (api.common.schemas.inbound), and parks what it refuses on
journeys.deadletter.v1. Counts only are printed: no personal data."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from api.cli.common import fail, load_settings, opened, run_until_stopped
from api.common.schemas.inbound import decode_contact
from infra.kafka.inbound import GROUP, inbound_for

inbound_app = typer.Typer(
    help="Contacts partner systems publish to Kafka: appended, or parked as dead letters.",
    no_args_is_help=True,
)


@inbound_app.command("run")
def inbound_run(
    group: Annotated[str, typer.Option(help="The consumer group.")] = GROUP,
    consumer: Annotated[
        str | None,
        typer.Option(
            help="KafkaConsumer settings as JSON, e.g. shorter group timings in development."
        ),
    ] = None,
) -> None:
    """Append every contact published to journeys.inbound.contacts.v1, until stopped
    (SIGTERM or Ctrl-C); offsets are committed only once each message was appended or its
    dead letter acknowledged."""
    settings = load_settings()
    if not settings.kafka_bootstrap:
        fail("settings: JOURNEYS_KAFKA_BOOTSTRAP is not set: there is no broker to read from")
    try:
        overrides = json.loads(consumer) if consumer else {}
    except json.JSONDecodeError:
        fail("--consumer: not JSON")
    with opened(settings) as journeys:
        inbound = inbound_for(journeys.app, settings, decode_contact, group=group,
                              consumer_overrides=overrides)  # fmt: skip
        doing = f"Appending contacts from {settings.kafka_bootstrap} to "
        try:
            run_until_stopped(inbound, doing + settings.store_description())
        finally:
            inbound.close()
            counts = inbound.counts
            typer.echo(
                f"Appended {counts.appended}, already appended {counts.replayed}, "
                f"dead-lettered {counts.dead_lettered}."
            )
