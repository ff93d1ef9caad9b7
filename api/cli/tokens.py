"""`journeys token`: a development bearer token for a role and an agency."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import fail, load_settings
from domain import codes as code_lists
from infra.tokens import ROLES, Identity, Tokens


def token(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    agency: Annotated[str, typer.Option(help="An agency code.")] = "early_help",
    user: Annotated[str | None, typer.Option(help="User id (sub); default dev-<role>.")] = None,
) -> None:
    """Print a development bearer token, alone on the last line."""
    settings = load_settings()
    if not settings.is_development:
        fail("tokens are issued here in development mode only (JOURNEYS_MODE=development)")
    if role not in ROLES:
        fail(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    agencies = code_lists.load().codes("agency")
    if agency not in agencies:
        fail(f"unknown agency {agency!r}; agencies: {', '.join(agencies)}")
    identity = Identity(user or f"dev-{role.replace('_', '-')}", role, agency)
    # Issuing a token needs the signing settings only, not the store that bootstrap opens.
    tokens = Tokens(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        minutes=settings.token_minutes,
    )
    typer.echo(
        f"Bearer token for {identity.user_id} ({role}, {agency}), "
        f"valid for {settings.token_minutes} minutes:"
    )
    typer.echo(tokens.issue(identity))
