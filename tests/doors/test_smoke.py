"""The doors fixture itself: both doors see the same census on both databases."""

from __future__ import annotations

from tests.doors.conftest import Doors


def test_both_doors_see_the_same_censuses(doors: Doors) -> None:
    api = doors.api("/censuses")
    assert len(api["census_dates"]) == 8
