"""Code list versions: a later version adds codes and rewords labels, so every code stored
under an earlier version stays valid."""

from __future__ import annotations

import json
from importlib import resources

from domain.codes import CURRENT_VERSION, load


def versions() -> list[str]:
    folder = resources.files("domain").joinpath("codelists")
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


def test_every_code_of_every_version_is_valid_in_the_current_one() -> None:
    current = load()
    assert current.version == CURRENT_VERSION == versions()[-1]
    for version in versions():
        for name, codes in load(version).lists.items():
            assert set(codes) <= set(current.lists[name]), (version, name)


def test_a_later_version_holds_only_what_it_changes_and_keeps_the_rest_of_the_one_before() -> None:
    earlier, later = load("2025-1"), load("2025-2")
    text = resources.files("domain").joinpath("codelists", "2025-2.json").read_text("utf-8")
    assert set(json.loads(text)["lists"]) == {"information_category"}
    assert later.lists["agency"] == earlier.lists["agency"]
    assert later.label("information_category", "request_for_support").startswith(
        "The request for support"
    )
    assert "request_for_support" not in earlier.lists["information_category"]
