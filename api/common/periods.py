"""The period and area an aggregate is asked for (the dataset report, the re-referral
analysis): `from` and `to` as inclusive days, `area` a code; 422 naming a bad one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Depends, Query

from api.common.deps import JourneysDep
from domain.errors import InvalidValueError
from infra.bootstrap import Journeys
from infra.views.episode_facts import Period

Area = Annotated[str | None, Query(max_length=64, description="An area code; all when absent.")]
From = Annotated[date | None, Query(alias="from", description="From this day (UTC), inclusive.")]
To = Annotated[date | None, Query(alias="to", description="To this day (UTC), inclusive.")]


@dataclass(frozen=True)
class Asked:
    area: str | None
    start: date | None
    end: date | None

    @property
    def period(self) -> Period:
        """The half-open period in UTC times: from the first day's start to the day after."""
        return Period(
            area=self.area,
            start=None if self.start is None else datetime.combine(self.start, time(), UTC),
            end=None
            if self.end is None
            else datetime.combine(self.end + timedelta(days=1), time(), UTC),
        )


def check_period(
    journeys: Journeys, area: str | None, start: date | None, end: date | None
) -> None:
    """422 naming `area` if it is not an area's code, or `to` if it comes before `from`."""
    if area is not None:
        journeys.app.codes.require("area", area, field="area")
    if start is not None and end is not None and start > end:
        raise InvalidValueError("to", "`to` must be on or after `from`")


async def period_asked(
    journeys: JourneysDep, area: Area = None, start: From = None, end: To = None
) -> Asked:
    check_period(journeys, area, start, end)
    return Asked(area, start, end)


PeriodAsked = Annotated[Asked, Depends(period_asked)]
