"""The rules catalogue (domain.rules.RULES) and the code agree, and every rule has a test.

Both directions are read from the source, not from a test run, so they hold whatever
subset of tests is run: a rule id the domain raises must be in the catalogue, and every
rule in the catalogue must be broken by some test through `Journey.refuses("<rule id>")`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from domain.rules import RULES

DOMAIN = Path(__file__).parents[2] / "domain"
TESTS = Path(__file__).parent


def string_arguments(path: Path, *, called: set[str], position: int) -> Iterator[str]:
    """String literals given as the `position`-th argument of calls to any of `called`
    (a plain name `f(...)` or a method `x.f(...)`)."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Call) or len(node.args) <= position:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        argument = node.args[position]
        if (
            name in called
            and isinstance(argument, ast.Constant)
            and isinstance(argument.value, str)
        ):
            yield argument.value


def rules_raised_by_the_domain() -> set[str]:
    raised: set[str] = set()
    for path in DOMAIN.rglob("*.py"):
        raised.update(string_arguments(path, called={"require"}, position=1))
        raised.update(string_arguments(path, called={"broken", "RuleBrokenError"}, position=0))
        # ConcurrentChangeError and IdempotencyKeyReusedError name their rule to the base.
        raised.update(string_arguments(path, called={"__init__"}, position=0))
    return raised


def rules_broken_by_tests() -> set[str]:
    broken: set[str] = set()
    for path in TESTS.glob("test_*.py"):
        broken.update(string_arguments(path, called={"refuses"}, position=0))
    return broken


def test_every_rule_the_domain_raises_is_in_the_catalogue() -> None:
    raised = rules_raised_by_the_domain()

    assert {"one_open_episode", "concurrent_change", "idempotency_key_reused"} <= raised
    assert raised - set(RULES) == set(), "add these rule ids to domain/rules.py"


def test_every_rule_in_the_catalogue_is_raised_by_the_domain() -> None:
    assert set(RULES) - rules_raised_by_the_domain() == set(), "rules nothing enforces"


def test_every_rule_is_broken_by_a_test() -> None:
    broken = rules_broken_by_tests()

    assert set(RULES) - broken == set(), "write a test that breaks each of these rules"
    assert broken - set(RULES) == set(), "these tests name rules that do not exist"
