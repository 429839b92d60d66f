"""Fallbacks, rate by rate: too few people -> published turnover (leavers, where given) -> reference default;
suppressed counts are never used; spreads come from the intervals."""

from __future__ import annotations

import polars as pl
import pytest

from hcsworkforce.analytics.calibrate import (
    estimate_rates,
    link_censuses,
    published_leaver_rate,
    scenario_block,
    sd_of_interval,
)
from tests.calibrate import planted
from tests.calibrate.hand import frames

# Shaped as the public-statistics importer will hand over NHS staff turnover tables (invented numbers).
PUBLISHED = pl.DataFrame(
    {
        "definition": ["staff_group", "staff_group", "nhs"],
        "career_level": [None, "practitioner", None],
        "leavers": [1_000, 90, 800],
        "denominator": [10_000.0, 1_000.0, 10_000.0],
        "period_months": [12.0, 12.0, 12.0],
        "source": ["test turnover table, year to Sep 2024"] * 3,
    },
    schema_overrides={"career_level": pl.String},
)


def test_published_rate_prefers_the_levels_own_row_then_all_levels() -> None:
    rate, lo, hi, source, leavers = published_leaver_rate(PUBLISHED, "staff_group", "practitioner")  # type: ignore[misc]
    assert rate == pytest.approx(0.09) and leavers == 90 and lo < 0.09 < hi and "Sep 2024" in source
    assert published_leaver_rate(PUBLISHED, "staff_group", "assistant")[0] == pytest.approx(0.1)  # type: ignore[index]
    assert published_leaver_rate(PUBLISHED, "organisation", "assistant") is None
    assert published_leaver_rate(None, "staff_group", "assistant") is None


def test_ten_people_fall_back_to_published_then_to_the_defaults() -> None:
    staff, leavers = frames()
    tr = link_censuses(staff, leavers)
    block = scenario_block(tr, estimate_rates(tr), published=PUBLISHED)
    by = {c.path: c for c in block.choices}
    practitioner = by["supply.leaver_rate.by_level.practitioner"]
    assert practitioner.kind == "published" and practitioner.value == pytest.approx(0.09)
    assert "4 people at risk, fewer than 30" in practitioner.note and "retirements" in practitioner.note
    progression = by["supply.progression.rate_per_year.practitioner"]  # no published progression: the default
    assert progression.kind == "illustrative" and progression.value == pytest.approx(
        0.005
    )  # the reference row
    assert block.scenario["provenance"]["supply.leaver_rate.by_level.practitioner"]["kind"] == "published"
    without = {c.path: c for c in scenario_block(tr, estimate_rates(tr)).choices}
    assert without["supply.leaver_rate.by_level.practitioner"].kind == "illustrative"
    assert without["supply.leaver_rate.by_level.practitioner"].value == pytest.approx(
        0.09
    )  # the reference row


def test_suppressed_counts_are_withheld_and_not_used() -> None:
    staff, leavers = planted.planted_history(n_people=2000, censuses=13, seed=5)
    tr = link_censuses(staff, leavers)
    est = estimate_rates(tr, suppress_below=5)
    small = [e for e in est if e.family == "retirement_probability" and 0 < e.events < 5]
    assert small, "the planted history has ages with 1-4 retirements"
    row = small[0].to_row()
    assert row["events"] is None and row["rate_per_year"] is None and row["suppressed"] is True
    block = scenario_block(tr, est)
    choice = next(
        c for c in block.choices if c.path == f"supply.retirement.probability_by_age.{small[0].key['age']}"
    )
    assert choice.kind == "illustrative" and "suppressed" in choice.note


def test_spread_is_the_interval_width_over_the_normal_quantiles() -> None:
    assert sd_of_interval(0.08, 0.12, 0.9) == pytest.approx(0.04 / (2 * 1.6448536), rel=1e-6)
    staff, leavers = planted.planted_history(n_people=2000, censuses=13, seed=7)
    tr = link_censuses(staff, leavers)
    est = {(e.family, e.label()): e for e in estimate_rates(tr)}
    block = scenario_block(tr, list(est.values()))
    e = est[("leaver_rate", "career_level practitioner")]
    assert block.scenario["supply"]["leaver_rate"]["by_level"]["practitioner"]["sd"] == pytest.approx(
        sd_of_interval(e.lower, e.upper),
        abs=1e-6,  # type: ignore[arg-type]
    )
    ages = block.scenario["supply"]["retirement"]["probability_by_age"]
    assert (
        next(iter(ages)) == 16 and ages[16] == 0.0 and 71 in ages
    )  # below 55 counts as leaving; 71+ default
