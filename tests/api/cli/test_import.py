"""`journeys import`: a file of commands, each good line applied once, each bad line
reported with its reason, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from infra.bootstrap import bootstrap
from infra.settings import Settings
from tests.support.cli import run

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "import.jsonl"
ACTOR = {"user_id": "early-help-01", "role": "practitioner", "agency": "early_help"}


@pytest.fixture(params=["sqlite", "postgres"])
def store_env(request: pytest.FixtureRequest, env: dict[str, str]) -> dict[str, str]:
    if request.param == "postgres":
        return {**env, "JOURNEYS_DATABASE_URL": request.getfixturevalue("postgres_url")}
    return env


def events_per_family(env: dict[str, str]) -> dict[UUID, list[str]]:
    """Each family's entries (event class names), oldest first."""
    settings = Settings(
        sqlite_path=Path(env["JOURNEYS_SQLITE_PATH"]),
        database_url=env["JOURNEYS_DATABASE_URL"] or None,
        mode="development",
    )
    journeys = bootstrap(settings)
    try:
        app = journeys.app
        return {
            family_id: [type(event).__name__ for event in app.family_events(family_id)]
            for family_id in app.iter_family_ids()
        }
    finally:
        journeys.close()


def line(command: str, line_id: str, **fields: object) -> str:
    return json.dumps({"command": command, "id": line_id, "actor": ACTOR, **fields})


def contact(line_id: str, family: str, at: str = "2024-02-06T14:00:00Z", **more: object) -> str:
    fields = {"agency": "early_help", "channel": "phone", "reason": "check_in", **more}
    return line("RecordContact", line_id, occurred_at=at, family_id=family, **fields)


def registration(line_id: str) -> str:
    members = [{"relationship": r, "send": False} for r in ("parent_carer", "child")]
    return line(
        "RegisterFamily",
        line_id,
        occurred_at="2024-02-05T10:00:00Z",
        area="strood",
        members=members,
    )


def test_the_example_file_imports_and_a_rerun_adds_nothing(store_env: dict[str, str]) -> None:
    code, out, _ = run(store_env, "import", str(EXAMPLE))
    assert code == 0, out
    assert "12 lines applied" in out
    first = events_per_family(store_env)
    assert sorted(len(events) for events in first.values()) == [4, 8]

    code, out, _ = run(store_env, "import", str(EXAMPLE))
    assert code == 0, out
    assert "0 lines applied, 12 applied before" in out
    assert events_per_family(store_env) == first


def test_bad_lines_are_reported_and_only_the_good_lines_are_applied(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    family = "@f-1.family_id"
    lines = [
        registration("f-1"),  # 1
        contact("f-2", family),  # 2
        '{"command": "RecordContact", "id": ',  # 3 bad JSON
        line("AdoptCat", "f-4", occurred_at="2024-02-06T14:00:00Z", family_id=family),  # 4
        contact("f-5", family, channel=None),  # 5 schema: channel not text
        contact("f-6", family, at="2999-01-01T00:00:00Z"),  # 6 a rule: not in the future
        contact("f-7", str(uuid4())),  # 7 no such family
        contact("f-8", "@f-6.family_id"),  # 8 refers to a refused line
        contact("f-9", family, at="2024-02-07T14:00:00Z", member_ids=["@f-1.member_id_0"]),
        contact("f-10", family, at="2024-02-08T14:00:00Z", nickname="x"),  # 10 unknown field
        contact("f-11", family, at="2024-02-09T14:00:00Z"),
    ]
    file = tmp_path / "import.jsonl"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "refused.jsonl"

    code, out, _ = run(store_env, "import", str(file), "--report", str(report), "--batch", "50")

    assert code == 1, out
    assert "4 lines applied, 0 applied before, 7 refused, of 11 lines" in out
    refused = {r["line"]: r for r in map(json.loads, report.read_text().splitlines())}
    assert {n: r["rule"] for n, r in refused.items()} == {
        3: "bad_json",
        4: "unknown_command",
        5: "invalid",
        6: "occurred_in_future",
        7: "not_found",
        8: "reference_unknown",
        10: "invalid",
    }
    assert refused[5]["field"] == "channel"
    assert refused[8]["field"] == "family_id"
    assert refused[10]["field"] == "nickname"
    assert all(r["reason"] for r in refused.values())
    [events] = events_per_family(store_env).values()
    assert Counter(events) == {"Registered": 1, "ContactRecorded": 3}

    code, out, _ = run(store_env, "import", str(file), "--report", str(report))
    assert code == 1
    assert "0 lines applied, 4 applied before, 7 refused" in out
    [again] = events_per_family(store_env).values()
    assert again == events


def test_a_file_that_cannot_be_read_exits_with_2(env: dict[str, str], tmp_path: Path) -> None:
    code, _, err = run(env, "import", str(tmp_path / "missing.jsonl"))
    assert code == 2
    assert "cannot read" in err


def test_the_schema_names_every_command_and_the_line_fields(env: dict[str, str]) -> None:
    code, out, _ = run(env, "import", "--schema")
    assert code == 0
    schema = json.loads(out)
    contact_line = schema["$defs"]["RecordContact"]
    assert {"command", "id", "actor", "family_id", "channel"} <= set(contact_line["properties"])
    assert {"command", "id", "family_id", "channel"} <= set(contact_line["required"])
    assert len(schema["oneOf"]) == 27
