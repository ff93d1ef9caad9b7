"""One simulated family's journey over the years, as processes of commands.

A process is a generator that yields one command at a time (`Do`: when it occurred, how late
it is recorded, the call) and receives the command's result (the new ids). A family has a
main process that walks its episodes (request or step-down, support decision, lead
practitioner, consent, assessment, plan, reviews about every six weeks, revisions, lead
changes, information sharing, escalations, closure, re-referral) and side processes for
background contacts, members joining and leaving, follow-up evidence 6 and 12 months after
closure, and corrections and retractions of entries recorded wrongly.

Each family draws its times, codes and people from its own seeded generator; the branch
points that are calibrated to Kent (see simulation.calibration) come from the scheduler's shared
`Quotas`. Personal details are synthetic, made from small lists of obviously invented names
and streets, and only ever travel in PersonalData.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial

from domain.application import CommandResult
from domain.commands import AddMember, CorrectEntry, RegisterFamily, RemoveMember
from domain.values import PersonalData
from simulation import simulation_data as data
from simulation.episode import EpisodeSteps
from simulation.family_base import Do, Person, Process, Steps, office_hours, pick


class FamilyJourney(EpisodeSteps):
    """One family's processes. The main process walks its episodes; see the module docstring."""

    # -- the household -------------------------------------------------------------------

    def person(self, relationship: str, age: int, on: date) -> tuple[str, bool, PersonalData]:
        born = on - timedelta(days=int(age * 365.25) + self.rng.randint(0, 364))
        send = relationship == "child" and self.rng.random() < 0.15
        family_name = self.family_name
        if relationship != "child" and self.rng.random() < 0.3:
            family_name = self.rng.choice(data.FAMILY_NAMES)
        personal = PersonalData(
            given_name=self.rng.choice(data.GIVEN_NAMES),
            family_name=family_name,
            date_of_birth=born,
            address=self.address,
        )
        return relationship, send, personal

    def household(self, on: date) -> tuple[tuple[str, bool, PersonalData], ...]:
        adults = [self.person("parent_carer", self.rng.randint(20, 50), on)]
        if self.rng.random() < 0.55:
            second = "parent_carer" if self.rng.random() < 0.9 else "other_adult"
            adults.append(self.person(second, self.rng.randint(20, 55), on))
        count = self.rng.choices((1, 2, 3), weights=(40, 35, 25))[0]
        children = [self.person("child", self.rng.randint(0, 17), on) for _ in range(count)]
        return (*adults, *children)

    def register(self, at: datetime) -> Steps[CommandResult]:
        members = self.household(at.date())
        command = RegisterFamily(
            actor=self.front_door, occurred_at=at, area=self.area, members=members
        )
        call = partial(self.app.handle, command)
        result = yield Do(at, self.lag(), call)
        self.family_id = result.family_id
        self.sim.registered()
        for n, (relationship, send, personal) in enumerate(members):
            member_id = result.ids[f"member_id_{n}"]
            self.people.append(Person(member_id, relationship, send, personal, stays=True))
        return result

    def member_changes(self, registered: CommandResult, at: datetime) -> None:
        """Children grow up and leave, a second adult may move out, a baby may arrive, and a
        name may have been misspelt at registration."""
        for n, person in enumerate(self.people):
            born = person.personal.date_of_birth
            assert born is not None
            if person.relationship == "child":
                limit = 25 if person.send else 19
                leaves = datetime(
                    born.year + limit, born.month, min(born.day, 28), tzinfo=at.tzinfo
                )
                if leaves <= self.sim.end:
                    person.stays = False
                    when = office_hours(max(leaves, at + timedelta(days=1)), self.rng)
                    self.spawn(
                        when, RemoveMember, member_id=person.member_id, reason="turned_adult"
                    )
            elif n == 1 and self.rng.random() < 0.08:
                person.stays = False
                self.spawn(
                    self.later(at, 60, 1000),
                    RemoveMember,
                    member_id=person.member_id,
                    reason="moved_out",
                )
        if self.rng.random() < 0.06:
            born_on = self.later(at, 60, 1000)
            baby = PersonalData(
                given_name=self.rng.choice(data.GIVEN_NAMES),
                family_name=self.family_name,
                date_of_birth=born_on.date(),
                address=self.address,
            )
            self.spawn(born_on, AddMember, relationship="child", send=False, personal=baby)
        if self.rng.random() < 0.03:
            # A child's name was recorded wrongly at registration, and is put right.
            n, person = next((n, p) for n, p in enumerate(self.people) if p.relationship == "child")
            others = [g for g in data.GIVEN_NAMES if g != person.personal.given_name]
            person.personal = replace(person.personal, given_name=self.rng.choice(others))
            self.spawn(
                self.later(at, 1, 30),
                CorrectEntry,
                target_entry_id=registered.ids["entry_id"],
                reason="wrong_detail",
                member_id=person.member_id,
                personal=person.personal,
            )

    # -- processes -----------------------------------------------------------------------

    def main(self) -> Process:
        at = self.arrival
        registered = yield from self.register(at)
        self.member_changes(registered, at)  # first: it marks who leaves before the end
        self.sim.spawn(self.background(at))
        model = self.sim.model
        first = self.sim.quotas.first_episode.choose(
            {
                "contacts_only": model.contact_only,
                "step_down": model.first_step_down,
                "request": 1 - model.contact_only - model.first_step_down,
            }
        )
        if first == "contacts_only":
            return
        origin = first
        at = self.later(at, 7, 90) if origin == "request" else self.later(at, 0, 30)
        while True:
            at, reason = yield from self.episode(at, origin)
            if reason == "step_up":
                if not self.sim.quotas.step_down.chance(model.step_down_after_step_up):
                    return
                at, origin = self.later(at, 90, 270), "step_down"
                continue
            if reason == "moved_away":
                return
            within = model.rereferral_within_year
            again = self.sim.quotas.rereferral.choose(
                {
                    "within_a_year": within,
                    "later": (1 - within) * model.rereferral_later,
                    "no": (1 - within) * (1 - model.rereferral_later),
                }
            )
            if again == "no":
                return
            if again == "within_a_year":  # sooner more often than later
                days = round(self.rng.triangular(21, 340, 40))
                at = self.later(at, days, days)
            else:
                at = self.later(at, 380, 800)
            origin = "request"

    def background(self, at: datetime) -> Process:
        """Contacts from many services, in and out of episodes, about three a year."""
        while True:
            at = self.later(at, 10, 240)
            agency = pick(self.rng, data.CONTACT_AGENCIES)
            yield from self.contact(at, agency, reason=pick(self.rng, data.BACKGROUND_REASONS))
