"""The `journeys` command line, run in-process as a shell would run it."""

from __future__ import annotations

from typer.testing import CliRunner

from api.cli import app


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr
