"""The `journeys` command line (typer): `commands` holds the app and its commands, with the
integrity and retention command groups (`integrity_cli`, `retention_cli`) and the progress
bar they share (`progress`). `journeys = "api.cli:app"`; `python -m api.cli` runs `main`.

May import `api.app` (to serve) and infra, projections and domain; nothing imports it.
"""

from api.cli.commands import app, main
from api.cli.relay import relay_app

app.add_typer(relay_app, name="relay")

__all__ = ["app", "main"]
