"""The progress bar of the command line's long work (rebuild, verify, retention)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

Show = Callable[[int, int], None]
"""Called with (done, total) as the work goes on."""


@contextmanager
def progress_bar(
    console: Console, label: str, unit: str, *, total: int | None = None
) -> Iterator[Show]:
    """A bar with counts, elapsed and remaining time; only the summary that follows when the
    output is a log or a pipe, not a terminal."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=total)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, done))

        yield show
