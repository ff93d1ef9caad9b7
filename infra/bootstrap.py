"""The one composition root: `bootstrap(settings)` builds everything a process needs.

The API (through its lifespan), the CLI, the consumers and the tests all call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from domain.application import JourneysApplication
from infra.settings import Settings, ensure_sqlite_folder
from infra.tokens import Tokens


@dataclass
class Journeys:
    """Everything built from one Settings: the application service and token handling."""

    settings: Settings
    app: JourneysApplication
    tokens: Tokens

    def close(self) -> None:
        self.app.close()


def bootstrap(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    new_id: Callable[[], UUID] = uuid4,
) -> Journeys:
    ensure_sqlite_folder(settings)
    app = JourneysApplication(env=settings.eventsourcing_env(), clock=clock, new_id=new_id)
    tokens = Tokens(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        minutes=settings.token_minutes,
    )
    return Journeys(settings=settings, app=app, tokens=tokens)
