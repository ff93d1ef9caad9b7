"""Consent never leaks, and nothing allowed is hidden: over thousands of random histories
(several agencies recording, consents given and withdrawn, information shared on consent or
another lawful basis, corrections and retractions), at the end of each history and at a
random point within it, what `shared_view` shows each agency is exactly what the rules allow
(projections.sharing), as an oracle reads them straight from the raw events: no entry
visible that the rules do not allow, none hidden that they allow, each for the first reason
the rules give. The sharing document never holds personal data.

The oracle is written from the rules, over the events, without the view's document.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.disclosure import CONTACT_CATEGORIES, ENTRY_TYPES
from domain.family import Family
from infra.bootstrap import Journeys
from projections.base import Doc, replay
from projections.sharing import SharingProjection, shared_view
from tests.support.histories import PERSONAL_MARK, SHARING_AGENCIES, sharing_history, simulated

# A history takes about a millisecond to make and a few to check for every agency.
MANY = settings(max_examples=3000, deadline=None)  # "thousands of random histories"
AGENCIES = (*SHARING_AGENCIES, "gp")  # the gp records nothing and is never consented to


def allowed(events: Sequence[Any], agency: str) -> dict[str, Doc]:
    """Entry id -> the first reason the rules give `agency` to see it, from the raw events:

    1. own: a contact of the agency, or another entry its people recorded;
    2. consent: a consent not withdrawn names the agency and the entry's purpose;
    3. shared: the entry is information shared with the agency, or an escalation to it;
    4. shared: information shared with the agency, not retracted, later in the stream,
       names the entry's category, and names no episode or the entry's (or the entry is
       contact details);
    5. a correction or retraction: as the entry it is about (unless own)."""
    withdrawn = {e.consent_id for e in events if isinstance(e, Family.ConsentWithdrawn)}
    retracted = {e.target_entry_id for e in events if isinstance(e, Family.EntryRetracted)}
    consents = [
        e
        for e in events
        if isinstance(e, Family.ConsentGiven)
        and e.consent_id not in withdrawn
        and agency in e.agencies
    ]
    sharings = [
        (place, e)
        for place, e in enumerate(events)
        if isinstance(e, Family.InformationShared)
        and e.with_agency == agency
        and e.entry_id not in retracted
    ]
    reasons: dict[UUID, Doc] = {}
    for place, event in enumerate(events):
        grounds = list(
            grounds_of(
                event, place, agency=agency, consents=consents, sharings=sharings, reasons=reasons
            )
        )
        if grounds:
            reasons[event.entry_id] = grounds[0]
    return {str(entry_id): reason for entry_id, reason in reasons.items()}


def grounds_of(
    event: Any,
    place: int,
    *,
    agency: str,
    consents: list[Any],
    sharings: list[tuple[int, Any]],
    reasons: dict[UUID, Doc],
) -> Any:
    """Every reason the rules give to see `event`, in the rules' order."""
    kind = type(event).__name__
    contact = isinstance(event, Family.ContactRecorded)
    if (event.agency if contact else event.actor.agency) == agency:
        yield {"basis": "own"}
    if isinstance(event, (Family.EntryCorrected, Family.EntryRetracted)):
        if event.target_entry_id in reasons:
            yield reasons[event.target_entry_id]
        return
    sharing = isinstance(event, Family.InformationShared)
    purpose = event.purpose if sharing else ENTRY_TYPES[kind].purpose
    for consent in consents:
        if purpose in consent.purposes:
            yield {"basis": "consent", "consent_id": str(consent.consent_id)}
    if (sharing and event.with_agency == agency) or (
        isinstance(event, Family.EscalationRaised) and event.to_service == agency
    ):
        yield {
            "basis": "shared",
            "entry_id": str(event.entry_id),
            "lawful_basis": event.lawful_basis,
        }
    category = CONTACT_CATEGORIES[event.agency] if contact else ENTRY_TYPES[kind].category
    for shared_at, shared in sharings:
        in_episode = (
            shared.episode_id is None
            or category == "contact_details"
            or getattr(event, "episode_id", None) == shared.episode_id
        )
        if shared_at > place and category in shared.categories and in_episode:
            yield {
                "basis": "shared",
                "entry_id": str(shared.entry_id),
                "lawful_basis": shared.lawful_basis,
            }


def shown(doc: Doc) -> dict[str, dict[str, Doc]]:
    """What `shared_view` shows each agency of a document: agency -> entry id -> why."""
    return {
        agency: {e["entry_id"]: e["visible_because"] for e in shared_view(doc, agency)}
        for agency in AGENCIES
    }


@MANY
@given(seed=st.integers(min_value=0, max_value=2**32), steps=st.integers(min_value=0, max_value=50))
def test_each_agency_sees_exactly_what_the_rules_allow(seed: int, steps: int) -> None:
    events = sharing_history(seed, steps=steps)
    cut = random.Random(seed).randint(1, len(events))  # the view at an earlier position
    projection = SharingProjection()
    view = replay(projection, events[:cut])
    key = str(events[0].originator_id)

    assert shown(view.docs[key]) == {agency: allowed(events[:cut], agency) for agency in AGENCIES}
    for event in events[cut:]:  # the same view, carried on to the end of the history
        projection.apply(event, view)
    assert shown(view.docs[key]) == {agency: allowed(events, agency) for agency in AGENCIES}
    assert PERSONAL_MARK not in json.dumps(view.docs[key])


def stored_docs(journeys: Journeys) -> dict[str, Doc]:
    _, docs = journeys.views.read_tagged("sharing", None)
    return dict(docs)


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**20),
    batch_size=st.integers(min_value=3, max_value=80),
)
def test_the_view_built_by_the_runner_equals_a_replay_of_each_family(
    seed: int, batch_size: int
) -> None:
    # The simulated families give, consent, share and withdraw as practice does; an auditor
    # corrects and retracts after part of the view was built.
    with simulated(seed, families=2, audits=6, batch_size=batch_size) as journeys:
        journeys.runner.catch_up()
        built = stored_docs(journeys)
        expected: dict[str, Doc] = {}
        for family_id in journeys.app.iter_family_ids():
            events = journeys.app.family_events(family_id)
            expected.update(replay(SharingProjection(), events).docs)

    assert built == expected
