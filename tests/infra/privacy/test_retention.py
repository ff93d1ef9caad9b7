"""The retention schedule: which families are due, by which rule and on which day; a dry run
lists them and changes nothing; a run erases only those due and not under a legal hold,
as the system, naming the rule; `journeys retention run` shows it all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from domain.commands import (
    AddMember,
    CorrectEntry,
    LiftLegalHold,
    PlaceLegalHold,
    RecordContact,
    RegisterFamily,
    RequestSupport,
)
from domain.family import Family
from domain.values import PersonalData
from infra.bootstrap import Journeys, bootstrap
from infra.privacy.retention import anniversary, decide, run_retention
from infra.settings import RetentionSchedule, Settings
from tests.support.shredding import ADMIN, LEAD

TODAY = date(2025, 6, 1)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LONG_AGO = datetime(2018, 1, 10, 10, 0, tzinfo=UTC)
YEARS_AGO = datetime(2014, 3, 1, 10, 0, tzinfo=UTC)
RECENTLY = NOW - timedelta(days=30)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Store:
    journeys: Journeys
    clock: Clock
    families: dict[str, UUID]
    hold_id: UUID


def register(
    journeys: Journeys, clock: Clock, *, born: date | None, episode: bool, at: datetime
) -> UUID:
    """A family registered (and recorded) at `at`: its child born on `born`; then either a
    request for support, or only a contact."""
    app = journeys.app
    clock.now = at + timedelta(hours=2)
    family_id = app.handle(
        RegisterFamily(
            actor=LEAD,
            occurred_at=at,
            area="strood",
            members=(
                ("child", False, PersonalData(given_name="Ada", date_of_birth=born)),
                ("parent_carer", False, PersonalData(given_name="Bea")),
            ),
        )
    ).family_id
    if episode:
        app.handle(
            RequestSupport(
                family_id=family_id, actor=LEAD, occurred_at=at + timedelta(hours=1), source="3A"
            )
        )
    else:
        app.handle(
            RecordContact(
                family_id=family_id,
                actor=LEAD,
                occurred_at=at + timedelta(hours=1),
                agency="school",
                channel="phone",
                reason="concern",
                personal=PersonalData(notes="a note"),
            )
        )
    clock.now = NOW
    return family_id


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Six families, each standing differently against the default schedule on TODAY."""
    clock = Clock()
    settings = Settings(sqlite_path=tmp_path / "j.sqlite", database_url=None, mode="development")
    journeys = bootstrap(settings, clock=clock)
    j, c = journeys, clock
    families = {
        "grown_up": register(j, c, born=date(1999, 5, 1), episode=True, at=YEARS_AGO),
        "young": register(j, c, born=date(2010, 2, 3), episode=True, at=RECENTLY),
        "old_contacts": register(j, c, born=date(2012, 4, 2), episode=False, at=LONG_AGO),
        "held": register(j, c, born=date(1998, 1, 1), episode=True, at=YEARS_AGO),
        "new_contacts": register(j, c, born=date(2015, 1, 1), episode=False, at=RECENTLY),
        "no_birth_date": register(j, c, born=None, episode=True, at=RECENTLY),
    }
    hold = journeys.app.handle(
        PlaceLegalHold(
            family_id=families["held"], actor=ADMIN, reason="public_inquiry", reference="IICSA-2015"
        )
    )
    yield Store(journeys, clock, families, hold.ids["hold_id"])
    journeys.close()


def names(store: Store, decisions: Any) -> set[str]:
    by_id = {v: k for k, v in store.families.items()}
    return {by_id[d.family_id] for d in decisions}


def test_a_dry_run_lists_the_families_due_and_changes_nothing(store: Store) -> None:
    app = store.journeys.app
    before = app.position()

    report = run_retention(app, store.journeys.keys, RetentionSchedule(), today=TODAY, dry_run=True)

    assert names(store, report.due) == {"grown_up", "old_contacts"}
    assert names(store, report.held) == {"held"}
    assert report.erased == []
    assert (report.checked, report.not_due, report.already_erased) == (6, 3, 0)
    rules = {d.family_id: (d.rule, d.due_on) for d in (*report.due, *report.held)}
    assert rules[store.families["grown_up"]] == (
        "episode: youngest child's birthday at 25",
        date(2024, 5, 1),
    )
    assert rules[store.families["old_contacts"]] == (
        "contact only: 6 years after the last entry",
        date(2024, 1, 10),
    )
    held = next(d for d in report.held)
    assert held.holds == (str(store.hold_id),)
    assert app.position() == before
    grown_up = app.family_events(store.families["grown_up"])
    assert grown_up[0].members[0].personal.given_name == "Ada"  # type: ignore[attr-defined]


