"""Research extracts (researchers only): every episode open at some time in a period, one
row each, pseudonymised (projections.extract), as JSON, CSV or Parquet (`?format=`).

The rows are read from the episode-facts table in one statement; ids become pseudonyms
under the deployment's secret (`JOURNEYS_PSEUDONYM_SECRET`), so the same family has the
same pseudonym in every extract, and another secret makes them unlinkable. For the children's
age bands, each extracted family's events are read (dates of birth are sealed personal data,
in no view) and only the bands kept (projections.age_bands).
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal
from uuid import UUID

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.common.deps import JourneysDep, ReadAfterDep, require_roles
from api.common.periods import PeriodAsked
from api.common.permissions import ALLOWED, Action
from api.common.schemas.reports import ExtractPublic
from api.http.responses import READS
from infra.bootstrap import Journeys
from infra.tokens import Identity
from infra.views.episode_facts import NAME, EpisodeFactsReader
from projections.age_bands import children
from projections.extract import (
    COLUMNS,
    DESCRIPTION,
    FLAGS,
    INTEGERS,
    NEEDS_HOUSEHOLDS,
    SHAPES,
    Extracted,
    Households,
    Shape,
)
from projections.rows import Row

router = APIRouter(tags=["research"])

Researcher = Annotated[Identity, Depends(require_roles(*ALLOWED[Action.RESEARCH_EXTRACT]))]
Format = Annotated[
    Literal["json", "csv", "parquet"],
    Query(description="`json` (the default), `csv`, or `parquet` (typed columns)."),
]
PARQUET = "application/vnd.apache.parquet"
ANSWERS: dict[int | str, dict[str, Any]] = {
    **{status: answer for status, answer in READS.items() if status != 404},
    200: {
        "content": {"text/csv": {}, PARQUET: {}},
        "description": "The extract (JSON, or CSV or Parquet if asked)",
    },
}


@router.get("/research/extracts/{shape}", response_model=ExtractPublic, responses=ANSWERS)
def research_extract(
    shape: Shape,
    journeys: JourneysDep,
    identity: Researcher,
    asked: PeriodAsked,
    after: ReadAfterDep,
    *,
    format: Format = "json",
) -> Any:
    after.wait(journeys, NAME)
    position, facts = EpisodeFactsReader(journeys.views).episodes(asked.period)
    pseudonyms = journeys.pseudonyms
    found = households(journeys, facts) if shape in NEEDS_HOUSEHOLDS else {}
    rows = SHAPES[shape](facts, pseudonyms.of, pseudonyms.of_episode, found)
    name = f"{shape}-{asked.start or 'start'}-{asked.end or 'now'}"
    if format == "csv":
        return _file(to_csv(shape, rows), "text/csv; charset=utf-8", f"{name}.csv")
    if format == "parquet":
        return _file(to_parquet(shape, rows), PARQUET, f"{name}.parquet")
    return ExtractPublic(
        area=asked.area,
        from_=asked.start,
        to=asked.end,
        position=position,
        shape=shape,
        description=DESCRIPTION[shape],
        columns=list(COLUMNS[shape]),
        rows=rows,
    )


def households(journeys: Journeys, facts: list[Row]) -> Households:
    """Each extracted family's children, from its events (dates of birth as corrected)."""
    family_ids = dict.fromkeys(str(row["family_id"]) for row in facts)
    return {key: children(journeys.app.family_events(UUID(key))) for key in family_ids}


def _file(content: str | bytes, media_type: str, filename: str) -> Response:
    disposition = f'attachment; filename="{filename}"'
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def to_csv(shape: Shape, rows: list[Extracted]) -> str:
    """A header of the shape's columns, then a line a row (empty for null)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS[shape], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def to_parquet(shape: Shape, rows: list[Extracted]) -> bytes:
    """One Parquet file with typed columns: integers, booleans, text (all nullable)."""
    schema = pa.schema(
        [
            (name, pa.int64() if name in INTEGERS else pa.bool_() if name in FLAGS else pa.string())
            for name in COLUMNS[shape]
        ]
    )
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buffer)
    return buffer.getvalue()
