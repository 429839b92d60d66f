"""Hand-built census frames and scenarios for the planning tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from hcsworkforce.ingest.scenario_file import scenario_from_mapping
from hcsworkforce.model.frames import STAFF_SCHEMA
from hcsworkforce.model.scenario import Scenario

CENSUS = dt.date(2025, 3, 31)

# Everything off: no leavers, retirement, progression or recruits, unless a test turns it on.
QUIET_SUPPLY: dict[str, Any] = {
    "leaver_rate": 0.0,
    "retirement": {"probability_by_age": {16: 0.0}},
    "progression": {
        "rate_per_year": {"assistant": 0, "associate": 0, "practitioner": 0, "clinical_scientist": 0}
    },
    "international_recruits": {"rate_per_year": 0.0},
    "returners": {"rate_per_year": 0.0},
    "domestic_recruits": {"rate_per_year": 0.0},
}


def staff_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows need specialism_id, career_level, age; the rest default."""
    full = []
    for i, r in enumerate(rows):
        base = {
            "census_date": CENSUS,
            "staff_key": f"s{i}",
            "assignment_key": f"s{i}",
            "organisation_code": "RGT",
            "region_code": "Y61",
            "division_id": "life_sciences",
            "afc_band": "7",
            "fte": 1.0,
            "gender": "F",
            "start_date": dt.date(2020, 1, 1),
            "training_programme": "none",
            "expected_completion": None,
        }
        base.update(r)
        full.append(base)
    return pl.DataFrame(full, schema=STAFF_SCHEMA)


def many(n: int, **kw: Any) -> list[dict[str, Any]]:
    return [dict(kw) for _ in range(n)]


def scenario(**kw: Any) -> Scenario:
    doc: dict[str, Any] = {"name": "test", "start_year": 2025, "horizon_years": 5, "runs": 1, "seed": 1}
    supply = dict(QUIET_SUPPLY)
    supply.update(kw.pop("supply", {}))
    doc["supply"] = supply
    doc.update(kw)
    return scenario_from_mapping(doc)


@pytest.fixture
def genomics_index() -> int:
    from hcsworkforce.reference import specialisms

    return list(specialisms()).index("genomics")
