"""The README's tables of what each kind of entry is for sharing (its category and purpose)
and of the category of each agency's contacts are domain/disclosure.py, row for row."""

from __future__ import annotations

from domain.disclosure import CONTACT_CATEGORIES, ENTRY_TYPES
from tests.support.docs import README

FROM = {
    "contact_agency": "its agency's (table below)",
    "target_entry": "that of the entry it is about",
    "named_purpose": "the one it names",
}


def code(value: str | None, source: str | None) -> str:
    if source is not None:
        return FROM[source]
    return f"`{value}`" if value is not None else "none"


def entry_types_table() -> str:
    """The table as it should appear in the README (paste it there when the mapping changes)."""
    rows = [
        f"| {rule.label} (`{kind}`) | {code(rule.category, rule.category_from)} "
        f"| {code(rule.purpose, rule.purpose_from)} |"
        for kind, rule in ENTRY_TYPES.items()
    ]
    return "\n".join(["| entry type | category | purpose |", "|---|---|---|", *rows])


def contact_categories_table() -> str:
    rows = [f"| `{agency}` | {code(cat, None)} |" for agency, cat in CONTACT_CATEGORIES.items()]
    return "\n".join(["| contact's agency | category |", "|---|---|", *rows])


def test_the_readme_tables_are_the_mapping_the_sharing_view_follows() -> None:
    text = README.read_text("utf-8")

    assert entry_types_table() in text, f"put in the README:\n{entry_types_table()}"
    assert contact_categories_table() in text, f"put in the README:\n{contact_categories_table()}"
