"""Shared builders for WISN tests: a valid cadre with only the parts a test cares about changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hcsworkforce.model.wisn import WisnCadre

CadreFactory = Callable[..., WisnCadre]


def cadre_dict(**overrides: Any) -> dict[str, Any]:
    """A cadre with AWT = (260 - 35) days x 8 h = 1,800 h, and one activity needing exactly 1.0 staff."""
    data: dict[str, Any] = {
        "cadre": "Test cadre",
        "existing_staff": 1,
        "available_working_time": {
            "working_days_per_week": 5,
            "weeks_per_year": 52,
            "hours_per_day": 8,
            "public_holidays": 10,
            "annual_leave": 15,
            "sick_leave": 5,
            "other_leave": 5,
        },
        "health_service_activities": [{"name": "Test", "annual_workload": 1800, "unit_time_hours": 1}],
    }
    for key, value in overrides.items():
        if key == "available_working_time" and isinstance(value, dict):
            # A None removes a key, so a test can switch from days a week to days a year.
            merged = {**data[key], **value}
            data[key] = {k: v for k, v in merged.items() if v is not None}
        else:
            data[key] = value
    return data


@pytest.fixture
def make_cadre() -> CadreFactory:
    def make(**overrides: Any) -> WisnCadre:
        return WisnCadre.model_validate(cadre_dict(**overrides))

    return make


@pytest.fixture
def make_cadre_dict() -> Callable[..., dict[str, Any]]:
    return cadre_dict
