"""What a family's state and stream say, as plain JSON values, for the old-store test.

`facts(family, events)` is what tests/fixtures/make_old_store.py recorded (in
tests/fixtures/old_store.json) when it wrote the old store; the test compares it with the
same facts of the family as today's code reconstitutes it. When the shape of the family's
state changes, this function changes with it; the recorded facts do not.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from domain.family import Family

FIXTURES = Path(__file__).parent.parent / "fixtures"
OLD_STORE = FIXTURES / "old_store.sqlite"
OLD_FACTS = FIXTURES / "old_store.json"


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


def _iso(moment: datetime | date | None) -> str | None:
    return None if moment is None else moment.isoformat()


def stream_facts(events: Iterable[Any]) -> list[list[Any]]:
    """Each event's version, kind, entry id and time, in stream order."""
    return [
        [e.originator_version, type(e).__name__, str(e.entry_id), _iso(e.occurred_at)]
        for e in events
    ]


def state_facts(family: Family) -> dict[str, Any]:
    """The family's state, every part of it, as JSON values."""
    episodes: dict[str, Any] = {}
    for episode_id, episode in family.episodes.items():
        assessment = episode.assessment
        plan = episode.plan
        episodes[episode_id] = {
            "opened_at": _iso(episode.opened_at),
            "opened_by": episode.opened_by,
            "origin": episode.origin,
            "support": episode.support,
            "lead": episode.lead,
            "assessment": None
            if assessment is None
            else [
                assessment.assessment_id,
                _iso(assessment.started_at),
                assessment.entry_id,
                assessment.completed,
            ],
            "assessed": episode.assessed,
            "plan": None
            if plan is None
            else [
                plan.plan_id,
                _iso(plan.agreed_at),
                plan.entry_id,
                plan.revision,
                dict(plan.outcomes),
            ],
            "escalations": {
                escalation_id: [e.to_service, e.status, _iso(e.raised_at), e.entry_id]
                for escalation_id, e in episode.escalations.items()
            },
            "closed_at": _iso(episode.closed_at),
            "closed_by": episode.closed_by,
        }
    return {
        "area": family.area,
        "code_list_version": family.code_list_version,
        "open_episode_id": family.open_episode_id,
        "members": {
            member_id: [m.relationship, m.active, m.entry_id]
            for member_id, m in family.members.items()
        },
        "episodes": episodes,
        "consents": {
            consent_id: [list(c.agencies), list(c.purposes), c.in_force]
            for consent_id, c in family.consents.items()
        },
        "entries": dict(family.entries),
        "retracted": dict(family.retracted),
        "erased_at": _iso(family.erased_at),
        "legal_holds": [list(h) for h in family.legal_holds],
        "times": {
            entry_id: [_iso(occurred), _iso(recorded), episode_id]
            for entry_id, (occurred, recorded, episode_id) in family.times.items()
        },
        "follows": {entry_id: list(f) for entry_id, f in family.follows.items()},
        "periods": {
            entry_id: [_iso(start), _iso(end)] for entry_id, (start, end) in family.periods.items()
        },
        # Whose date of birth is kept, not the date itself (personal data).
        "births": sorted(family.births),
    }
