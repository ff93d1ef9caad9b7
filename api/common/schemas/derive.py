"""The request bodies of the commands, derived from the command dataclasses (domain.commands).

`request_model(Command)` is the pydantic model of the command's HTTP body: one body field
per field of the dataclass, with its description and limits (`about` metadata), except the
fields the body does not carry (metadata `http` False: the server or the request's path
gives them) and the context every command takes from the sender (actor, idempotency key).
A body refuses unknown fields. Values are typed strictly: codes are text of 1 to 64
characters (`max_length`, `pattern` and `strip` say otherwise), times and dates only in
their ISO 8601 forms, flags JSON booleans. Nested values (a plan's outcomes, a review's
progress...) are models derived the same way from their dataclasses.

`model.values(body)` turns a validated body back into the dataclass's keyword arguments.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import AfterValidator, Field, StrictInt, StringConstraints, create_model
from pydantic.fields import FieldInfo

from api.common.schemas.common import (
    Code,
    Flag,
    IsoDate,
    Name,
    RequestBody,
    Text,
    UtcDatetime,
    _encodable,
)
from domain.commands import Command
from domain.values import FieldChange, PersonalData

Convert = Callable[[Any], Any]

# How a body gives each detail of PersonalData: its type and description.
DETAIL_TYPES: Mapping[str, tuple[Any, str | None]] = {
    "given_name": (Name, None),
    "family_name": (Name, None),
    "date_of_birth": (IsoDate, None),
    "address": (Text, None),
    "notes": (Text, "Free text; stored as personal data."),
}

# The fields every command takes from its sender, never from its body.
SENDER_FIELDS = frozenset({"actor", "idempotency_key"})


def _same(value: Any) -> Any:
    return value


@dataclasses.dataclass(frozen=True)
class Part:
    """One field of a dataclass as a body gives it: the body fields it takes (name ->
    annotation and FieldInfo), and how its value is read back from a validated body."""

    name: str
    fields: dict[str, tuple[Any, FieldInfo]]
    value: Callable[[Any], Any]


class DerivedBody(RequestBody):
    """A request body derived from a dataclass (`target`), field by field (`parts`)."""

    target: ClassVar[type[Any]]
    parts: ClassVar[tuple[Part, ...]] = ()

    def values(self) -> dict[str, Any]:
        """The dataclass's keyword arguments the body gives."""
        return {part.name: part.value(self) for part in self.parts}

    def as_value(self) -> Any:
        return self.target(**self.values())


class ItemBody(DerivedBody):
    """A tuple given as an object: its value is the tuple of its parts, in order."""

    def as_value(self) -> Any:
        return tuple(self.values().values())


def _text(meta: Mapping[str, Any]) -> Any:
    if not {"max_length", "pattern", "strip"} & meta.keys():
        return Code
    limits = StringConstraints(
        strip_whitespace=meta.get("strip", False),
        min_length=1,
        max_length=meta.get("max_length", 64),
        pattern=meta.get("pattern"),
    )
    return Annotated[str, limits, AfterValidator(_encodable)]


def _kind(tp: Any, meta: Mapping[str, Any], name: str) -> tuple[Any, Convert]:
    """The body type of a value of type `tp` (of the field `name`, with its metadata), and
    how the value is read back from what the body holds."""
    args = typing.get_args(tp)
    if isinstance(tp, types.UnionType):
        kinds = [_kind(arg, meta, name) for arg in args if arg is not type(None)]
        if type(None) in args:  # an optional value: only None and a single other type
            (inner, present), *_ = kinds
            return inner | None, lambda v: None if v is None else present(v)
        return functools.reduce(lambda a, b: a | b, [k for k, _ in kinds]), _same
    if typing.get_origin(tp) is tuple:
        if meta.get("as_object"):  # field name -> value, the one kind of pairs there is
            if args[0] is not FieldChange:
                raise TypeError(f"{name}: only FieldChange pairs are given as an object")
            mapping = dict[Code, Text]
            return mapping, lambda v: tuple(FieldChange(k, t) for k, t in v.items())
        if "items" in meta:
            item = _item_model(f"{name.title()}Item", args[0], meta["items"])
        else:
            item, _ = _kind(args[0], {}, name)
        convert: Convert = _same
        if isinstance(item, type) and issubclass(item, DerivedBody):
            convert = lambda v: tuple(i.as_value() for i in v)  # noqa: E731
        return tuple[item, ...], convert  # type: ignore[valid-type]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _model(tp), lambda v: v.as_value()
    if "choices" in meta:
        words = tuple(meta["choices"])
        return Literal[words], meta["choices"].__getitem__
    simple: dict[Any, Any] = {
        str: _text(meta),
        bool: Flag,
        int: StrictInt,
        UUID: UUID,
        date: IsoDate,
        datetime: UtcDatetime,
        Decimal: Annotated[Decimal, Field(allow_inf_nan=False, max_digits=meta.get("max_digits"))],
    }
    return simple[tp], _same


