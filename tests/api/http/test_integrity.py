"""Tamper evidence through the API and the command line: GET /families/{id}/integrity,
`journeys verify` and `journeys checkpoint`, against a store altered behind their back."""

from __future__ import annotations

import base64
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from domain.commands import RecordContact, RegisterFamily
from domain.values import Actor, PersonalData
from infra.bootstrap import bootstrap
from infra.settings import Settings
from infra.store.chain import GENESIS, link_events
from infra.store.chain_store import stored_rows
from infra.tokens import ROLES
from tests.support.api import Auth
from tests.support.cli import run

CONTACT = {
    "occurred_at": "2025-01-07T10:00:00Z",
    "agency": "school",
    "channel": "phone",
    "reason": "concern",
    "notes": "Ada was upset at drop-off",
}
CHECKERS = ("qa_officer", "admin")
OTHER_KEY = base64.b64encode(bytes(range(32))).decode()


def tamper(path: Path, statement: str, *params: Any) -> None:
    """Change the SQLite store directly, as someone with the file could."""
    with sqlite3.connect(path) as db:
        db.execute(statement, params)


def flip_state(path: Path, stream_id: str, version: int) -> None:
    with sqlite3.connect(path) as db:
        [(state,)] = db.execute(
            "SELECT state FROM stored_events WHERE originator_id = ? AND originator_version = ?",
            (UUID(stream_id).hex, version),
        ).fetchall()
        changed = bytearray(state)
        changed[len(changed) // 2] ^= 0x01
        db.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (bytes(changed), UUID(stream_id).hex, version),
        )


# -- GET /families/{family_id}/integrity ---------------------------------------------------


@pytest.mark.parametrize("role", CHECKERS)
def test_an_intact_family_verifies(
    client: TestClient, auth: Auth, family: dict[str, str], role: str
) -> None:
    family_id = family["family_id"]
    client.post(f"/families/{family_id}/contacts", json=CONTACT, headers=auth("practitioner"))

    answer = client.get(f"/families/{family_id}/integrity", headers=auth(role))

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["family_id"] == family_id
    assert (body["verified"], body["status"], body["events"]) == (True, "verified", 2)
    assert body["head"]["version"] == 2
    assert len(body["head"]["hash"]) == 64
    assert body["first_mismatch"] is None
    assert "Ada" not in answer.text  # it reads stored bytes, and shows none of them


def test_a_tampered_family_names_the_first_event_that_does_not_match(
    client: TestClient, auth: Auth, family: dict[str, str], settings: Settings
) -> None:
    family_id = family["family_id"]
    headers = auth("practitioner")
    contact = client.post(f"/families/{family_id}/contacts", json=CONTACT, headers=headers)
    client.post(f"/families/{family_id}/contacts", json=CONTACT, headers=headers)
    before = client.get(f"/families/{family_id}/integrity", headers=auth("qa_officer")).json()

    tamper(
        settings.sqlite_path,
        "UPDATE journeys_chain SET hash = zeroblob(32) "
        "WHERE originator_id = ? AND originator_version = 2",
        UUID(family_id).hex,
    )
    answer = client.get(f"/families/{family_id}/integrity", headers=auth("qa_officer"))

    assert answer.status_code == 200
    body = answer.json()
    assert (body["verified"], body["status"], body["events"]) == (False, "tampered", 3)
    assert body["first_mismatch"]["version"] == 2
    assert body["first_mismatch"]["reason"] == "chain_row_changed"
    assert body["first_mismatch"]["entry_id"] == contact.json()["entry_id"]
    assert body["head"] == before["head"]  # the events themselves are as they were

    flip_state(settings.sqlite_path, family_id, 1)
    body = client.get(f"/families/{family_id}/integrity", headers=auth("admin")).json()
    assert (body["first_mismatch"]["version"], body["first_mismatch"]["reason"]) == (
        1,
        "content_changed",
    )
    assert body["head"] != before["head"]


def test_an_unknown_family_is_not_found(client: TestClient, auth: Auth) -> None:
    answer = client.get(f"/families/{uuid4()}/integrity", headers=auth("qa_officer"))

    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


@pytest.mark.parametrize("role", sorted(set(ROLES) - set(CHECKERS)))
def test_other_roles_are_refused(
    client: TestClient, auth: Auth, family: dict[str, str], role: str
) -> None:
    answer = client.get(f"/families/{family['family_id']}/integrity", headers=auth(role))

    assert answer.status_code == 403
    assert answer.json()["error"] == "forbidden"


# -- journeys verify and journeys checkpoint -------------------------------------------------


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A store of this test's own with a small demo in it."""
    env = {
        "JOURNEYS_SQLITE_PATH": str(tmp_path / "journeys.sqlite"),
        "JOURNEYS_DATABASE_URL": "",
        "JOURNEYS_MODE": "development",
    }
    code, out, _ = run(env, "demo", "--families", "6", "--years", "0.5", "--seed", "5")
    assert code == 0, out
    return env


