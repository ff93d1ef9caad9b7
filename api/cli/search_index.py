"""`journeys search-index rebuild`: the blind index that finds a family by a member's name
or date of birth, built again from the whole log."""

from __future__ import annotations

import time

import typer
from rich.console import Console

from api.cli.common import load_settings, opened
from api.cli.progress import progress_bar

group = typer.Typer(
    help="The blind index that finds a family by a member's name or date of birth.",
    no_args_is_help=True,
)


@group.command("rebuild")
def search_index_rebuild() -> None:
    """Drop the blind index and build it again from the whole log: for a store written
    before the index, or after JOURNEYS_BLIND_INDEX_KEY changed. Erased families stay out."""
    settings = load_settings()
    with opened(settings) as journeys:
        console = Console()
        started = time.perf_counter()
        with progress_bar(
            console, "rebuilding the search index", "events", total=journeys.app.position()
        ) as show:
            position = journeys.blind_index.rebuild(journeys.app, progress=show)
        seconds = time.perf_counter() - started
        members = len({(r.family_id, r.member_id) for r in journeys.blind_index.hashes()})
        console.print(
            f"search index at position {position}: {members} members findable ({seconds:.1f} s)"
        )
