"""The `journeys` command line, run in-process as a shell would run it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from infra.bootstrap import Journeys, bootstrap
from infra.settings import Settings


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def info(env: dict[str, str]) -> dict[str, str]:
    code, out, _ = run(env, "info")
    assert code == 0, out
    return dict(line.split(": ", 1) for line in out.strip().splitlines())


def opened_store(env: dict[str, str]) -> Journeys:
    """The CLI's store, opened by the test as a running projector would open it."""
    return bootstrap(
        Settings(
            sqlite_path=Path(env["JOURNEYS_SQLITE_PATH"]), database_url=None, mode="development"
        )
    )
