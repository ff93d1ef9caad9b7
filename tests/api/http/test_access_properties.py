"""Every role, agency and read route of a family, over random family histories, answers as
the access rules say (issue 9, defect 1; the rules: domain.access, README "Who may see
what"). The expected answers are worked out here from the family's events, independently
of domain.access and the caseload view; what an agency may see is the shared view's
(projections.sharing, itself guarded by tests/projections/test_sharing_properties.py).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import event as statistic
from hypothesis import strategies as st

from api.app import create_app
from api.common.deps import SESSION_COOKIE
from domain.errors import JourneysError
from domain.family import Family
from domain.values import PlanAction, PlanOutcome
from infra.bootstrap import Journeys
from infra.tokens import ROLES, Identity
from projections.base import replay
from projections.sharing import SharingProjection, visibility
from tests.support.api import sqlite_settings
from tests.support.histories import PERSONAL_MARK, SHARING_AGENCIES, SharingHistory
from tests.support.journey import FamilyEvent

GRACE = timedelta(days=90)  # the default of JOURNEYS_FORMER_LEAD_GRACE_DAYS
PRACTITIONERS = {"practitioner", "lead_practitioner"}
READERS = {*PRACTITIONERS, "qa_officer", "panel_member"}
# The histories' leads are lp-1 to lp-3; "current" and "former" stand for the history's own
# current lead and one of its past leads (whenever that lead ended), where it has them.
USERS = ("current", "former", "lp-1", "u-school", "u-police")

# route -> (path under the family, roles the role table lets through, whole record only,
# may show personal data)
ROUTES: dict[str, tuple[str, set[str], bool, bool]] = {
    "events": ("/families/{id}/events", READERS, False, True),
    "timeline": ("/families/{id}/timeline?limit=500", READERS, False, True),
    "journey": ("/families/{id}/journey", READERS, True, False),
    "journey.svg": ("/families/{id}/journey.svg", READERS, True, False),
    "shared-view": ("/families/{id}/shared-view", {"partner", "qa_officer"}, False, True),
    "access-log": ("/families/{id}/access-log", {"qa_officer"}, True, False),
    "integrity": ("/families/{id}/integrity", {"qa_officer", "admin"}, False, False),
    "family page": ("/web/families/{id}", READERS, True, True),
    "print": ("/web/families/{id}/print", READERS, True, True),
}


class TeamHistory(SharingHistory):
    """A sharing history whose plans have actions owned by agencies (the team around the
    family), so that plan agencies gain and lose access as plans are revised and closed."""

    def do_plan(self) -> None:
        entry = self.entry()
        target = entry["entry"].occurred_at.date() + timedelta(days=90)
        outcome = PlanOutcome(self.uid(), self.code("headline_outcome"), target)
        actions = tuple(
            PlanAction(self.uid(), outcome.outcome_id, agency, target)
            for agency in self.some(SHARING_AGENCIES)
        )
        plan = self.plan()
        command = self.family.revise_plan if plan else self.family.agree_plan
        command(
            plan_id=self.plan_id(),
            outcomes=(outcome,),
            actions=actions,
            personal=self.personal(),
            codes=self.codes,
            **entry,
        )

    def build(self, steps: int) -> Family:
        """Most families are taken on and given a lead first; then `steps` random commands."""
        opening = [self.do_request, self.do_decide, self.do_lead] if self.rng.random() < 0.8 else []
        for _ in range(steps):
            [command] = opening[:1] or self.rng.choices(self.commands, self.weights)
            opening = opening[1:]
            with contextlib.suppress(JourneysError):
                command()
        return self.family


@dataclass(frozen=True)
class Expected:
    """What a practitioner may do with one family at one time, from its events."""

    current_lead: str | None
    former_leads: frozenset[str]  # whose lead ended within the grace period
    past_leads: tuple[str, ...]  # whose lead ended, whenever
    team: frozenset[str]

    def user(self, drawn: str) -> str:
        if drawn == "current":
            return self.current_lead or "lp-1"
        if drawn == "former":
            return self.past_leads[-1] if self.past_leads else "lp-2"
        return drawn

    def scope(self, user_id: str, agency: str) -> str:
        if user_id == self.current_lead or user_id in self.former_leads:
            return "all"
        return "agency" if agency in self.team else "none"


def expected(events: list[Any], now: datetime) -> Expected:
    leads: list[tuple[str, datetime | None]] = []  # (who, when their lead ended)
    plans: dict[str, tuple[str, set[str]]] = {}
    closed: set[str] = set()
    consents: dict[str, set[str]] = {}

    def end_leads(at: datetime) -> None:
        leads[:] = [(who, at if ended is None else ended) for who, ended in leads]

    for event in events:
        if isinstance(event, Family.LeadPractitionerAssigned):
            end_leads(event.occurred_at)
            leads.append((event.practitioner_id, None))
        elif isinstance(event, Family.EpisodeClosed):
            end_leads(event.occurred_at)
            closed.add(str(event.episode_id))
        elif isinstance(event, Family.PlanAgreed | Family.PlanRevised):
            agencies = {a.owner_agency for a in event.actions}
            plans[str(event.plan_id)] = (str(event.episode_id), agencies)
        elif isinstance(event, Family.ConsentGiven):
            consents[str(event.consent_id)] = set(event.agencies)
        elif isinstance(event, Family.ConsentWithdrawn):
            consents.pop(str(event.consent_id), None)
    team = {a for episode, agencies in plans.values() if episode not in closed for a in agencies}
    team |= {a for agencies in consents.values() for a in agencies}
    return Expected(
        current_lead=next((who for who, ended in leads if ended is None), None),
        former_leads=frozenset(who for who, ended in leads if ended and ended >= now - GRACE),
        past_leads=tuple(who for who, ended in leads if ended),
        team=frozenset(team),
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("access-properties")
    with TestClient(create_app(sqlite_settings(folder))) as client:
        yield client


@pytest.fixture(scope="module")
def families(client: TestClient) -> dict[int, UUID]:
    """Seed -> the family of that history, stored once (hypothesis may draw a seed twice)."""
    return {}


def stored_family(journeys: Journeys, families: dict[int, UUID], seed: int) -> UUID:
    """The family of history `seed` (3 to 40 random steps: the seed decides the family's id
    too, so each seed is stored once)."""
    if seed not in families:
        family = TeamHistory(random.Random(seed)).build(3 + seed % 38)
        journeys.app.save(family)
        families[seed] = family.id
    return families[seed]


def answer(client: TestClient, journeys: Journeys, route: str, family_id: UUID, who: Any) -> Any:
    path = ROUTES[route][0].format(id=family_id)
    token = journeys.tokens.issue(who)
    if path.startswith("/web/"):
        headers = {"Cookie": f"{SESSION_COOKIE}={token}"}
    else:
        headers = {"Authorization": f"Bearer {token}"}
    params = {"agency": who.agency} if route == "shared-view" and who.role == "qa_officer" else {}
    return client.get(path, headers=headers, params=params, follow_redirects=False)


def entry_ids(route: str, body: Any) -> set[str]:
    if route == "events":
        return {item["data"]["entry_id"] for item in body["items"]}
    return {entry["entry_id"] for entry in body["entries"]}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32),
    role=st.sampled_from(ROLES) | st.sampled_from(sorted(PRACTITIONERS)),
    agency=st.sampled_from(SHARING_AGENCIES),
    user_id=st.sampled_from(USERS),
    days_later=st.sampled_from([1, 45, 89, 120, 400]),
)
def test_every_role_agency_and_route_answers_as_the_rules_say(
    client: TestClient,
    families: dict[int, UUID],
    *,
    seed: int,
    role: str,
    agency: str,
    user_id: str,
    days_later: int,
) -> None:
    journeys: Journeys = client.app.state.journeys  # type: ignore[attr-defined]
    family_id = stored_family(journeys, families, seed)
    events = [cast(FamilyEvent, e) for e in journeys.app.family_events(family_id)]
    now = max(e.timestamp for e in events) + timedelta(days=days_later)
    journeys.app.clock = lambda: now
    facts = expected(events, now)
    user_id = facts.user(user_id)
    who = Identity(user_id, role, agency)
    if role in PRACTITIONERS:
        scope = facts.scope(user_id, agency)
    else:
        scope = "agency" if role == "partner" else "all"
    statistic(f"{'practitioner' if role in PRACTITIONERS else role} sees {scope}")
    sharing = replay(SharingProjection(), events).docs[str(family_id)]
    visible = set(visibility(sharing, agency))
    registration = str(events[0].entry_id)
    qa = Identity("qa-1", "qa_officer", "early_help")

    for route, (_, roles, whole, personal_route) in ROUTES.items():
        got = answer(client, journeys, route, family_id, who)
        if role not in roles or scope == "none" or (whole and scope == "agency"):
            assert got.status_code == 403, (route, scope, got.text)
            assert PERSONAL_MARK not in got.text, route
            continue
        assert got.status_code == 200, (route, scope, got.text)
        if route == "shared-view":
            assert entry_ids(route, got.json()) == visible
            continue
        shows_personal = personal_route and role != "admin"
        if scope == "agency":
            shows_personal = shows_personal and registration in visible
            if route in ("events", "timeline"):
                every = entry_ids(route, answer(client, journeys, route, family_id, qa).json())
                assert entry_ids(route, got.json()) == every & visible, route
        elif route in ("events", "timeline"):
            assert registration in entry_ids(route, got.json()), route
        assert (PERSONAL_MARK in got.text) == shows_personal, (route, scope)

    # Commands, with a body that cannot be stored (no occurred_at): a caller who may write
    # hears 422, one who may not 403, and the store is unchanged either way.
    token = {"Authorization": f"Bearer {journeys.tokens.issue(who)}"}
    writes = role in PRACTITIONERS and facts.current_lead in {None, user_id}
    before = journeys.app.position()
    for command, allowed in (("assessments", writes), ("contacts", role in PRACTITIONERS)):
        sent = client.post(f"/families/{family_id}/{command}", json={}, headers=token)
        assert sent.status_code == (422 if allowed else 403), (command, sent.text)
    assert journeys.app.position() == before
