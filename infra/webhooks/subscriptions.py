"""Webhook subscriptions, in the view store's database (the pattern of
infra.kafka.positions): one row per subscription, an agency's URL and the Standard Webhooks
secret its deliveries are to be signed with (the bridge that delivers is not built yet).

The secret (`whsec_` and 32 random bytes in base64) is made here and shown once, when the
subscription is created; listings never carry it. Removing a subscription deactivates it:
the row stays, listed as inactive, so what was registered remains on record.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from infra.views.store import StoreTable

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


class Subscriptions(StoreTable):
    """The webhook subscriptions, written through the view store's connections."""

    schema = SCHEMA

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

    def all(self) -> list[Subscription]:
        """Every subscription, removed ones too, oldest first."""
        with self._transaction(write=False) as cur:
            cur.execute(
                f"SELECT {COLUMNS} FROM journeys_webhook_subscriptions ORDER BY created_at, id"
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

    def remove(self, subscription_id: str) -> bool:
        """Deactivate an active subscription; False if there is none of that id."""
        with self._transaction(write=True) as cur:
            cur.execute(
                "UPDATE journeys_webhook_subscriptions SET active = 0 "
                f"WHERE id = {self._mark} AND active = 1",
                (subscription_id,),
            )
            return bool(cur.rowcount)
