"""Small frozen value objects carried by events, and how they are stored.

`PersonalData` is the only place in any event where names, dates of birth, addresses or
free-text notes may live: a later step encrypts and erases exactly these values.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    JSONTranscoder,
    Transcoding,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who recorded an entry: a user id (never a name), their role and their agency."""

    user_id: str
    role: str
    agency: str


@dataclasses.dataclass(frozen=True)
class PersonalData:
    """Personal data of one member, or free-text notes about an entry. All fields optional.

    Read back after the family's personal data was erased (domain.sealing), a value has
    `erased` set, every detail None, and `erased_fields` naming the details it held."""

    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    address: str | None = None
    notes: str | None = None
    erased: bool = False
    erased_fields: tuple[str, ...] = ()

    DETAILS: ClassVar[tuple[str, ...]] = (
        "given_name",
        "family_name",
        "date_of_birth",
        "address",
        "notes",
    )

    def is_empty(self) -> bool:
        return not self.held()

    def held(self) -> tuple[str, ...]:
        """The names of the details this value holds (or held, before erasure)."""
        if self.erased:
            return self.erased_fields
        return tuple(name for name in self.DETAILS if getattr(self, name) is not None)

    def as_erased(self) -> PersonalData:
        """What is left of this value once the family's personal data is erased."""
        return PersonalData(erased=True, erased_fields=self.held())


@dataclasses.dataclass(frozen=True)
class Member:
    """A household member. Only `personal` identifies the person."""

    member_id: UUID
    relationship: str
    send: bool
    personal: PersonalData


@dataclasses.dataclass(frozen=True)
class PlanOutcome:
    """An outcome of a plan, tied to a headline outcome."""

    outcome_id: UUID
    headline_outcome: str
    target_date: date


@dataclasses.dataclass(frozen=True)
class PlanAction:
    """An action towards an outcome, owned by an agency."""

    action_id: UUID
    outcome_id: UUID
    owner_agency: str
    due_date: date


@dataclasses.dataclass(frozen=True)
class OutcomeProgress:
    """Progress towards one plan outcome, as judged at a review."""

    outcome_id: UUID
    rating: str


@dataclasses.dataclass(frozen=True)
class OutcomeStatus:
    """The status of one plan outcome at closure."""

    outcome_id: UUID
    status: str


@dataclasses.dataclass(frozen=True)
class FieldChange:
    """One corrected field of an earlier entry: its name and its new value, as text."""

    field: str
    value: str


@dataclasses.dataclass(frozen=True)
class StandardGrade:
    """A case audit's grade of one practice standard, on the Ofsted four-point scale."""

    standard: str
    grade: str


@dataclasses.dataclass(frozen=True)
class AuditAction:
    """An action a case audit sets: its owner (an agency code, or a practitioner's user id)
    and when it is due."""

    action_id: UUID
    owner: str
    due_date: date


VALUE_TYPES: tuple[type[Any], ...] = (
    Actor,
    PersonalData,
    Member,
    PlanOutcome,
    PlanAction,
    OutcomeProgress,
    OutcomeStatus,
    FieldChange,
    StandardGrade,
    AuditAction,
)


