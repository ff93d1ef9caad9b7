"""Age bands at the edges: a birthday moves a child into the next band on the day itself,
a 29 February birthday falls on 1 March, and the household is counted as it stood the day
the episode opened."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from projections.age_bands import Child, age_band, band_counts

START = date(2024, 1, 10)


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(2024, 1, 10), "under_1"),  # born that day
        (date(2023, 1, 11), "under_1"),  # first birthday tomorrow
        (date(2023, 1, 10), "1-4"),  # first birthday today
        (date(2019, 1, 11), "1-4"),  # 4, 5 tomorrow
        (date(2019, 1, 10), "5-9"),
        (date(2014, 1, 11), "5-9"),
        (date(2014, 1, 10), "10-15"),
        (date(2008, 1, 11), "10-15"),  # 15, 16 tomorrow
        (date(2008, 1, 10), "16+"),
        (date(1990, 6, 1), "16+"),
        (None, "unknown"),
        (date(2024, 1, 11), None),  # not born yet
    ],
)
def test_the_band_on_the_day_the_episode_opened(born: date | None, band: str | None) -> None:
    assert age_band(born, START) == band


def test_a_leap_day_birthday_falls_on_the_first_of_march() -> None:
    born = date(2020, 2, 29)
    assert age_band(born, date(2021, 2, 28)) == "under_1"
    assert age_band(born, date(2021, 3, 1)) == "1-4"
    assert age_band(born, date(2024, 2, 29)) == "1-4"
    assert age_band(born, date(2025, 2, 28)) == "1-4"
    assert age_band(born, date(2025, 3, 1)) == "5-9"


def test_the_household_as_it_stood_when_the_episode_opened() -> None:
    household = [
        Child(date(2015, 3, 1), None),
        Child(None, None),
        Child(date(2023, 5, 1), joined=date(2024, 2, 1)),  # added after the start
        Child(date(2010, 5, 1), None, left=date(2024, 1, 10)),  # left that day
        Child(date(2009, 5, 1), None, left=date(2024, 1, 11)),  # left the day after
        Child(date(2024, 6, 1), None),  # born after the start
    ]
    counts = band_counts(household, datetime(2024, 1, 10, 10, tzinfo=UTC))
    assert counts == {"under_1": 0, "1-4": 0, "5-9": 1, "10-15": 1, "16+": 0, "unknown": 1}
