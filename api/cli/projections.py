"""`journeys projections status | rebuild`: the views built from the events, their state,
and rebuilding them beside the live ones."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import fail, load_settings, opened
from api.cli.progress import progress_bar
from infra.kafka.offsets import TopicEnds, kafka_applied, with_kafka_fed
from infra.kafka.topics import EVENTS

group = typer.Typer(
    help="The views built from the events: their state, and rebuilding them.", no_args_is_help=True
)


@group.command("status")
def projections_status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Each view: version, position, lag (events and seconds), state and last error.
    For a monitor, the exit code: 0 every view caught up, 1 a view failing, 2 bad settings
    or no store, 3 a view behind or not started (no projector has run on it yet)."""
    settings = load_settings()
    with opened(settings) as journeys:
        journeys.runner.ensure_views()
        statuses = journeys.runner.status()
        # Views fed from Kafka (`journeys project --from kafka`): each partition's next offset.
        fed = kafka_applied(journeys.views)
        if settings.kafka_bootstrap:
            ends = TopicEnds(settings.kafka_bootstrap)
            try:
                statuses = with_kafka_fed(statuses, fed, ends)
            finally:
                ends.close()
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        **asdict(s),
                        "health": s.health,
                        "kafka": [
                            {"topic": EVENTS, "partition": p, "offset": offset}
                            for p, offset in sorted(fed.get((s.name, s.generation), {}).items())
                        ],
                    }
                    for s in statuses
                ],
                indent=2,
            )
        )
    else:
        table = Table(title=f"Views of {settings.store_description()}")
        columns = (
            "view", "version", "state", "source", "position", "head", "lag events", "lag s",
            "health",
        )  # fmt: skip
        for column in (*columns, "last error", f"kafka {EVENTS} partition:offset"):
            table.add_column(column)
        for s in statuses:
            sources = fed.get((s.name, s.generation), {})
            table.add_row(
                s.name, f"{s.version}.{s.generation}", s.state, s.source, str(s.position),
                str(s.head),
                str(s.lag_events), "" if s.lag_seconds is None else f"{s.lag_seconds:.1f}",
                s.health, s.last_error or "",
                " ".join(f"{p}:{offset}" for p, offset in sorted(sources.items())),
            )  # fmt: skip
        Console().print(table)
    if any(s.failures for s in statuses):
        raise typer.Exit(1)
    if any(s.health != "caught up" for s in statuses):
        raise typer.Exit(3)


@group.command("rebuild")
def projections_rebuild(
    name: Annotated[
        str | None, typer.Argument(help="A view's name; all views when omitted.")
    ] = None,
) -> None:
    """Build a new version of a view from position 0 beside the live one, then switch readers
    to it and drop the old one. Readers never see a half-built view."""
    settings = load_settings()
    with opened(settings) as journeys:
        known = list(journeys.runner.projections)
        if name is not None and name not in known:
            fail(f"no view named {name!r}; views: {', '.join(known)}")
        console = Console()
        chosen = [name] if name else known
        started = time.perf_counter()
        label = f"rebuilding {', '.join(chosen)}"
        with progress_bar(console, label, "events", total=journeys.app.position()) as show:
            try:
                rebuilt = journeys.runner.rebuild_all(chosen, show)
            except RuntimeError as error:
                fail(str(error), code=1)
        seconds = time.perf_counter() - started
        events = max(v.position for v in rebuilt)
        rate = events / seconds if seconds else 0.0
        for live in rebuilt:
            console.print(
                f"{live.name}: version {live.version}, generation {live.generation} is live at "
                f"position {live.position}"
            )
        console.print(f"{events} events in {seconds:.1f} s ({rate:,.0f} events/s)")