def test_a_run_erases_only_the_families_due_and_not_held(store: Store) -> None:
    app = store.journeys.app

    report = run_retention(
        app, store.journeys.keys, RetentionSchedule(), today=TODAY, dry_run=False
    )

    assert names(store, report.erased) == {"grown_up", "old_contacts"}
    assert names(store, report.held) == {"held"}
    for name, family_id in store.families.items():
        events = app.family_events(family_id)
        registered = events[0]
        assert isinstance(registered, Family.Registered)
        erased = name in {"grown_up", "old_contacts"}
        assert registered.members[0].personal.erased is erased, name
        if erased:
            erasure = events[-1]
            assert isinstance(erasure, Family.PersonalDataErased)
            assert erasure.actor.user_id == "system:retention"
            assert (
                erasure.reason
                == {"grown_up": "retention_episode", "old_contacts": "retention_contact_only"}[name]
            )
            assert store.journeys.keys is not None
            row = store.journeys.keys.table.get(str(family_id))
            assert row is not None
            assert row.wrapped is None
    assert all(p.complete for p in report.purges)

    again = run_retention(app, store.journeys.keys, RetentionSchedule(), today=TODAY, dry_run=False)

    assert (again.erased, again.already_erased) == ([], 2)


def test_a_lifted_hold_lets_the_next_run_erase(store: Store) -> None:
    app = store.journeys.app
    app.handle(
        LiftLegalHold(
            family_id=store.families["held"],
            actor=ADMIN,
            hold_id=store.hold_id,
            reason="proceedings_concluded",
        )
    )

    report = run_retention(
        app, store.journeys.keys, RetentionSchedule(), today=TODAY, dry_run=False
    )

    assert names(store, report.erased) == {"grown_up", "old_contacts", "held"}
    assert report.held == []


def test_the_schedule_is_configurable_per_kind_of_record(store: Store) -> None:
    schedule = RetentionSchedule.model_validate(
        {
            "episode": {"until_youngest_child_age": 14},
            "contact_only": {"years_after_last_entry": 10},
        }
    )

    report = run_retention(
        store.journeys.app, store.journeys.keys, schedule, today=TODAY, dry_run=True
    )

    assert names(store, report.due) == {"grown_up", "young"}  # 14th birthdays passed
    assert names(store, report.held) == {"held"}


def test_settings_read_the_schedule_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNEYS_RETENTION", '{"contact_only": {"years_after_last_entry": 7}}')

    schedule = Settings(mode="development").retention

    assert schedule.contact_only.years_after_last_entry == 7
    assert schedule.episode.until_youngest_child_age == 25  # the default, kept


def test_the_youngest_child_counts_and_a_corrected_birth_date_wins(store: Store) -> None:
    app = store.journeys.app
    family_id = store.families["grown_up"]
    baby = app.handle(
        AddMember(
            family_id=family_id,
            actor=LEAD,
            occurred_at=NOW - timedelta(days=1),
            relationship="child",
            send=True,  # 22: a child member with special educational needs or disabilities
            personal=PersonalData(given_name="Cy", date_of_birth=date(2003, 3, 3)),
        )
    )
    schedule = RetentionSchedule()
    with_baby = decide(app.events.get(family_id), schedule)
    app.handle(
        CorrectEntry(
            family_id=family_id,
            actor=LEAD,
            occurred_at=NOW - timedelta(hours=1),
            target_entry_id=baby.ids["entry_id"],
            member_id=baby.ids["member_id"],
            reason="wrong_detail",
            personal=PersonalData(date_of_birth=date(2004, 4, 4)),
        )
    )
    corrected = decide(app.events.get(family_id), schedule)

    assert with_baby.due_on == date(2028, 3, 3)
    assert corrected.due_on == date(2029, 4, 4)


def test_without_a_childs_birth_date_an_episode_is_kept_years_after_the_last_entry(
    store: Store,
) -> None:
    decision = decide(
        store.journeys.app.events.get(store.families["no_birth_date"]), RetentionSchedule()
    )

    assert decision.rule == "episode: 25 years after the last entry (a date of birth unknown)"
    assert decision.due_on == anniversary(RECENTLY.date(), 25)


def test_a_birthday_on_29_february_is_reached_on_1_march() -> None:
    assert anniversary(date(2000, 2, 29), 25) == date(2025, 3, 1)
    assert anniversary(date(2000, 2, 29), 24) == date(2024, 2, 29)


def test_the_command_lists_with_a_dry_run_and_applies_without(store: Store, tmp_path: Path) -> None:
    settings = store.journeys.settings
    env = {
        "JOURNEYS_SQLITE_PATH": str(settings.sqlite_path),
        "JOURNEYS_DATABASE_URL": "",
        "JOURNEYS_MODE": "development",
        "COLUMNS": "200",
    }
    grown_up, held = str(store.families["grown_up"]), str(store.families["held"])

    listed = CliRunner().invoke(
        cli, ["retention", "run", "--dry-run", "--as-of", "2025-06-01"], env=env
    )
    refused = CliRunner().invoke(cli, ["retention", "run", "--as-of", "2025-06-01"], env=env)

    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert any(
        grown_up in line
        and "youngest child's birthday at 25" in line
        and "2024-05-01" in line
        and "would be erased" in line
        for line in lines
    ), listed.stdout
    assert any(held in line and f"held: {store.hold_id}" in line for line in lines)
    assert "6 families checked: 2 due, 2 would be erased, 1 held" in listed.stdout
    assert "Ada" not in listed.stdout
    assert refused.exit_code == 2
    assert "--as-of only lists" in refused.stderr