def verify(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run(env, "verify", "--json", *args)
    assert out, err
    return code, json.loads(out)


def families(env: dict[str, str]) -> list[str]:
    journeys = bootstrap(Settings(sqlite_path=Path(env["JOURNEYS_SQLITE_PATH"]), database_url=None))
    try:
        return [str(f) for f in journeys.app.iter_family_ids()]
    finally:
        journeys.close()


def test_verify_says_an_untouched_store_is_intact(env: dict[str, str]) -> None:
    code, report = verify(env)

    assert code == 0
    assert report["ok"] is True
    assert (report["streams"], report["verified"], report["not_chained"]) == (6, 6, 0)
    assert report["tampered"] == []
    code, out, _ = run(env, "verify")
    assert code == 0
    assert "verified: 6 streams; tampered: 0" in out
    assert out.strip().endswith("OK")


def test_verify_names_a_tampered_event_and_exits_one(env: dict[str, str]) -> None:
    family_id = families(env)[2]
    flip_state(Path(env["JOURNEYS_SQLITE_PATH"]), family_id, 3)

    code, report = verify(env)

    assert code == 1
    assert report["ok"] is False
    assert [(t["stream_id"], t["version"], t["reason"]) for t in report["tampered"]] == [
        (family_id, 3, "content_changed")
    ]
    code, out, _ = run(env, "verify")
    assert code == 1
    assert family_id in out
    assert "FAILED" in out


def test_an_older_checkpoint_verifies_after_more_writes_and_fails_after_tampering(
    env: dict[str, str], tmp_path: Path
) -> None:
    checkpoint = tmp_path / "checkpoint.json"
    code, out, _ = run(env, "checkpoint", "--out", str(checkpoint))
    assert code == 0, out
    document = json.loads(checkpoint.read_text())
    code, key, _ = run(env, "checkpoint", "--public-key")
    assert (code, key.strip()) == (0, document["public_key"])
    assert document["streams"] == 6
    chosen = families(env)[0]
    assert chosen in document["heads"]

    # More events, and more families, after the checkpoint.
    more_writes(env, chosen)
    code, report = verify(env, "--checkpoint", str(checkpoint))
    assert code == 0
    assert report["checkpoint"]["problems"] == []
    assert report["streams"] == 7

    # Rewrite an event before the checkpoint, and its chain row with it: the chain alone
    # is consistent again; the checkpoint is not fooled.
    flip_state(Path(env["JOURNEYS_SQLITE_PATH"]), chosen, 1)
    reseal(env, chosen)
    code, report = verify(env)
    assert code == 0
    code, report = verify(env, "--checkpoint", str(checkpoint))
    assert code == 1
    assert [(p["stream_id"], p["reason"]) for p in report["checkpoint"]["problems"]] == [
        (chosen, "rewritten")
    ]


def test_a_checkpoint_altered_or_signed_by_another_key_is_refused(
    env: dict[str, str], tmp_path: Path
) -> None:
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    assert run(env, "checkpoint", "--out", str(mine))[0] == 0
    assert (
        run({**env, "JOURNEYS_SIGNING_KEY": OTHER_KEY}, "checkpoint", "--out", str(theirs))[0] == 0
    )

    document = json.loads(mine.read_text())
    first = next(iter(document["heads"]))
    document["heads"][first]["version"] += 1
    mine.write_text(json.dumps(document))
    code, _, err = run(env, "verify", "--checkpoint", str(mine))
    assert code == 1
    assert "altered" in err

    code, _, err = run(env, "verify", "--checkpoint", str(theirs))
    assert code == 1
    assert "not by the trusted key" in err
    other_public = run({**env, "JOURNEYS_SIGNING_KEY": OTHER_KEY}, "checkpoint", "--public-key")[1]
    code, _, _ = run(
        env, "verify", "--checkpoint", str(theirs), "--public-key", other_public.strip()
    )
    assert code == 0


def test_no_checkpoint_is_written_over_a_tampered_store(
    env: dict[str, str], tmp_path: Path
) -> None:
    flip_state(Path(env["JOURNEYS_SQLITE_PATH"]), families(env)[1], 2)

    code, _, err = run(env, "checkpoint", "--out", str(tmp_path / "checkpoint.json"))

    assert code == 1
    assert "no checkpoint written" in err
    assert not (tmp_path / "checkpoint.json").exists()


def test_production_refuses_chaining_off_and_the_development_signing_key() -> None:
    secrets: dict[str, Any] = {
        "jwt_secret": "a-long-secret-of-our-own-for-this-test-only",
        "pseudonym_secret": "another-secret-of-our-own-for-this-test",
    }
    with pytest.raises(ValueError, match="JOURNEYS_SIGNING_KEY"):
        Settings(mode="production", **secrets)
    with pytest.raises(ValueError, match="JOURNEYS_HASH_CHAIN"):
        Settings(mode="production", signing_key=OTHER_KEY, hash_chain=False, **secrets)
    with pytest.raises(ValueError, match="seed has 32"):
        Settings(signing_key=base64.b64encode(b"too short").decode())


def more_writes(env: dict[str, str], family_id: str) -> None:
    journeys = bootstrap(Settings(sqlite_path=Path(env["JOURNEYS_SQLITE_PATH"]), database_url=None))
    try:
        actor = Actor("practitioner-1", "practitioner", "early_help")
        now = datetime.now(UTC)
        journeys.app.handle(
            RecordContact(
                family_id=UUID(family_id),
                actor=actor,
                occurred_at=now,
                agency="school",
                channel="phone",
                reason="concern",
            )
        )
        journeys.app.handle(
            RegisterFamily(
                actor=actor,
                occurred_at=now,
                area="chatham",
                members=(("child", False, PersonalData(given_name="Ada")),),
            )
        )
    finally:
        journeys.close()


def reseal(env: dict[str, str], family_id: str) -> None:
    """Recompute a stream's chain rows to fit its events, as a DBA could."""
    with sqlite3.connect(env["JOURNEYS_SQLITE_PATH"]) as db:
        key = UUID(family_id).hex
        rows = db.execute(
            "SELECT originator_version, topic, state, rowid FROM stored_events "
            "WHERE originator_id = ? ORDER BY originator_version",
            (key,),
        ).fetchall()
        db.execute("DELETE FROM journeys_chain WHERE originator_id = ?", (key,))
        for link in link_events(UUID(family_id), GENESIS, stored_rows(rows)):
            db.execute(
                "INSERT INTO journeys_chain VALUES (?, ?, ?, ?)",
                (key, link.version, link.digest, link.hash),
            )
