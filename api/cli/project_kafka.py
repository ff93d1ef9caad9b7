"""`journeys project [--from store|kafka] [--group G] [--views a,b]`: keep the views up to
date, from the store's notification log (the projection runner, `journeys project` as it
was) or from journeys.events.v1 as one worker of a Kafka consumer group
(infra.kafka.projector). Start as many Kafka workers as the topic has partitions to use."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from api.cli import server
from api.cli.common import fail, load_settings, opened, run_until_stopped
from infra.kafka.projector import GROUP, projector_for


class Source(StrEnum):
    store = "store"
    kafka = "kafka"


def project(
    source: Annotated[
        Source, typer.Option("--from", help="Where the events come from.")
    ] = Source.store,
    group: Annotated[
        str, typer.Option(help="With --from kafka: the consumer group the workers share.")
    ] = GROUP,
    views: Annotated[
        str | None,
        typer.Option(help="With --from kafka: the views to feed, comma-separated (all if unset)."),
    ] = None,
) -> None:
    """Keep the views up to date, until stopped (SIGTERM or Ctrl-C): for production, where
    JOURNEYS_PROJECTIONS=external tells the API processes not to do it themselves. With
    `--from kafka` the views are fed only by Kafka workers: run no store-fed runner on them."""
    if source is Source.store:
        server.project()
        return
    settings = load_settings()
    if not settings.kafka_bootstrap:
        fail("settings: JOURNEYS_KAFKA_BOOTSTRAP is not set: there is no broker to read from")
    chosen = None if views is None else [v.strip() for v in views.split(",") if v.strip()]
    with opened(settings) as journeys:
        try:
            projector = projector_for(journeys, group=group, views=chosen)
            projector.prepare()
        except ValueError as error:
            fail(str(error))
        fed = ", ".join(projector.projections)
        run_until_stopped(
            projector, f"Projecting {fed} from {settings.kafka_bootstrap} in group {group}"
        )
