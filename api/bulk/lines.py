"""One import line decoded into a command, or refused with the field and the reason (never
the value given: it may be personal data); and the JSON schema of a line."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from api.common.schemas.derive import path_fields, request_model
from domain.commands import STEPS, Command, RegisterFamily, ServerTimed
from domain.errors import InvalidValueError
from domain.values import Actor
from simulation.import_lines import LINE_ID, REFERENCE

_KINDS: tuple[type[Command], ...] = (RegisterFamily, *STEPS)
COMMANDS: dict[str, type[Command]] = {cls.__name__: cls for cls in _KINDS}
# An id answered by an earlier line, if it was applied: (line id, name) -> the id.
Resolve = Callable[[str, str], UUID | None]


@dataclass(frozen=True)
class Refusal:
    """Why a line was not applied: its number, the rule (or `invalid`), the field, why."""

    line: int
    rule: str
    reason: str
    field: str | None = None
    line_id: str | None = None

    def as_json(self) -> str:
        return json.dumps(
            {k: v for k, v in self.__dict__.items() if v is not None}, separators=(",", ":")
        )


class LineRefusedError(Exception):
    def __init__(self, rule: str, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.rule, self.reason, self.field = rule, reason, field


@dataclass(frozen=True)
class Header:
    """What a line says before its fields are read: its key and who sends it."""

    line_id: str
    actor: Actor
    data: dict[str, Any]


def header(text: str, default_actor: Actor) -> Header:
    """The line's id and actor (raises LineRefusedError for a line that is not one at all)."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise LineRefusedError("bad_json", f"not JSON: {type(error).__name__}") from None
    if not isinstance(data, dict):
        raise LineRefusedError("bad_json", "a line is one JSON object")
    line_id = data.get("id")
    if not isinstance(line_id, str) or not LINE_ID.match(line_id):
        raise LineRefusedError("invalid", "give each line an id: letters, digits, _ : -", "id")
    actor = data.get("actor")
    if actor is None:
        return Header(line_id, default_actor, data)
    if (
        not isinstance(actor, dict)
        or set(actor) != {"user_id", "role", "agency"}
        or not all(isinstance(v, str) and 0 < len(v) <= 200 for v in actor.values())
    ):
        raise LineRefusedError("invalid", "an object of user_id, role and agency (text)", "actor")
    return Header(line_id, Actor(**actor), data)


def _resolved(value: Any, resolve: Resolve, where: str) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        match = REFERENCE.match(value)
        if match is None:
            raise LineRefusedError("invalid", "a reference is @<line id>.<name>", where)
        made = resolve(match[1], match[2])
        if made is None:
            raise LineRefusedError(
                "reference_unknown", "refers to a line not applied, or to no id it made", where
            )
        return str(made)
    if isinstance(value, list):
        return [_resolved(item, resolve, where) for item in value]
    if isinstance(value, dict):
        return {k: _resolved(v, resolve, f"{where}.{k}") for k, v in value.items()}
    return value


_PATHS: dict[str, tuple[str, ...]] = {}


def _path(cls: type[Command]) -> tuple[str, ...]:
    """The fields of a command its HTTP request's path gives (made once per command)."""
    if cls.__name__ not in _PATHS:
        _PATHS[cls.__name__] = tuple(field for field, _, _ in path_fields(cls))
    return _PATHS[cls.__name__]


def decode(head: Header, resolve: Resolve) -> Command:
    """The line's command, checked as an HTTP body of it is (raises LineRefusedError)."""
    data = dict(head.data)
    name = data.pop("command", None)
    data.pop("id"), data.pop("actor", None)
    cls = COMMANDS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise LineRefusedError("unknown_command", "not a command of the import schema", "command")
    data = {key: _resolved(value, resolve, key) for key, value in data.items()}
    given: dict[str, Any] = {}
    for field in _path(cls):
        try:
            given[field] = UUID(str(data.pop(field)))
        except KeyError:
            raise LineRefusedError("invalid", "missing", field) from None
        except ValueError:
            raise LineRefusedError("invalid", "not an id (UUID) or a reference", field) from None
    # A server-timed command (an erasure, a legal hold) may say when it happened.
    server_time = data.pop("occurred_at", None) if issubclass(cls, ServerTimed) else None
    try:
        body = request_model(cls).model_validate(data)
        if server_time is not None:
            given["occurred_at"] = _time(server_time)
        return cls(actor=head.actor, idempotency_key=head.line_id, **given, **body.values())
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or None
        raise LineRefusedError("invalid", problem["msg"], where) from None
    except InvalidValueError as error:
        raise LineRefusedError("invalid", error.detail, error.field) from None


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise InvalidValueError("occurred_at", "a time in ISO 8601 form")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidValueError("occurred_at", "a time in ISO 8601 form") from None


def line_schema() -> dict[str, Any]:
    """The JSON schema of an import line: one of the commands, each its HTTP body's schema
    with `command`, `id`, `actor` and the ids the request's path gives."""
    reference = {"type": "string", "pattern": REFERENCE.pattern}
    uuid_or_ref = {"anyOf": [{"type": "string", "format": "uuid"}, reference]}
    actor = {
        "type": "object",
        "properties": {k: {"type": "string"} for k in ("user_id", "role", "agency")},
        "required": ["user_id", "role", "agency"],
        "additionalProperties": False,
    }
    defs: dict[str, Any] = {}
    choices = []
    for name, cls in COMMANDS.items():
        schema = request_model(cls).model_json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        properties: Mapping[str, Any] = schema.get("properties", {})
        path = [field for field, _, _ in path_fields(cls)]
        schema["properties"] = {
            "command": {"const": name},
            "id": {"type": "string", "pattern": LINE_ID.pattern},
            "actor": actor,
            **dict.fromkeys(path, uuid_or_ref),
            **properties,
        }
        schema["required"] = ["command", "id", *path, *schema.get("required", [])]
        schema["title"] = name
        defs[name] = schema
        choices.append({"$ref": f"#/$defs/{name}"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "A line of a Journeys import file",
        "description": (
            "One command per line. An id made by an earlier line may be given as "
            "@<line id>.<name> (e.g. @f1-0001.family_id, @f1-0001.member_id_0)."
        ),
        "oneOf": choices,
        "$defs": defs,
    }
