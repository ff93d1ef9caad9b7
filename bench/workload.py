"""A deterministic, realistic command mix, and the drivers that send it to the application.

Each family follows a script: registration, contacts from several services, a request for
support, agreement, a lead practitioner, consent, an assessment, a plan, reviews with more
contacts between them, information sharing, outcome evidence and a closure; about a third
are re-referred and go round a second time. Scripts are generators: they yield the next
command and receive its result, since later commands name ids made by earlier ones.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.application import CommandResult, JourneysApplication
from domain.commands import (
    AgreePlan,
    AssignLeadPractitioner,
    CloseEpisode,
    Command,
    CompleteAssessment,
    DecideSupport,
    EvidenceOutcome,
    GiveConsent,
    HoldReview,
    NewAction,
    NewOutcome,
    RecordContact,
    RegisterFamily,
    RequestSupport,
    ShareInformation,
    StartAssessment,
)
from domain.values import Actor, OutcomeProgress, OutcomeStatus, PersonalData

ACTOR = Actor(user_id="bench-practitioner-0042", role="lead_practitioner", agency="early_help")
AREAS = ("gillingham", "luton_and_rainham", "strood", "chatham")
CONTACT_AGENCIES = ("school", "health_visiting", "gp", "police", "housing", "early_help")
CHANNELS = ("face_to_face", "home_visit", "phone", "video", "email", "meeting")
CONTACT_REASONS = ("concern", "information", "check_in", "plan_action", "attendance")
SOURCES = ("1A", "1B", "2A", "3A", "5D")
OUTCOMES = ("good_education", "health", "family_relationships", "domestic_abuse", "crime")
NOTES = (
    "Mum says the morning routine is better since the school started the breakfast club; "
    "older child still anxious about the bus. Agreed to call again next week."
)


@dataclass(frozen=True)
class Call:
    """One command: its class and its fields."""

    command: type[Command]
    kwargs: dict[str, Any]


Script = Generator[Call, CommandResult, None]


def family_script(rng: random.Random, start: datetime) -> Script:
    """One family's journey, one command at a time, a day or so apart."""
    clock = start

    def at() -> datetime:
        nonlocal clock
        clock += timedelta(hours=rng.randint(6, 60))
        return clock

    members = (
        (
            "parent_carer",
            False,
            PersonalData("Sam", "Okafor", start.date() - timedelta(days=12000), "4 Mill Lane"),
        ),
        ("child", False, PersonalData("Ada", "Okafor", start.date() - timedelta(days=3100))),
        (
            "child",
            rng.random() < 0.2,
            PersonalData("Ben", "Okafor", start.date() - timedelta(days=1500)),
        ),
    )[: rng.randint(2, 3)]
    registered = yield Call(
        RegisterFamily,
        {"actor": ACTOR, "occurred_at": at(), "area": rng.choice(AREAS), "members": members},
    )
    family_id = registered.family_id
    member_ids = tuple(registered.ids[f"member_id_{n}"] for n in range(len(members)))
    common: dict[str, Any] = {"family_id": family_id, "actor": ACTOR}

    def contact() -> Call:
        notes = PersonalData(notes=NOTES) if rng.random() < 0.5 else None
        return Call(
            RecordContact,
            {
                **common,
                "occurred_at": at(),
                "agency": rng.choice(CONTACT_AGENCIES),
                "channel": rng.choice(CHANNELS),
                "reason": rng.choice(CONTACT_REASONS),
                "member_ids": member_ids[1:],
                "personal": notes,
            },
        )

    for _ in range(rng.randint(2, 4)):
        yield contact()
    for _episode in range(2 if rng.random() < 0.35 else 1):
        yield Call(RequestSupport, {**common, "occurred_at": at(), "source": rng.choice(SOURCES)})
        yield Call(DecideSupport, {**common, "occurred_at": at(), "agreed": True})
        yield Call(
            AssignLeadPractitioner,
            {
                **common,
                "occurred_at": at(),
                "practitioner_id": "bench-practitioner-0042",
                "agency": "early_help",
            },
        )
        yield Call(
            GiveConsent,
            {
                **common,
                "occurred_at": at(),
                "given_by": member_ids[0],
                "agencies": ("school", "health_visiting", "gp"),
                "purposes": ("coordinating_support", "plan_delivery"),
            },
        )
        started = yield Call(StartAssessment, {**common, "occurred_at": at()})
        yield Call(
            CompleteAssessment,
            {
                **common,
                "occurred_at": at(),
                "assessment_id": started.ids["assessment_id"],
                "level_of_need": rng.choice(("universal_plus", "partnership_plus")),
                "needs": ("good_education", "family_relationships"),
                "strengths": ("health",),
                "factors": ("1A", "3A"),
                "personal": PersonalData(notes=NOTES),
            },
        )
        headlines = rng.sample(OUTCOMES, rng.randint(1, 3))
        target = (clock + timedelta(days=180)).date()
        planned = yield Call(
            AgreePlan,
            {
                **common,
                "occurred_at": at(),
                "outcomes": tuple(NewOutcome(h, target) for h in headlines),
                "actions": tuple(NewAction(n, "school", target) for n in range(len(headlines))),
            },
        )
        plan_id = planned.ids["plan_id"]
        outcome_ids = [planned.ids[f"outcome_id_{n}"] for n in range(len(headlines))]
        for _review in range(rng.randint(2, 3)):
            for _ in range(rng.randint(2, 4)):
                yield contact()
            yield Call(
                HoldReview,
                {
                    **common,
                    "occurred_at": at(),
                    "plan_id": plan_id,
                    "progress": tuple(OutcomeProgress(o, "some_progress") for o in outcome_ids),
                    "decision": "continue",
                    "attendees": ("early_help", "school"),
                },
            )
        yield Call(
            ShareInformation,
            {
                **common,
                "occurred_at": at(),
                "with_agency": "school",
                "categories": ("plan", "review"),
                "purpose": "plan_delivery",
                "lawful_basis": "consent",
            },
        )
        yield Call(
            EvidenceOutcome,
            {
                **common,
                "occurred_at": at(),
                "headline_outcome": "good_education",
                "measure": "attendance_percent",
                "value": Decimal("93.5"),
                "period_start": (clock - timedelta(days=90)).date(),
                "period_end": clock.date(),
                "source": "school",
            },
        )
        yield Call(
            CloseEpisode,
            {
                **common,
                "occurred_at": at(),
                "reason": "outcomes_met",
                "outcome_statuses": tuple(OutcomeStatus(o, "achieved") for o in outcome_ids),
            },
        )
        for _ in range(rng.randint(1, 2)):
            yield contact()


