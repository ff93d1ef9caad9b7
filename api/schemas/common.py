"""Field types and base classes shared by the request and response bodies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from domain.values import PersonalData


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None


def _encodable(value: str) -> str:
    # json.loads lets lone surrogates through; they could never be stored as UTF-8.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the text contains characters that are not valid Unicode") from None
    return value


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc)]
"""An ISO 8601 time with a time zone (naive times are refused), kept in UTC."""

Code = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_encodable)]
"""A code from one of the code lists; the domain checks it against the list in force."""

Name = Annotated[str, StringConstraints(max_length=200), AfterValidator(_encodable)]
Text = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_encodable)]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_encodable)]
Codes = Annotated[tuple[Code, ...], Field(max_length=100)]


class RequestBody(BaseModel):
    """A strict request body: unknown fields are refused, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class EntryCreate(RequestBody):
    """What every command says: when it happened (as the practitioner states it)."""

    occurred_at: UtcDatetime = Field(
        description="When it happened, ISO 8601 with a time zone; not in the future."
    )


class WithNotes(BaseModel):
    """Free-text notes: personal data, kept only inside the entry's PersonalData."""

    notes: Text | None = Field(None, description="Free text; stored as personal data.")

    def personal_data(self) -> PersonalData | None:
        return PersonalData(notes=self.notes) if self.notes is not None else None


class PersonalFields(BaseModel):
    """A member's personal details; all optional, all personal data."""

    given_name: Name | None = None
    family_name: Name | None = None
    date_of_birth: date | None = None
    address: Text | None = None

    def member_data(self, *, notes: str | None = None) -> PersonalData:
        return PersonalData(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            address=self.address,
            notes=notes,
        )
