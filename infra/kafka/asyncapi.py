"""The AsyncAPI 3.0 document of the topics Journeys publishes (served at /asyncapi.json):
channels with their partition counts, the CloudEvents envelopes (infra.kafka.envelope) as
JSON schemas, and the headers. tests/infra/kafka check real messages against it."""

from __future__ import annotations

from typing import Any

from infra.kafka.envelope import ESCALATION_TYPES, EVENT_TYPE, SOURCE, WITHHELD
from infra.kafka.topics import DEADLETTER, ESCALATIONS, EVENTS, INBOUND_CONTACTS, partitions
from infra.settings import Settings

Schema = dict[str, Any]
_TEXT: Schema = {"type": "string"}
_ID: Schema = {"type": "string", "format": "uuid"}
_TIME: Schema = {"type": "string", "format": "date-time"}


def _envelope(data: str, ce_type: Schema, about: str) -> Schema:
    return {
        "type": "object",
        "description": about,
        "required": ["specversion", "id", "source", "type", "subject", "time", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {
                "type": "string",
                "description": "`<family id>/<version>`: the same each time the event is "
                "published again; drop duplicates by it.",
            },
            "source": {"const": SOURCE},
            "type": ce_type,
            "subject": {**_ID, "description": "The family id (also the record key)."},
            "time": {**_TIME, "description": "When the event was stored."},
            "datacontenttype": {"const": "application/json"},
            "personaldata": {
                "const": "withheld",
                "description": f"Every personal data value reads {WITHHELD!r}.",
            },
            "data": {"$ref": f"#/components/schemas/{data}"},
        },
    }


SCHEMAS: dict[str, Schema] = {
    "FamilyEvent": _envelope(
        "EventData",
        {"type": "string", "pattern": f"^{EVENT_TYPE.replace('.', '[.]')}[A-Za-z]+$"},
        "A stored event of a family.",
    ),
    "Escalation": _envelope(
        "EscalationData",
        {"enum": sorted(ESCALATION_TYPES.values())},
        "An escalation to an agency, or the response to it.",
    ),
    "EventData": {
        "type": "object",
        "description": "The event as GET /families/{id}/events shows it; each personal data "
        f"value (names, dates of birth, addresses, notes) is {WITHHELD!r}.",
        "required": ["type", "version", "recorded_at", "occurred_at", "actor", "data"],
        "properties": {
            "type": _TEXT,
            "version": {"type": "integer", "minimum": 1},
            "recorded_at": _TIME,
            "occurred_at": {"type": ["string", "null"], "format": "date-time"},
            "actor": {
                "type": ["object", "null"],
                "required": ["user_id", "role", "agency"],
                "properties": {"user_id": _TEXT, "role": _TEXT, "agency": _TEXT},
                "additionalProperties": False,
            },
            "data": {"type": "object"},
        },
        "additionalProperties": False,
    },
    "EscalationData": {
        "type": "object",
        "description": "What the receiving agency's shared view shows of the entry (null if "
        "it may not see it), its personal data withheld; the details are read at "
        "`shared_view`, over the API, and logged in the access log.",
        "required": ["family_id", "escalation_id", "episode_id", "agency", "entry", "shared_view"],
        "properties": {
            "family_id": _ID,
            "escalation_id": _ID,
            "episode_id": _ID,
            "agency": {"type": ["string", "null"], "description": "The receiving agency."},
            "entry": {
                "type": ["object", "null"],
                "required": ["entry_id", "type", "facts", "visible_because", "personal"],
                "properties": {
                    "entry_id": _ID,
                    "type": {"enum": sorted(ESCALATION_TYPES)},
                    "facts": {"type": "object"},
                    "visible_because": {"type": "object"},
                    "personal": {"enum": [WITHHELD, None]},
                },
            },
            "shared_view": {"type": "string", "format": "uri"},
        },
        "additionalProperties": False,
    },
    "Headers": {
        "type": "object",
        "required": ["ce_id", "position", "type"],
        "properties": {
            "ce_id": {**_TEXT, "description": "The envelope's id."},
            "position": {
                "type": "string",
                "pattern": "^[0-9]+$",
                "description": "The event's position in the store's notification log.",
            },
            "type": {**_TEXT, "description": "The envelope's type."},
            "content-type": {"const": "application/cloudevents+json"},
        },
    },
}


def _message(name: str, title: str) -> Schema:
    return {
        "name": name,
        "title": title,
        "contentType": "application/cloudevents+json",
        "headers": {"$ref": "#/components/schemas/Headers"},
        "payload": {"$ref": f"#/components/schemas/{name}"},
        "bindings": {"kafka": {"key": {**_ID, "description": "The family id."}}},
    }


