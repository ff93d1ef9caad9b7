"""What every `journeys` command shares: the settings read once, everything built from them
through infra.bootstrap, and a problem with either as one line on stderr with exit code 2."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import NoReturn, Protocol
from uuid import UUID, uuid4

import typer
from eventsourcing.persistence import PersistenceError
from pydantic import ValidationError
from rich.console import Console

from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings, SettingsError


def fail(message: str, *, code: int = 2) -> NoReturn:
    Console(stderr=True).print(f"journeys: {message}", style="red", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    """Settings from JOURNEYS_* variables, or a one-line explanation and exit code 2."""
    try:
        return Settings()
    except SettingsError as error:
        fail(f"settings: {error}")
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            cause = (problem.get("ctx") or {}).get("error")
            where = "_".join(str(part) for part in problem["loc"]).upper()
            text = str(cause) if isinstance(cause, Exception) else problem["msg"]
            problems.append(f"JOURNEYS_{where}: {text}" if where else text)
        fail("settings: " + "; ".join(problems))


@contextmanager
def opened(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    new_id: Callable[[], UUID] | None = None,
) -> Iterator[Journeys]:
    """Everything built from the settings, closed afterwards; store problems are one line."""
    try:
        journeys = bootstrap(settings, clock=clock, new_id=new_id or uuid4)
    except SettingsError as error:
        fail(f"settings: {error}")
    except PersistenceError as error:
        fail(f"cannot open the event store ({settings.store_description()}): {error}")
    try:
        yield journeys
    finally:
        journeys.close()


class Worker(Protocol):
    """A long-running loop of a command: the relay, a projector, a consumer."""

    def run_forever(self) -> None: ...

    def stop(self) -> None: ...


def run_until_stopped(worker: Worker, doing: str) -> None:
    """Say what `worker` does, then run it until SIGTERM or Ctrl-C stops it."""
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    typer.echo(f"{doing}; stop with Ctrl-C or SIGTERM.")
    try:
        worker.run_forever()
    except KeyboardInterrupt:
        worker.stop()
