"""Research pseudonyms: stable under one secret, unlinkable across secrets, never the id."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.bootstrap import bootstrap
from infra.privacy.pseudonyms import Pseudonyms
from infra.settings import Settings

ids = st.uuids()


@given(ids)
def test_a_family_keeps_its_pseudonym_under_one_secret(family_id: UUID) -> None:
    assert Pseudonyms("s1").of(family_id) == Pseudonyms("s1").of(family_id)


@given(ids)
def test_another_secret_gives_another_pseudonym(family_id: UUID) -> None:
    assert Pseudonyms("s1").of(family_id) != Pseudonyms("s2").of(family_id)


@given(ids)
def test_the_pseudonym_carries_no_part_of_the_family_id(family_id: UUID) -> None:
    pseudonym = Pseudonyms("s1").of(family_id)
    assert pseudonym.startswith("p-")
    assert len(pseudonym) == 34
    for text in (family_id.hex, str(family_id)):
        assert text not in pseudonym
        assert text[:8] not in pseudonym


def test_different_families_get_different_pseudonyms() -> None:
    pseudonyms = Pseudonyms("s1")
    families = [uuid4() for _ in range(5000)]
    assert len({pseudonyms.of(f) for f in families}) == len(families)


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        Pseudonyms("")


def test_production_refuses_the_development_pseudonym_secret() -> None:
    with pytest.raises(ValueError, match="JOURNEYS_PSEUDONYM_SECRET"):
        Settings(mode="production", jwt_secret="x" * 40)


def test_every_process_built_from_one_setting_gives_the_same_pseudonyms(tmp_path: Path) -> None:
    family_id = uuid4()
    made = []
    for secret in ("one-secret", "one-secret", "another-secret"):
        settings = Settings(
            sqlite_path=tmp_path / "j.sqlite", database_url=None, pseudonym_secret=secret
        )
        journeys = bootstrap(settings)
        try:
            made.append(journeys.pseudonyms.of(family_id))
        finally:
            journeys.close()
    assert made[0] == made[1] != made[2]