def asyncapi(settings: Settings, inbound_contact: Schema | None = None) -> dict[str, Any]:
    """The document, with the partition counts and the broker of `settings`, and with the
    inbound contacts' channel if their message's JSON schema is given (the API's)."""
    counts = partitions(settings)

    def channel(topic: str, about: str, message: str | None) -> Schema:
        found: Schema = {
            "address": topic,
            "description": about,
            "bindings": {
                "kafka": {"topic": topic, "partitions": counts[topic], "bindingVersion": "0.5.0"}
            },
            "messages": {},
        }
        if message is not None:
            found["messages"][message] = {"$ref": f"#/components/messages/{message}"}
        return found

    document = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Journeys events",
            "version": "1.0.0",
            "description": "Published by the relay (`journeys relay run`), at least once: "
            "consumers drop duplicates by the CloudEvents `id`. Keyed by family id, so one "
            "family's messages keep their order.",
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "kafka": {
                "host": settings.kafka_bootstrap or "localhost:9092",
                "protocol": "kafka",
                "description": "The Kafka cluster in JOURNEYS_KAFKA_BOOTSTRAP.",
            }
        },
        "channels": {
            "events": channel(EVENTS, "Every stored event.", "FamilyEvent"),
            "escalations": channel(
                ESCALATIONS,
                "Escalations and their responses, for the receiving agency.",
                "Escalation",
            ),
            "deadletter": channel(
                DEADLETTER, "Reserved for messages that could not be processed.", None
            ),
        },
        "operations": {
            "publishEvents": {
                "action": "send",
                "channel": {"$ref": "#/channels/events"},
                "messages": [{"$ref": "#/channels/events/messages/FamilyEvent"}],
            },
            "publishEscalations": {
                "action": "send",
                "channel": {"$ref": "#/channels/escalations"},
                "messages": [{"$ref": "#/channels/escalations/messages/Escalation"}],
            },
        },
        "components": {
            "messages": {
                "FamilyEvent": _message("FamilyEvent", "A family's event"),
                "Escalation": _message("Escalation", "An escalation or its response"),
            },
            "schemas": SCHEMAS,
        },
    }
    if inbound_contact is not None:
        with_inbound(document, inbound_contact, channel(INBOUND_CONTACTS, INBOUND_ABOUT, None))
    return document


INBOUND_ABOUT = (
    "Contacts partner systems record, for `journeys inbound run` to append (consumer group "
    "journeys-inbound). Key: the family id. Header `journeys-agency`: the sending agency's "
    "code (it records only its own contacts). The message id is the idempotency key: a "
    "message sent again adds nothing. A refused message goes to journeys.deadletter.v1."
)

DEADLETTER_SCHEMA: Schema = {
    "type": "object",
    "description": "An inbound message that was refused: why, where it was read, and the "
    "original sealed (AES-256-GCM under a key derived from the master key; never in clear). "
    "`id` is the same each time it is published again: drop duplicates by it.",
    "required": ["id", "type", "time", "source", "sender", "reason", "original"],
    "properties": {
        "id": {**_TEXT, "description": "`<topic>/<partition>/<offset>` of the original."},
        "type": {"const": "journeys.deadletter.inbound-contact"},
        "time": _TIME,
        "source": {
            "type": "object",
            "required": ["topic", "partition", "offset"],
            "properties": {
                "topic": _TEXT,
                "partition": {"type": "integer"},
                "offset": {"type": "integer"},
            },
        },
        "sender": {"type": ["string", "null"], "description": "The sending agency's code."},
        "reason": {
            "type": "object",
            "required": ["kind", "field", "rule", "detail"],
            "properties": {
                "kind": {
                    "enum": [
                        "bad_json",
                        "schema",
                        "invalid_value",
                        "rule",
                        "not_found",
                        "sender",
                        "internal",
                    ]
                },
                "field": {"type": ["string", "null"]},
                "rule": {"type": ["string", "null"]},
                "detail": {**_TEXT, "description": "Where and why; never the value sent."},
            },
        },
        "original": {
            "type": "object",
            "required": ["sealed", "key", "value", "headers"],
            "properties": {
                "sealed": {**_TEXT, "description": "How the original is sealed."},
                "key": {"type": ["string", "null"], "contentEncoding": "base64"},
                "value": {**_TEXT, "contentEncoding": "base64"},
                "headers": {**_TEXT, "contentEncoding": "base64"},
            },
        },
    },
    "additionalProperties": False,
}


def with_inbound(document: dict[str, Any], contact: Schema, channel: Schema) -> None:
    """Add the inbound contacts' channel, its receive operation and the dead letters."""
    channel["messages"]["InboundContact"] = {"$ref": "#/components/messages/InboundContact"}
    document["channels"]["inboundContacts"] = channel
    letters = document["channels"]["deadletter"]["messages"]
    letters["InboundDeadLetter"] = {"$ref": "#/components/messages/InboundDeadLetter"}
    document["operations"]["receiveInboundContacts"] = {
        "action": "receive",
        "channel": {"$ref": "#/channels/inboundContacts"},
        "messages": [{"$ref": "#/channels/inboundContacts/messages/InboundContact"}],
    }
    document["operations"]["publishDeadLetters"] = {
        "action": "send",
        "channel": {"$ref": "#/channels/deadletter"},
        "messages": [{"$ref": "#/channels/deadletter/messages/InboundDeadLetter"}],
    }
    schema = {key: value for key, value in contact.items() if key not in {"$schema", "$id"}}
    components = document["components"]
    components["schemas"]["InboundContact"] = schema
    components["schemas"]["InboundDeadLetter"] = DEADLETTER_SCHEMA
    components["messages"]["InboundContact"] = {
        "name": "InboundContact",
        "title": "A contact recorded by a partner's system",
        "contentType": "application/json",
        "payload": {"$ref": "#/components/schemas/InboundContact"},
        "bindings": {"kafka": {"key": {**_ID, "description": "The family id."}}},
    }
    components["messages"]["InboundDeadLetter"] = {
        "name": "InboundDeadLetter",
        "title": "A refused inbound message",
        "contentType": "application/json",
        "payload": {"$ref": "#/components/schemas/InboundDeadLetter"},
    }
