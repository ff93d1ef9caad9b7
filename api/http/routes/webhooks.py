"""Webhook subscriptions (admin only): registered, listed without their secrets, and
removed. The bridge that will deliver escalations to them is not built yet: registering one
sends nothing so far."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends

from api.common.deps import JourneysDep, require_roles
from api.common.permissions import ALLOWED, Action
from api.http.responses import ERRORS
from api.http.schemas.webhooks import (
    SubscriptionBody,
    SubscriptionCreated,
    SubscriptionList,
    SubscriptionPublic,
)
from domain.errors import NotFoundError
from infra.bootstrap import Journeys
from infra.tokens import Identity
from infra.webhooks.subscriptions import Subscription, Subscriptions

router = APIRouter(prefix="/webhooks/subscriptions", tags=["webhooks"])

Admin = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.MANAGE_WEBHOOKS]))]
ANSWERS = {k: v for k, v in ERRORS.items() if k not in (404, 409, 422)}
UNKNOWN: dict[int | str, dict[str, Any]] = {
    404: {**ERRORS[404], "description": "No such subscription"}
}


def _store(journeys: Journeys) -> Subscriptions:
    return journeys.webhooks or Subscriptions(journeys.views)


def _public(found: Subscription) -> SubscriptionPublic:
    return SubscriptionPublic(
        id=UUID(found.id),
        agency=found.agency,
        url=found.url,
        created_at=found.created_at,
        active=found.active,
    )


@router.post("", status_code=201, responses={**ANSWERS, 422: ERRORS[422]})
def create_subscription(
    body: SubscriptionBody, _: Admin, journeys: JourneysDep
) -> SubscriptionCreated:
    agency = journeys.app.codes.require("agency", body.agency, field="agency")
    made = _store(journeys).create(agency, body.url)
    return SubscriptionCreated(**_public(made).model_dump(), secret=made.secret)


@router.get("", responses=ANSWERS)
def list_subscriptions(_: Admin, journeys: JourneysDep) -> SubscriptionList:
    return SubscriptionList(subscriptions=[_public(s) for s in _store(journeys).all()])


@router.delete("/{subscription_id}", status_code=204, responses={**ANSWERS, **UNKNOWN})
def remove_subscription(subscription_id: UUID, _: Admin, journeys: JourneysDep) -> None:
    if not _store(journeys).remove(str(subscription_id)):
        msg = f"no active webhook subscription {subscription_id}"
        raise NotFoundError(msg)
