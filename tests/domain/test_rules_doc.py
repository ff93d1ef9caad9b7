"""The README's "Domain rules" table is the catalogue in domain/rules.py, word for word,
so the docs cannot drift from what the domain enforces."""

from __future__ import annotations

import re

from domain.rules import RULES
from tests.support.docs import README

ROW = re.compile(r"^\| `(?P<rule>[a-z_]+)` \| (?P<meaning>.+) \|$")


def rules_table() -> str:
    """The table as it should appear in the README (paste it there when RULES change)."""
    rows = [f"| `{rule}` | {meaning} |" for rule, meaning in RULES.items()]
    return "\n".join(["| rule id | what it means |", "|---|---|", *rows])


def readme_section(title: str) -> str:
    text = README.read_text("utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_readme_lists_every_rule_with_its_meaning() -> None:
    section = readme_section("Domain rules")

    listed = {
        match["rule"]: match["meaning"]
        for line in section.splitlines()
        if (match := ROW.match(line))
    }

    assert listed == RULES, f"replace the README's table with:\n{rules_table()}"
    assert rules_table() in section, f"keep the README's table in order:\n{rules_table()}"
