"""What the webhook subscription routes take and answer (api.http.routes.webhooks)."""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SubscriptionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency: str = Field(description="The agency code (list `agency`) whose messages are sent.")
    url: str = Field(
        max_length=2000, description="Where the messages are POSTed: an http(s) URL with a host."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            msg = "must be an http or https URL with a host"
            raise ValueError(msg)
        return url


class SubscriptionPublic(BaseModel):
    id: UUID
    agency: str
    url: str
    created_at: str = Field(description="When it was registered (UTC).")
    active: bool = Field(description="False once removed: nothing is delivered to it.")


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(
        description="The Standard Webhooks secret (`whsec_...`) that deliveries will be "
        "signed with. Shown this once: keep it; it is never listed."
    )


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionPublic]
