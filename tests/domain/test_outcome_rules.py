"""Sustained-outcome rule sets as data (domain.outcome_rules): the shipped sf-2022 pair, a
new programme's rules read from a file without code, and the rule's edges: a break on the
window's last moment and at its end, pending until the end, and each failed criterion."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain.errors import InvalidValueError
from domain.outcome_rules import (
    Break,
    ClosedEpisode,
    judge,
    load_rule_sets,
    rule_set,
    rule_sets,
    shows_need,
)

CLOSED = datetime(2024, 8, 31, 10, tzinfo=UTC)
EPISODE = ClosedEpisode(
    closed_at=CLOSED, needs=3, needs_achieved=3, lead_assigned=True, assessed=True,
    planned=True, breaks=(),
)  # fmt: skip


def test_the_shipped_rule_sets_differ_only_in_how_long_the_outcome_must_hold() -> None:
    six, twelve = rule_sets()["sf-2022"], rule_sets()["sf-2022-12m"]
    assert (six.hold_months, twelve.hold_months) == (6, 12)
    assert six.min_needs == twelve.min_needs == 3
    assert set(six.broken_by) == {"re_referral", "escalation", "regression"}
    with pytest.raises(InvalidValueError):
        rule_set("sf-1999")


def test_a_new_programmes_rules_are_a_file(tmp_path: Path) -> None:
    (tmp_path / "ff-2025.json").write_text(json.dumps({
        "id": "ff-2025", "version": 1, "title": "Families First 2025", "min_needs": 2,
        "requires": ["lead_practitioner"], "every_need_achieved": False, "hold_months": 9,
        "broken_by": ["escalation"],
    }))  # fmt: skip
    [rules] = load_rule_sets(tmp_path).values()
    two_needs = ClosedEpisode(
        closed_at=CLOSED, needs=2, needs_achieved=1, lead_assigned=True, assessed=False,
        planned=False, breaks=(Break("re_referral", "e-1", CLOSED + timedelta(days=30)),),
    )  # fmt: skip
    verdict = judge(rules, two_needs, now=CLOSED + timedelta(days=300))
    assert verdict.status == "sustained"  # a re-referral does not break this programme's
    assert verdict.window_ends_at == datetime(2025, 5, 31, 10, tzinfo=UTC)
    good = json.loads((tmp_path / "ff-2025.json").read_text())
    bad = {**good, "id": "bad", "broken_by": ["moon_phase"]}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="moon_phase"):
        load_rule_sets(tmp_path)


def test_the_window_is_half_open_and_clamped_to_the_months_last_day() -> None:
    rules = rule_set("sf-2022")
    ends = datetime(2025, 2, 28, 10, tzinfo=UTC)  # 31 August + 6 months
    assert judge(rules, EPISODE, now=ends - timedelta(seconds=1)).status == "pending"
    assert judge(rules, EPISODE, now=ends).status == "sustained"
    last = Break("escalation", "e-2", ends - timedelta(seconds=1))
    broken = judge(rules, ClosedEpisode(**{**vars(EPISODE), "breaks": (last,)}), now=ends)
    assert broken.status == "not_sustained"
    assert broken.broken_by == last
    at_end = Break("escalation", "e-3", ends)
    held = judge(rules, ClosedEpisode(**{**vars(EPISODE), "breaks": (at_end,)}), now=ends)
    assert held.status == "sustained"


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        ({"needs": 2, "needs_achieved": 2}, "fewer than 3 needs (2)"),
        ({"lead_assigned": False}, "no lead practitioner"),
        ({"assessed": False}, "no whole family assessment"),
        ({"planned": False}, "no whole family plan"),
        ({"needs_achieved": 2}, "not every need achieved at closure"),
    ],
)
def test_each_criterion_names_itself_when_it_fails(change: dict[str, object], failed: str) -> None:
    episode = ClosedEpisode(**{**vars(EPISODE), **change})
    verdict = judge(rule_set("sf-2022"), episode, now=CLOSED)
    assert (verdict.status, verdict.failed) == ("not_eligible", failed)


def test_evidence_shows_a_need_again_past_its_measures_threshold() -> None:
    assert shows_need("attendance_percent", Decimal("89.9"))
    assert not shows_need("attendance_percent", Decimal("90"))
    assert shows_need("offences", Decimal("1"))
    assert not shows_need("tenancy_sustained", Decimal("1"))
