"""`journeys --help` and each command's help: every command of the command line is there,
with the options the Makefile and the operators' runbooks use."""

from __future__ import annotations

import re

import pytest

from tests.support.cli import run

COMMANDS = {
    "serve": ["--host", "--port"],
    "demo": ["--families", "--seed", "--years", "--today", "--if-empty"],
    "token": ["--role", "--agency", "--user"],
    "project": [],
    "info": [],
    "verify": ["--json", "--checkpoint", "--public-key", "--seal-legacy"],
    "checkpoint": ["--out", "--public-key"],
}
GROUPS: dict[str, dict[str, list[str]]] = {
    "projections": {"status": ["--json"], "rebuild": []},
    "retention": {"run": ["--dry-run", "--as-of"]},
    "search-index": {"rebuild": []},
}
WIDE = {"COLUMNS": "200", "TERMINAL_WIDTH": "200"}


def listed(help_text: str) -> set[str]:
    """The commands a help text lists: the first word of each row of its panels."""
    return set(re.findall(r"^\W ([a-z][a-z-]*)\s", help_text, re.MULTILINE))


def test_the_top_help_lists_every_command_and_group() -> None:
    code, out, _ = run(WIDE, "--help")
    assert code == 0
    assert {*COMMANDS, *GROUPS} <= listed(out)


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_help_with_its_options(name: str) -> None:
    code, out, _ = run(WIDE, name, "--help")
    assert code == 0
    for option in COMMANDS[name]:
        assert option in out, (name, option)


@pytest.mark.parametrize(
    ("group", "command"), [(g, c) for g, commands in GROUPS.items() for c in commands]
)
def test_each_group_lists_its_commands_and_each_has_help(group: str, command: str) -> None:
    code, out, _ = run(WIDE, group, "--help")
    assert code == 0
    assert command in listed(out)
    code, out, _ = run(WIDE, group, command, "--help")
    assert code == 0
    for option in GROUPS[group][command]:
        assert option in out, (group, command, option)
