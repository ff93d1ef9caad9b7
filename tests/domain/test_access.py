"""The access rules (domain.access) on caseload facts: who reads, who writes, how much."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from domain.access import Caseload, Lead, Route, Sees, decide

NOW = datetime(2025, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Someone:
    user_id: str
    role: str
    agency: str = "early_help"


LED = Caseload(
    leads=(
        Lead("lp-old", NOW - 200 * DAY, NOW - 100 * DAY),
        Lead("lp-was", NOW - 100 * DAY, NOW - 10 * DAY),
        Lead("lp-now", NOW - 10 * DAY),
    ),
    team=frozenset({"school"}),
)


@pytest.mark.parametrize("role", ["practitioner", "lead_practitioner"])
def test_a_practitioner_of_either_role_is_limited_to_the_caseload(role: str) -> None:
    lead = decide(Someone("lp-now", role), LED, NOW)
    former = decide(Someone("lp-was", role), LED, NOW)
    expired = decide(Someone("lp-old", role), LED, NOW)
    team = decide(Someone("t-1", role, "school"), LED, NOW)
    stranger = decide(Someone("pc-1", role, "police"), LED, NOW)

    assert (lead.read, lead.write, lead.sees, lead.personal) == (True, True, Sees.ALL, True)
    assert (former.read, former.write, former.sees) == (True, False, Sees.ALL)
    assert (expired.read, expired.write, expired.sees) == (False, False, Sees.NONE)
    assert (team.read, team.write, team.sees) == (True, False, Sees.AGENCY)
    assert (stranger.read, stranger.write, stranger.sees) == (False, False, Sees.NONE)
    assert "police" in stranger.reason
    assert "not in your caseload" in stranger.reason


def test_the_grace_period_is_configurable() -> None:
    former = Someone("lp-was", "practitioner")

    assert decide(former, LED, NOW, grace=timedelta(days=5)).sees is Sees.NONE
    assert decide(former, LED, NOW, grace=timedelta(days=10)).sees is Sees.ALL


def test_routes_ask_for_what_they_show() -> None:
    team = decide(Someone("t-1", "practitioner", "school"), LED, NOW)
    stranger = decide(Someone("pc-1", "practitioner", "police"), LED, NOW)

    assert [team.allows(r) for r in Route] == [True, False, False, True]  # entries, whole ...
    assert [stranger.allows(r) for r in Route] == [False, False, False, True]


def test_a_family_no_one_leads_may_be_taken_on_by_any_practitioner_who_still_reads_nothing() -> (
    None
):
    unled = Caseload(leads=(Lead("lp-1", NOW - 30 * DAY, NOW - 20 * DAY),))

    anyone = decide(Someone("p-9", "practitioner"), unled, NOW)

    assert (anyone.read, anyone.write, anyone.sees) == (False, True, Sees.NONE)
    assert "assign a lead" in anyone.reason


@pytest.mark.parametrize(
    ("role", "sees", "personal"),
    [
        ("qa_officer", Sees.ALL, True),
        ("panel_member", Sees.ALL, True),
        ("admin", Sees.ALL, False),
        ("partner", Sees.AGENCY, True),
        ("researcher", Sees.NONE, False),
    ],
)
def test_other_roles_keep_what_they_had_whatever_the_caseload(
    role: str, sees: Sees, personal: bool
) -> None:
    for caseload in (LED, Caseload()):
        decision = decide(Someone("x-1", role), caseload, NOW)
        assert (decision.sees, decision.personal) == (sees, personal)
