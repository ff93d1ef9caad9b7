"""Small frozen value objects carried by events, and how they are stored.

`PersonalData` is the only place in any event where names, dates of birth, addresses or
free-text notes may live: a later step encrypts and erases exactly these values.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding


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
