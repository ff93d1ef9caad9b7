"""Children's age bands in the research extract, through HTTP on SQLite and PostgreSQL:
each child in the band of their age the day the episode opened (DfE children-in-need
census groups), counted per episode, and no date of birth, age or name in JSON, CSV or
Parquet."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from projections.extract import AGE_COLUMNS
from tests.support.api import Auth
from tests.support.episodes import close, read, request, settings  # noqa: F401 (a fixture)
from tests.support.walk import Walk

PATH = "/research/extracts/episodes"
# Requests on 10 January and 10 May 2024: each child is a day short of, or on, a birthday
# that moves them into another band on the first day.
BORN = ["2023-01-11", "2023-01-10", "2008-01-11", "2008-01-10", "2019-01-10"]
NAMES = ["Orla", "Piet", "Quin", "Rhea", "Saul", "Tove"]
ADDED = "2024-03-01"  # a child born, and added to the household, between the two requests


def household(client: TestClient, auth: Auth) -> Walk:
    walk = Walk(client, auth)
    members = [
        {"relationship": "child", "given_name": name, "date_of_birth": born}
        for name, born in zip(NAMES, BORN, strict=False)
    ]
    members.append({"relationship": "child", "given_name": NAMES[-1]})  # no date of birth
    members.append({"relationship": "parent_carer", "given_name": "Ulla", "family_name": "Vane"})
    body = {"occurred_at": "2024-01-02T10:00:00Z", "area": "chatham", "members": members}
    walk.family_id = walk.post("", body, event="Registered", role="practitioner")["family_id"]
    request(walk, "2024-01-10T10:00:00Z")
    walk.post(
        "/members",
        {"occurred_at": f"{ADDED}T10:00:00Z", "relationship": "child", "date_of_birth": ADDED},
        event="MemberAdded", role="practitioner",
    )  # fmt: skip
    close(walk, "2024-04-10T10:00:00Z")
    request(walk, "2024-05-10T10:00:00Z")
    return walk


def bands(row: dict[str, object]) -> dict[str, object]:
    return {band: row[column] for band, column in AGE_COLUMNS.items()}


def test_each_child_is_in_the_band_of_their_age_when_the_episode_opened(
    client: TestClient, auth: Auth
) -> None:
    walk = household(client, auth)
    first, second = read(client, auth, walk, PATH, "researcher")["rows"]

    # 10 January: under 1 (a day short of 1), 1-4 (1 that day), 10-15 (a day short of
    # 16), 16+ (16 that day), 5-9 (5 that day), and one whose birth date is not recorded.
    assert bands(first) == {"under_1": 1, "1-4": 1, "5-9": 1, "10-15": 1, "16+": 1, "unknown": 1}
    # 10 May: both first birthdays passed, both sixteenth, and the new baby under 1.
    assert bands(second) == {"under_1": 1, "1-4": 2, "5-9": 1, "10-15": 0, "16+": 2, "unknown": 1}


def test_no_date_of_birth_age_or_name_in_any_format(client: TestClient, auth: Auth) -> None:
    walk = household(client, auth)
    answer = read(client, auth, walk, PATH, "researcher")
    params = {"min_position": str(walk.positions[-1])}
    headers = auth("researcher")
    as_csv = client.get(PATH, params={**params, "format": "csv"}, headers=headers)
    as_parquet = client.get(PATH, params={**params, "format": "parquet"}, headers=headers)
    ssd = read(client, auth, walk, "/research/extracts/ssd_early_help_episodes", "researcher")
    table = pq.read_table(io.BytesIO(as_parquet.content)).to_pylist()

    assert table == answer["rows"]
    lines = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["children_aged_10_15"], r["children_aged_16_plus"]) for r in lines] == [
        ("1", "1"),
        ("0", "2"),
    ]
    personal = [*BORN, ADDED, *(b[:7] for b in BORN), *NAMES, "Ulla", "Vane"]
    for text in (json.dumps(answer), as_csv.text, json.dumps(table, default=str), json.dumps(ssd)):
        assert not [value for value in personal if value in text]
        assert "date_of_birth" not in text
