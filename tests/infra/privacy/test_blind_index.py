"""The blind index, on SQLite and on PostgreSQL: a family is found by a member's name or
date of birth as normalised, follows corrections, keeps only keyed hashes, and after
erasure not one of the family's hashes is anywhere in the database's files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from pydantic import SecretStr

from domain.commands import AddMember, CorrectEntry, ErasePersonalData
from domain.values import PersonalData
from infra.bootstrap import Journeys, bootstrap
from infra.privacy.blind_index import Hasher, Match, normalise
from infra.settings import DEVELOPMENT_BLIND_INDEX_KEY, DEVELOPMENT_PSEUDONYM_SECRET, Settings
from tests.support.postgres import PostgresServer
from tests.support.shredding import (
    ADMIN,
    LEAD,
    WHEN,
    Details,
    StoreContract,
    found,
    record_family,
    scannable,
    store_files,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Zoë", "zoe"),
        ("ZOE", "zoe"),
        ("zoe", "zoe"),
        ("Zoe\u0308", "zoe"),  # the accent as a combining mark
        ("  Smith-Jones ", "smithjones"),
        ("smith jones", "smithjones"),
        ("Smith\u2013Jones", "smithjones"),  # an en dash
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),  # a typographic apostrophe
        ("Straße", "strasse"),
        ("\uff33\uff2d\uff29\uff34\uff28", "smith"),  # full-width letters
        ("Ángel\tMaría", "angelmaria"),
        ("Łukasz", "łukasz"),  # a letter of its own, not a letter with an accent
        ("St. John", "st.john"),  # other punctuation is kept
        (" - ' ", ""),
    ],
)
def test_names_are_compared_without_case_accents_spaces_hyphens_or_apostrophes(
    typed: str, stored: str
) -> None:
    assert normalise(typed) == stored


def test_a_hash_depends_on_the_key_and_on_the_kind_of_term() -> None:
    one, other = Hasher(b"one key"), Hasher(b"another key")

    assert one("family_name", "Zoë") == one("family_name", "ZOE")
    assert one("family_name", "zoe") != other("family_name", "zoe")
    assert one("family_name", "zoe") != one("given_name", "zoe")


def test_the_index_key_is_refused_at_its_default_in_production_and_must_be_its_own() -> None:
    own: dict[str, Any] = {
        "mode": "production",
        "jwt_secret": "a-production-secret-of-at-least-32-chars",
        "pseudonym_secret": "another-production-secret-for-this-test",
        "signing_key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "master_key": "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
        "blind_index_key": "a-blind-index-key-of-our-own-for-this-test",
    }
    Settings(**own)  # all of its own: accepted
    with pytest.raises(ValueError, match="JOURNEYS_BLIND_INDEX_KEY must be set"):
        Settings(**{**own, "blind_index_key": DEVELOPMENT_BLIND_INDEX_KEY})
    with pytest.raises(ValueError, match="a key of its own"):
        Settings(mode="development", blind_index_key=SecretStr(DEVELOPMENT_PSEUDONYM_SECRET))


def matched(journeys: Journeys, **terms: Any) -> list[Match]:
    journeys.blind_index.catch_up(journeys.app)
    return journeys.blind_index.find(**terms)


def member_ids(journeys: Journeys, family_id: UUID) -> tuple[UUID, UUID]:
    registered = journeys.app.family_events(family_id)[0]
    child, parent = (m.member_id for m in registered.members)  # type: ignore[attr-defined]
    return child, parent


class BlindIndexContract(StoreContract):
    """Subclasses give the settings of a store, and the server it is on (if any)."""

    def test_a_member_is_found_by_each_term_and_by_all_of_them_together(
        self, journeys: Journeys, details: Details
    ) -> None:
        family_id = record_family(journeys.app, details)
        record_family(journeys.app, Details.distinctive())  # someone else
        child, parent = member_ids(journeys, family_id)
        family_name = str(details.child.family_name)
        born = details.child.date_of_birth

        assert matched(journeys, family_name=family_name.upper()) == [
            Match(family_id, m) for m in sorted((child, parent), key=str)
        ]
        assert matched(journeys, given_name=f" {details.child.given_name} ".lower()) == [
            Match(family_id, child)
        ]
        assert matched(journeys, date_of_birth=born) == [Match(family_id, child)]
        assert matched(journeys, family_name=family_name, given_name=details.parent.given_name) == [
            Match(family_id, parent)
        ]
        # All terms on the SAME member: the parent's given name with the child's birth date
        # is no one.
        assert matched(journeys, given_name=details.parent.given_name, date_of_birth=born) == []
        assert matched(journeys, family_name=family_name[:-1]) == []  # exact, not a prefix

    def test_a_correction_replaces_the_members_term_and_a_member_who_joins_is_found(
        self, journeys: Journeys, details: Details
    ) -> None:
        family_id = record_family(journeys.app, details)
        child, _ = member_ids(journeys, family_id)
        registration = journeys.app.family_events(family_id)[0]
        born = date(2015, 5, 17)
        journeys.app.handle(
            CorrectEntry(
                family_id=family_id,
                actor=LEAD,
                occurred_at=WHEN + timedelta(days=5),
                target_entry_id=registration.entry_id,  # type: ignore[attr-defined]
                member_id=child,
                reason="wrong_detail",
                changes=(),
                personal=PersonalData(given_name="Émile", date_of_birth=born),
            )
        )
        joined = journeys.app.handle(
            AddMember(
                family_id=family_id,
                actor=LEAD,
                occurred_at=WHEN + timedelta(days=6),
                relationship="child",
                send=False,
                personal=PersonalData(given_name="Noor", family_name=details.child.family_name),
            )
        )

        assert matched(journeys, given_name=details.child.given_name) == []
        assert matched(journeys, date_of_birth=details.child.date_of_birth) == []
        assert matched(journeys, given_name="emile", date_of_birth=born) == [
            Match(family_id, child)
        ]
        # The family name was not corrected: it is still the child's.
        assert Match(family_id, child) in matched(
            journeys, family_name=details.child.family_name, given_name="EMILE"
        )
        assert matched(journeys, given_name="noor", family_name=details.child.family_name) == [
            Match(family_id, joined.ids["member_id"])
        ]

    def test_a_rebuild_finds_the_same_members(self, journeys: Journeys, details: Details) -> None:
        family_id = record_family(journeys.app, details)
        journeys.blind_index.catch_up(journeys.app)
        before = sorted(journeys.blind_index.hashes(), key=repr)
        shown: list[tuple[int, int]] = []

        position = journeys.blind_index.rebuild(
            journeys.app, progress=lambda done, total: shown.append((done, total))
        )

        assert sorted(journeys.blind_index.hashes(), key=repr) == before
        assert {r.family_id for r in before} == {family_id}
        assert position == journeys.app.position()
        assert shown[-1] == (position, position)

    def test_the_index_holds_keyed_hashes_never_the_names(
        self, journeys: Journeys, details: Details, settings: Settings, server: Any
    ) -> None:
        record_family(journeys.app, details)
        rows = matched(journeys, family_name=details.child.family_name)
        files = store_files(settings, server)
        hashes = [r.hash for r in journeys.blind_index.hashes()]

        assert rows
        assert found(files, [normalise(t).encode() for t in details.texts()[:4]]) == {}
        assert set(found(files, hashes)) == set(hashes)  # the scan sees the hashes

    def test_after_erasure_none_of_the_familys_hashes_is_in_the_files(
        self, journeys: Journeys, details: Details, settings: Settings, server: Any
    ) -> None:
        family_id = record_family(journeys.app, details)
        other = record_family(journeys.app, Details.distinctive())
        journeys.blind_index.catch_up(journeys.app)
        hashes = [r.hash for r in journeys.blind_index.hashes() if r.family_id == family_id]
        assert len(hashes) == 5  # child: three terms, parent: two
        assert set(found(store_files(settings, server), hashes)) == set(hashes)

        journeys.app.handle(
            ErasePersonalData(family_id=family_id, actor=ADMIN, reason="right_to_erasure")
        )

        assert found(store_files(settings, server), hashes) == {}
        assert {r.family_id for r in journeys.blind_index.hashes()} == {other}
        # Neither the follower nor a rebuild brings the family back.
        assert matched(journeys, family_name=details.child.family_name) == []
        journeys.blind_index.rebuild(journeys.app)
        assert {r.family_id for r in journeys.blind_index.hashes()} == {other}

    def test_an_erasure_a_process_stopped_before_finishing_is_swept_at_start(
        self, journeys: Journeys, details: Details, settings: Settings
    ) -> None:
        family_id = record_family(journeys.app, details)
        journeys.blind_index.catch_up(journeys.app)
        journeys.app.handle(
            ErasePersonalData(
                family_id=family_id, actor=ADMIN, reason="right_to_erasure", destroy_key=False
            )
        )
        assert family_id in {r.family_id for r in journeys.blind_index.hashes()}

        restarted = bootstrap(settings)
        try:
            left = {r.family_id for r in restarted.blind_index.hashes()}
        finally:
            restarted.close()

        assert family_id not in left


class TestWithSQLite(BlindIndexContract):
    @pytest.fixture
    def settings(self, tmp_path: Any) -> Settings:
        return Settings(sqlite_path=tmp_path / "j.sqlite", database_url=None, mode="development")


@pytest.mark.postgres
class TestWithPostgreSQL(BlindIndexContract):
    @pytest.fixture
    def settings(self, postgres_url: str) -> Settings:
        return Settings(database_url=postgres_url, mode="development")

    @pytest.fixture
    def server(self, postgres_server: PostgresServer) -> Iterator[PostgresServer]:
        with scannable(postgres_server) as server:
            yield server