def scripts(*, families: int, seed: int) -> list[Script]:
    """The same families, command for command, for a given seed."""
    # Far enough back for two episodes of about 40 commands, a day or two apart.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=400)
    return [family_script(random.Random(seed * 100_003 + n), start) for n in range(families)]


def commands(app: JourneysApplication, family_scripts: list[Script]) -> Iterator[CommandResult]:
    """Run the scripts' commands on `app`, taken round-robin across families as many
    practitioners would send them: each `next()` runs exactly one command."""
    queue: deque[tuple[Script, CommandResult | None]] = deque((s, None) for s in family_scripts)
    while queue:
        script, previous = queue.popleft()
        try:
            call = script.send(previous) if previous is not None else next(script)
        except StopIteration:
            continue
        result = app.handle(call.command(**call.kwargs))
        queue.append((script, result))
        yield result


@dataclass(frozen=True)
class Timing:
    commands: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds if self.seconds > 0 else 0.0


def drive(
    app: JourneysApplication, family_scripts: list[Script], *, batch_size: int | None
) -> Timing:
    """Send every command to `app`: one transaction each, or `batch_size` per transaction."""
    count = 0
    results = commands(app, family_scripts)
    began = time.perf_counter()
    if batch_size is None:
        for _result in results:
            count += 1
    else:
        done = False
        while not done:
            with app.batch():
                for _n in range(batch_size):
                    if next(results, None) is None:
                        done = True
                        break
                    count += 1
    return Timing(count, time.perf_counter() - began)
