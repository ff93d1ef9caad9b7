"""Research extracts over families recorded through HTTP, on SQLite and PostgreSQL: one row
per episode open in the period, pseudonymous ids that follow a family across episodes, months
not days, no personal data anywhere in the file; the SSD's early help episodes in its own
column names; CSV and Parquet with the same rows; and pathways suppressed for researchers."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from uuid import UUID

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from infra.bootstrap import Journeys
from projections.extract import COLUMNS
from tests.support.api import REGISTRATION, Auth
from tests.support.episodes import close, family, read, request, settings  # noqa: F401 (a fixture)
from tests.support.walk import Walk

PATH = "/research/extracts"
# Everything personal the families below were registered with.
MEMBERS: list[dict[str, str]] = list(REGISTRATION["members"])  # type: ignore[arg-type]
PERSONAL = [value for member in MEMBERS for key, value in member.items() if key != "relationship"]


@pytest.fixture
def walk(client: TestClient, auth: Auth) -> Walk:
    """A Chatham family referred, closed, and referred again 3 months later."""
    walk = family(client, auth)
    request(walk, "2024-01-10T10:00:00Z")
    close(walk, "2024-02-10T10:00:00Z")
    request(walk, "2024-05-10T10:00:00Z")
    return walk


def extract(client: TestClient, auth: Auth, walk: Walk, shape: str, **query: str) -> Any:
    return read(client, auth, walk, f"{PATH}/{shape}", "researcher", **query)


def test_episodes_are_pseudonymous_to_the_month(
    client: TestClient, auth: Auth, journeys: Journeys, walk: Walk
) -> None:
    answer = extract(client, auth, walk, "episodes")

    rows = answer["rows"]
    assert answer["columns"] == list(COLUMNS["episodes"])
    assert [(r["requested_month"], r["closed_month"]) for r in rows] == [
        ("2024-01", "2024-02"),
        ("2024-05", None),
    ]
    pseudonym = journeys.pseudonyms.of(UUID(walk.family_id))
    assert {r["family"] for r in rows} == {pseudonym}  # the family, followed across episodes
    assert len({r["episode"] for r in rows}) == 2
    assert pseudonym not in {r["episode"] for r in rows}
    assert [r["re_referral_closure"] for r in rows] == [False, True]
    assert [r["children"] for r in rows] == ["1", "1"]
    text = json.dumps(answer)
    assert walk.family_id not in text
    assert "2024-01-10" not in text  # no day
    assert "2024-02-10" not in text
    assert not [value for value in PERSONAL if value in text]


def test_the_ssd_shape_has_its_own_columns_and_no_worker(
    client: TestClient, auth: Auth, journeys: Journeys, walk: Walk
) -> None:
    answer = extract(client, auth, walk, "ssd_early_help_episodes")

    assert answer["columns"] == [
        "earl_episode_id",
        "earl_person_id",
        "earl_episode_start_date",
        "earl_episode_end_date",
        "earl_episode_reason",
        "earl_episode_end_reason",
        "earl_episode_organisation",
        "earl_episode_worker_id",
    ]
    first, second = answer["rows"]
    assert first["earl_person_id"] == journeys.pseudonyms.of(UUID(walk.family_id))
    assert (first["earl_episode_start_date"], first["earl_episode_end_date"]) == (
        "2024-01",
        "2024-02",
    )
    assert first["earl_episode_reason"] == "request_for_support"
    assert first["earl_episode_end_reason"] == "no_further_action"
    assert first["earl_episode_organisation"] == "chatham"
    assert {first["earl_episode_worker_id"], second["earl_episode_worker_id"]} == {None}
    assert second["earl_episode_end_date"] is None


def test_a_period_keeps_the_episodes_open_in_it(client: TestClient, auth: Auth, walk: Walk) -> None:
    # The first episode closed on 10 February: not open from March on.
    later = extract(client, auth, walk, "episodes", **{"from": "2024-03-01"})
    assert [r["requested_month"] for r in later["rows"]] == ["2024-05"]
    # Before the second request, only the first; in another area, none.
    early = extract(client, auth, walk, "episodes", to="2024-04-30")
    assert [r["requested_month"] for r in early["rows"]] == ["2024-01"]
    assert extract(client, auth, walk, "episodes", area="strood")["rows"] == []


def test_csv_and_parquet_hold_the_same_rows_with_types(
    client: TestClient, auth: Auth, walk: Walk
) -> None:
    rows = extract(client, auth, walk, "episodes")["rows"]
    params = {"min_position": str(walk.positions[-1])}
    headers = auth("researcher")

    as_csv = client.get(f"{PATH}/episodes", params={**params, "format": "csv"}, headers=headers)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    found = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert list(found[0]) == list(COLUMNS["episodes"])
    assert [r["requested_month"] for r in found] == ["2024-01", "2024-05"]

    as_parquet = client.get(
        f"{PATH}/episodes", params={**params, "format": "parquet"}, headers=headers
    )
    assert as_parquet.status_code == 200
    table = pq.read_table(io.BytesIO(as_parquet.content))
    assert table.column_names == list(COLUMNS["episodes"])
    assert table.schema.field("sequence").type == pa.int64()
    assert table.schema.field("outcomes_met").type == pa.bool_()
    assert table.to_pylist() == rows


def test_a_shape_that_does_not_exist_is_named(client: TestClient, auth: Auth, walk: Walk) -> None:
    response = client.get(f"{PATH}/people", headers=auth("researcher"))
    assert response.status_code == 422
    assert "shape" in response.text


def test_a_researcher_sees_pathways_with_small_counts_withheld(
    client: TestClient, auth: Auth, walk: Walk
) -> None:
    params = {"min_position": str(walk.positions[-1])}
    qa = client.get("/pathways", params=params, headers=auth("qa_officer")).json()
    research = client.get("/pathways", params=params, headers=auth("researcher")).json()

    assert qa["families"] == 1
    assert qa["paths"]
    assert not qa["suppressed"]
    assert research["families"] is None
    assert research["paths"] == []
    assert research["days_between_stages"] == []
    assert research["suppressed"] is True
    picture = client.get("/pathways.svg", params=params, headers=auth("researcher"))
    assert picture.status_code == 200
    assert "fewer than 5" in picture.text
