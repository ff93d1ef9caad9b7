"""The inbound contact message (journeys.inbound.contacts.v1): the HTTP body of
POST /families/{family_id}/contacts (derived from RecordContact, api.common.schemas.derive),
with the family id the HTTP path gives and the sender's message id.

`decode_contact(value, actor)` reads one message's bytes into the RecordContact command the
HTTP route would make from the same body, under the message id as idempotency key; what it
cannot read is refused with `RejectedError` (where and why, never what was sent).
`contact_schema()` is the message's JSON schema (GET /schemas/inbound-contact.json, and
the inbound channel of /asyncapi.json).
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, cast
from uuid import UUID

from pydantic import Field, StringConstraints, ValidationError, create_model

from api.common.errors import problem
from api.common.schemas.derive import DerivedBody, request_model
from domain.commands import RecordContact
from domain.values import Actor
from infra.kafka.inbound import Reason, RejectedError

MessageId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[!-~]+$")]

SCHEMA_ID = "/schemas/inbound-contact.json"


@functools.cache
def contact_model() -> type[DerivedBody]:
    """The message's model: the contact's HTTP body, plus `message_id` and `family_id`."""
    body = request_model(RecordContact)
    model = create_model(
        "InboundContact",
        __base__=body,
        __module__=__name__,
        __doc__="A contact recorded by a partner's system, as the HTTP body of "
        "POST /families/{family_id}/contacts, with the family and the sender's message id.",
        message_id=(
            MessageId,
            Field(
                description="The sender's id of this message (printable ASCII, at most 200 "
                "characters): the contact's idempotency key, so a message sent again adds "
                "nothing. Never reuse it for another contact."
            ),
        ),
        family_id=(UUID, Field(description="The family (as in the HTTP route's path).")),
    )
    return cast(type[DerivedBody], model)


def decode_contact(value: bytes, actor: Actor) -> RecordContact:
    """The command a message asks for, sent by `actor`; RejectedError if it is not a valid
    message (the domain checks its codes and rules when it is run)."""
    try:
        message: Any = contact_model().model_validate_json(value)
    except ValidationError as error:
        item = error.errors(include_input=False, include_context=False)[0]
        first = problem(item)
        kind = "bad_json" if item["type"] == "json_invalid" else "schema"
        raise RejectedError(Reason(kind, field=first["field"], detail=first["detail"])) from None
    return RecordContact(
        actor=actor,
        idempotency_key=message.message_id,
        family_id=message.family_id,
        **message.values(),
    )


@functools.cache
def contact_schema() -> dict[str, Any]:
    """The message's JSON schema (draft 2020-12, as pydantic writes it)."""
    schema = contact_model().model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
