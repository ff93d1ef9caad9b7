"""Working days in England: Monday to Friday, less the bank holidays of England (the
`holidays` library, subdivision ENG; never a hand-typed list). Dates are local (London)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


@lru_cache(maxsize=4096)
def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (`start` itself when `days` is 0)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def local_day(moment: datetime) -> date:
    """The day in England on which `moment` (aware) fell."""
    return moment.astimezone(LONDON).date()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
