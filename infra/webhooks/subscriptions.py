"""Webhook subscriptions, in the view store's database (the pattern of
infra.kafka.positions): one row per subscription, an agency's URL and the Standard Webhooks
secret its deliveries are signed with.

The secret (`whsec_` and 32 random bytes in base64) is made here and shown once, when the
subscription is created; listings never carry it. Removing a subscription deactivates it:
nothing is delivered to it any more, dead letters of it are not replayed.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from infra.views.postgres import PostgresViewStore
from infra.views.store import Cursor, ViewStore

SCHEMA = """CREATE TABLE IF NOT EXISTS journeys_webhook_subscriptions (
    id TEXT PRIMARY KEY,
    agency TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    active INTEGER NOT NULL)"""

COLUMNS = "id, agency, url, secret, created_at, active"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


@dataclass(frozen=True)
class Subscription:
    id: str
    agency: str
    url: str
    secret: str
    created_at: str
    active: bool


class Subscriptions:
    """The webhook subscriptions, written through the view store's connections."""

    def __init__(
        self, transaction: Callable[..., AbstractContextManager[Cursor]], *, mark: str
    ) -> None:
        self._transaction = transaction
        self._mark = mark

    @classmethod
    def of(cls, views: ViewStore) -> Subscriptions:
        mark = "%s" if isinstance(views, PostgresViewStore) else "?"
        return cls(views.transaction, mark=mark)

    def setup(self) -> None:
        with self._transaction(write=True) as cur:
            cur.execute(SCHEMA)

    def create(self, agency: str, url: str) -> Subscription:
        """A new active subscription, with its secret (the only time it is given out)."""
        at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        made = Subscription(str(uuid4()), agency, url, new_secret(), at, active=True)
        p = self._mark
        with self._transaction(write=True) as cur:
            cur.execute(
                f"INSERT INTO journeys_webhook_subscriptions ({COLUMNS}) "
                f"VALUES ({p}, {p}, {p}, {p}, {p}, 1)",
                (made.id, made.agency, made.url, made.secret, made.created_at),
            )
        return made

    def _select(self, where: str = "", params: tuple[object, ...] = ()) -> list[Subscription]:
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {COLUMNS} FROM journeys_webhook_subscriptions {where} "
                "ORDER BY created_at, id",
                params,
            )
            rows = cur.fetchall()
        return [
            Subscription(
                str(r["id"]),
                str(r["agency"]),
                str(r["url"]),
                str(r["secret"]),
                str(r["created_at"]),
                bool(r["active"]),
            )
            for r in rows
        ]

    def all(self) -> list[Subscription]:
        return self._select()

    def get(self, subscription_id: str) -> Subscription | None:
        found = self._select(f"WHERE id = {self._mark}", (subscription_id,))
        return found[0] if found else None

    def active_for(self, agency: str) -> list[Subscription]:
        return self._select(f"WHERE agency = {self._mark} AND active = 1", (agency,))

    def remove(self, subscription_id: str) -> bool:
        """Deactivate an active subscription; False if there is none of that id."""
        with self._transaction(write=True) as cur:
            cur.execute(
                "UPDATE journeys_webhook_subscriptions SET active = 0 "
                f"WHERE id = {self._mark} AND active = 1",
                (subscription_id,),
            )
            return bool(cur.rowcount)
