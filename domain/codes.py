"""Code lists as versioned data: the JSON files in `codelists/`, one per version.

A version after the first names the one it `extends` and holds only what it changes: codes it
adds and labels it rewords. It cannot remove a code, so every code stored under an earlier
version stays valid under a later one.

Stored events keep codes, never labels. A code is checked against the list in force when the
command is made; an unknown code is refused with the list of valid ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from domain.errors import UnknownCodeError

CURRENT_VERSION = "2025-3"


@dataclass(frozen=True)
class CodeLists:
    """One version of every code list: `lists[name][code] == label`."""

    version: str
    lists: Mapping[str, Mapping[str, str]]

    def codes(self, list_name: str) -> tuple[str, ...]:
        return tuple(self.lists[list_name])

    def label(self, list_name: str, code: str) -> str:
        return self.lists[list_name].get(code, code)

    def require(self, list_name: str, code: str, *, field: str) -> str:
        """Return `code` if it is on the list, else raise UnknownCodeError naming `field`."""
        if code not in self.lists[list_name]:
            raise UnknownCodeError(field, list_name, self.lists[list_name])
        return code

    def require_all(self, list_name: str, codes: Iterable[str], *, field: str) -> tuple[str, ...]:
        return tuple(self.require(list_name, code, field=field) for code in codes)


@cache
def load(version: str = CURRENT_VERSION) -> CodeLists:
    """Load a version of the code lists shipped with the package."""
    text = resources.files("domain").joinpath("codelists", f"{version}.json").read_text("utf-8")
    data = json.loads(text)
    lists: dict[str, dict[str, str]] = {}
    if "extends" in data:  # the earlier version, with this one's codes and labels on top
        lists = {name: dict(codes) for name, codes in load(data["extends"]).lists.items()}
    for name, codes in data["lists"].items():
        lists.setdefault(name, {}).update(codes)
    return CodeLists(version=data["version"], lists=lists)
