"""The `journeys` command line (typer): one module per command group (`server`, `demo`,
`tokens`, `info`, `projections`, `integrity`, `retention`, `relay`, `search_index`), what they share
(`common`: settings, opening the store, failing in one line; `progress`: the progress bar),
and `root`, which assembles them. `journeys = "api.cli:app"`; `python -m api.cli` runs `main`.

May import `api.app` (to serve) and infra, projections, simulation and domain; nothing
imports it.
"""

from api.cli.root import app, main

__all__ = ["app", "main"]
