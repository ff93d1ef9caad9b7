"""`journeys import FILE`: a file of commands (JSON Lines, README "Bulk import") applied in
large transactions, idempotent per line, with a progress bar and a report of the lines
refused. Exit code 0 when every line is applied, 1 when some are refused, 2 for a file or
settings that cannot be used."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.bulk.importer import Importer
from api.bulk.lines import line_schema
from api.cli.common import fail, load_settings, opened
from api.cli.progress import progress_bar


def import_file(
    file: Annotated[
        Path | None, typer.Argument(help="The JSON Lines file to import.", show_default=False)
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write each refused line's number, rule and reason here.")
    ] = None,
    batch: Annotated[int, typer.Option(help="Lines per transaction.", min=1)] = 500,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the JSON schema of a line, and stop.")
    ] = False,
) -> None:
    """Import families' histories: one command per line, each line once."""
    if schema:
        typer.echo(json.dumps(line_schema(), indent=2))
        return
    if file is None:
        fail("give the FILE to import (or --schema)")
    try:
        with file.open(encoding="utf-8") as counting:
            total = sum(1 for _ in counting)
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {file.name}: {type(error).__name__}")
    settings = load_settings()
    console = Console(stderr=True)
    with (
        opened(settings) as journeys,
        progress_bar(console, "import", "lines", total=total) as show,
        file.open(encoding="utf-8") as lines,
    ):
        done = Importer(journeys.app, batch=batch, show=lambda n: show(n, total)).run(lines)
    if report is not None:
        with report.open("w", encoding="utf-8") as out:
            refused = sorted(done.refused, key=lambda refusal: refusal.line)
            out.writelines(refusal.as_json() + "\n" for refusal in refused)
    typer.echo(
        f"{done.applied} lines applied, {done.already} applied before, "
        f"{len(done.refused)} refused, of {done.lines} lines"
    )
    if done.refused:
        raise typer.Exit(1)