def as_tuples(value: Any) -> Any:
    """JSON has arrays, not tuples: turn decoded lists (also inside dicts) back into tuples."""
    # Called for every event read, so scalars are passed over without a call of their own.
    kind = type(value)
    if kind is list:
        return tuple([as_tuples(v) if type(v) in _CONTAINERS else v for v in value])
    if kind is dict:
        return {k: as_tuples(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    return value


_CONTAINERS = (list, dict)
_WALKED = (list, dict, float)


class DataclassAsDict(Transcoding):
    """Stores a frozen dataclass value object as a JSON object of its fields."""

    def __init__(self, cls: type[Any]) -> None:
        self.type = cls
        self.name = f"journeys.{cls.__name__}"

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**as_tuples(data))


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class JourneysTranscoder(JSONTranscoder):
    """JSON transcoder that gives tuples back where events and state were given tuples."""

    def decode(self, data: bytes) -> Any:
        return as_tuples(super().decode(data))


class PersonalDataAsDict(DataclassAsDict):
    """PersonalData stored in clear (when personal data is not encrypted): its details only."""

    def __init__(self) -> None:
        super().__init__(PersonalData)

    def encode(self, obj: PersonalData) -> dict[str, Any]:
        if obj.erased:
            raise ValueError("erased personal data cannot be stored again")
        return {name: getattr(obj, name) for name in PersonalData.DETAILS}


def register_value_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    for cls in VALUE_TYPES:
        transcoder.register(DataclassAsDict(cls))
    transcoder.register(PersonalDataAsDict())  # in place of the generic one: details only


TRANSCODERS = ("orjson", "json")
"""The `TRANSCODER` setting's values: both read and write the same stored bytes."""


class _NotPlainError(Exception):
    """A value orjson would write differently from the library's encoder."""


class OrjsonTranscoder(JourneysTranscoder):
    """The stored bytes of `JourneysTranscoder` (the library's wire format: compact UTF-8
    JSON, each registered type as `{"_type_": name, "_data_": ...}`), written and read with
    orjson. Reading is one walk over orjson's result, turning lists into tuples and
    registered objects into values on the way; writing first turns values into plain JSON
    values in the order the library's encoder checks them. What orjson writes otherwise
    (floats below 1e-4, NaN and infinities, integers beyond 64 bits) and what it cannot read
    (NaN, lone surrogates, and integers beyond 64 bits, which orjson reads as floats: so any
    float, and events hold none) go through the library's encoder and decoder instead, so
    the bytes and the values read stay the same both ways."""

    def __init__(self) -> None:
        super().__init__()
        self._constructors: dict[str, Callable[[Any], Any]] = {}
        self._typed = _walker(self._constructors)

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._constructors[transcoding.name] = _constructor(transcoding)

    # -- writing -----------------------------------------------------------------------------

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self._plain(obj))
        except (_NotPlainError, orjson.JSONEncodeError):
            return super().encode(obj)

    def _plain(self, value: Any) -> Any:
        """`value` as plain JSON values, checked in the order the library's encoder checks
        them: subclasses of str, int, float, list, tuple and dict are written as those."""
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            return value
        if isinstance(value, float):
            return _float(value)
        if isinstance(value, str):
            return str.__str__(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, list | tuple):
            return [self._plain(v) for v in value]
        if isinstance(value, dict):
            return {k if type(k) is str else _key(k): self._plain(v) for k, v in value.items()}
        encoded = self._encode_obj(value)  # raises for a type not registered
        return {"_type_": encoded["_type_"], "_data_": self._plain(encoded["_data_"])}

    # -- reading -----------------------------------------------------------------------------

    def decode(self, data: bytes) -> Any:
        try:
            return self._typed(orjson.loads(data))
        except (_NotPlainError, orjson.JSONDecodeError):
            return super().decode(data)


def _walker(constructors: dict[str, Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """The one walk over what orjson read: lists into tuples, each `{"_type_", "_data_"}`
    object into its value (its data walked first, as the library's object hook sees it)."""
    walked = _WALKED
    containers = _CONTAINERS

    def typed(value: Any) -> Any:
        kind = type(value)
        if kind is list:
            return tuple([typed(v) if type(v) in walked else v for v in value])
        if kind is not dict:
            if kind is float:  # maybe an integer beyond 64 bits, which orjson reads as a float
                raise _NotPlainError
            return value
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            name = value["_type_"]
            try:
                construct = constructors[name]
            except KeyError:
                msg = (
                    f"Data serialized with name '{name}' is not deserializable. "
                    "Please register a custom transcoding for this type."
                )
                raise TranscodingNotRegisteredError(msg) from None
            data = value["_data_"]
            made = construct(typed(data) if type(data) in walked else data)
            return as_tuples(made) if type(made) in containers else made
        return {k: typed(v) if type(v) in walked else v for k, v in value.items()}

    return typed


def _constructor(transcoding: Transcoding) -> Callable[[Any], Any]:
    """How a registered type is made from its walked `_data_`: the same as its transcoding's
    `decode`, without walking the data again."""
    if type(transcoding) in {DataclassAsDict, PersonalDataAsDict}:
        cls = transcoding.type
        return lambda data: cls(**data)
    if type(transcoding) is UUIDAsHex:
        return _uuid
    return transcoding.decode


def _uuid(data: Any) -> UUID:
    """`UUID(data)`, once for each id seen lately (a family's id is in each of its events):
    UUIDs are immutable, so the same one serves every event that names it."""
    found = _UUIDS.get(data) if type(data) is str else None
    if found is None:
        if type(data) is not str:
            raise TypeError("a uuid_hex value must be a string")
        if len(_UUIDS) >= _UUIDS_KEPT:
            _UUIDS.clear()
        found = _UUIDS[data] = UUID(data)
    return found


_UUIDS: dict[str, UUID] = {}
_UUIDS_KEPT = 100_000


def _key(key: Any) -> str:
    """A dict key as the library's encoder writes it."""
    if isinstance(key, str):
        return str.__str__(key)
    if isinstance(key, float):
        if not math.isfinite(key):
            raise _NotPlainError
        return float.__repr__(key)
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _float(value: float) -> float:
    if value != 0.0 and not (abs(value) >= 1e-4 and math.isfinite(value)):
        raise _NotPlainError
    return float(value)