def _info(meta: Mapping[str, Any], default: Any) -> FieldInfo:
    limits = {
        key: meta[bound]
        for key, bound in (("max_length", "max_items"), ("min_length", "min_items"))
        if bound in meta
    }
    return _field(default, meta.get("description"), **limits)


def _field(default: Any, description: str | None, **limits: Any) -> FieldInfo:
    info: FieldInfo = Field(default, description=description, **limits)
    return info


def _personal(name: str, meta: Mapping[str, Any], optional: bool) -> Part:
    details: tuple[str, ...] = meta["personal"]
    fields = {
        detail: (DETAIL_TYPES[detail][0] | None, _field(None, DETAIL_TYPES[detail][1]))
        for detail in details
    }

    def value(body: Any) -> PersonalData | None:
        personal = PersonalData(**{detail: getattr(body, detail) for detail in details})
        return None if optional and personal.is_empty() else personal

    return Part(name, fields, value)


def _part(name: str, tp: Any, meta: Mapping[str, Any], default: Any) -> Part:
    if "personal" in meta:
        return _personal(name, meta, optional=type(None) in typing.get_args(tp))
    kind, convert = _kind(tp, meta, name)
    body_name = meta.get("body_name", name)
    default = meta.get("body_default", default)
    if typing.get_origin(kind) is dict and default == ():  # no pairs: an empty object
        default = {}
    return Part(
        name,
        {body_name: (kind, _info(meta, default))},
        lambda body: convert(getattr(body, body_name)),
    )


def client_fields(cls: type[Any]) -> list[dataclasses.Field[Any]]:
    """The fields of a dataclass a request body gives (the others: the sender's, or given
    by the server or the request's path)."""
    return [
        spec
        for spec in dataclasses.fields(cls)
        if spec.metadata.get("http", True) and spec.name not in SENDER_FIELDS
    ]


def path_fields(command: type[Command]) -> list[tuple[str, Any, str]]:
    """The fields of a command the request's path gives (name, type, description): those
    the body does not carry and the server cannot fill in (no default)."""
    hints = typing.get_type_hints(command)
    return [
        (spec.name, hints[spec.name], spec.metadata["description"])
        for spec in dataclasses.fields(command)
        if not spec.metadata.get("http", True)
        and spec.name not in SENDER_FIELDS
        and spec.default is dataclasses.MISSING
    ]


def _description(cls: type[Any]) -> str | None:
    doc = cls.__doc__
    # A dataclass without a docstring gets its signature as one: not a description.
    return None if doc is None or doc.startswith(f"{cls.__name__}(") else doc


def _derived(
    name: str, base: type[DerivedBody], cls: Any, parts: list[Part], doc: str | None
) -> type[DerivedBody]:
    fields = {key: spec for part in parts for key, spec in part.fields.items()}
    model = create_model(  # type: ignore[call-overload]
        name, __base__=base, __module__=__name__, __doc__=doc, **fields
    )
    model.target = cls
    model.parts = tuple(parts)
    derived: type[DerivedBody] = model
    return derived


_MODELS: dict[type[Any], type[DerivedBody]] = {}


def _model(cls: type[Any]) -> type[DerivedBody]:
    """The model of a dataclass's body, made once (a nested value's too, so that OpenAPI
    documents it once)."""
    if cls not in _MODELS:
        _MODELS[cls] = _made(cls)
    return _MODELS[cls]


def _made(cls: type[Any]) -> type[DerivedBody]:
    hints = typing.get_type_hints(cls)
    parts = [
        _part(
            spec.name,
            hints[spec.name],
            spec.metadata,
            ... if spec.default is dataclasses.MISSING else spec.default,
        )
        for spec in client_fields(cls)
    ]
    return _derived(f"{cls.__name__}Body", DerivedBody, cls, parts, _description(cls))


def _item_model(
    name: str, item: Any, named: tuple[tuple[str, Mapping[str, Any]], ...]
) -> type[DerivedBody]:
    """The model of a tuple given as an object: `named` names its parts, with metadata."""
    parts = [
        _part(part_name, tp, meta, ...)
        for (part_name, meta), tp in zip(named, typing.get_args(item), strict=True)
    ]
    return _derived(name, ItemBody, tuple, parts, None)


def request_model(command: type[Command]) -> type[DerivedBody]:
    """The pydantic model of `command`'s HTTP body (one model per command, made once)."""
    return _model(command)
