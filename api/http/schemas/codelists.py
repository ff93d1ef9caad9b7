"""What GET /codelists answers: every code list with its codes and labels, and how each kind
of entry is shared (its information category and purpose: domain.disclosure)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.disclosure import CategoryFrom, PurposeFrom


class CodePublic(BaseModel):
    code: str = Field(description="What is stored and sent.")
    label: str = Field(description="What a person reads.")


class CodeListPublic(BaseModel):
    name: str = Field(description="The list's name, e.g. `agency`, `information_category`.")
    codes: list[CodePublic]


class EntryTypePublic(BaseModel):
    """How one kind of entry is shared: the one category it is in, the one purpose it serves."""

    entry_type: str = Field(description="As entries name it, e.g. `SupportRequested`.")
    label: str = Field(description="What a person calls it, e.g. `Request for support`.")
    category: str | None = Field(
        description="A code of `information_category`: information shared naming it shares "
        "entries of this kind. None: in no category (see `category_from`), never shared by "
        "naming one."
    )
    category_from: CategoryFrom | None = Field(
        description="Where the category comes from when not fixed by the kind: "
        "`contact_agency`, the category of the contact's agency (`contact_categories`); "
        "`target_entry`, that of the entry corrected or retracted."
    )
    purpose: str | None = Field(
        description="A code of `sharing_purpose`: a consent for it covers entries of this "
        "kind. None: for no purpose (see `purpose_from`), seen only by the recording agency."
    )
    purpose_from: PurposeFrom | None = Field(
        description="Where the purpose comes from when not fixed by the kind: "
        "`named_purpose`, the purpose the information sharing names; `target_entry`, that of "
        "the entry corrected or retracted."
    )


class ContactCategoryPublic(BaseModel):
    agency: str = Field(description="A code of `agency`.")
    category: str | None = Field(
        description="The `information_category` of that agency's contacts; None: in none."
    )


class CodeListsPublic(BaseModel):
    version: str = Field(description="The code list version in force, e.g. `2025-2`.")
    lists: list[CodeListPublic]
    entry_types: list[EntryTypePublic] = Field(description="Every kind of family entry.")
    contact_categories: list[ContactCategoryPublic] = Field(
        description="The category of a contact, by its agency."
    )
