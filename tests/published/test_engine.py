"""The published-profile engine on hand-built rows: published rows used as published, sums only where the
publication has no row at that level, a suppressed cell never read as 0, healthcare science never widened."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from hcsworkforce.analytics import published as engine
from hcsworkforce.ingest.published.turnover import SCHEMA as TURNOVER
from hcsworkforce.ingest.published.workforce import SCHEMA as WORKFORCE

D = date(2025, 3, 31)


def wf(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {c: None for c in WORKFORCE}
    base.update(row=2, period=D, fte_suppressed=False, headcount_suppressed=False)
    base.update(kw)
    return base


def frame(rows: list[dict[str, Any]], schema: dict[str, Any] = WORKFORCE) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def test_a_published_national_row_is_used_as_published_not_the_sum() -> None:
    rows = [
        wf(data_level="national", staff_group_1="Support to ST&T staff", fte=100.0, headcount=110.0),
        wf(
            data_level="organisation",
            org_code="RGT",
            region_code="Y61",
            staff_group_1="Support to ST&T staff",
            fte=40.0,
            headcount=45.0,
        ),
    ]
    out = engine.profile({"workforce": frame(rows)}, "national", None)["workforce"]
    assert len(out) == 1 and out[0]["fte"] == 100.0 and out[0]["summed"] is False


def test_organisations_are_summed_only_where_no_row_at_that_level_and_suppression_blanks_the_total() -> None:
    rows = [
        wf(
            data_level="organisation",
            org_code="RGT",
            region_code="Y61",
            staff_group_2="Healthcare scientists",
            fte=10.5,
            headcount=12.0,
        ),
        wf(
            data_level="organisation",
            org_code="RJ1",
            region_code="Y56",
            staff_group_2="Healthcare scientists",
            fte=4.5,
            headcount=5.0,
        ),
    ]
    out = engine.profile({"workforce": frame(rows)}, "national", None, groups="hcs")["workforce"]
    assert out[0]["fte"] == 15.0 and out[0]["summed"] and out[0]["organisations"] == 2
    assert out[0]["headcount_summed"] is True
    rows.append(
        wf(
            data_level="organisation",
            org_code="RRK",
            region_code="Y60",
            staff_group_2="Healthcare scientists",
            fte_suppressed=True,
        )
    )
    out = engine.profile({"workforce": frame(rows)}, "national", None, groups="hcs")["workforce"]
    assert out[0]["fte"] is None and out[0]["fte_published_cells"] == 15.0 and out[0]["suppressed_cells"] == 1


def test_a_group_that_contains_healthcare_scientists_is_not_counted_as_them() -> None:
    rows = [wf(data_level="national", staff_group_1="Scientific, therapeutic & technical staff", fte=9.0)]
    df = frame(rows)
    assert engine.profile({"workforce": df}, "national", None, groups="hcs")["workforce"] == []
    tagged = engine.with_staff_group(df, "workforce")
    assert tagged["healthcare_science"].to_list() == ["contains"]


def test_region_scope_and_by_organisation() -> None:
    rows = [
        wf(
            data_level="organisation",
            org_code="RJ1",
            org_name="GSTT",
            region_code="Y56",
            staff_group_1="X",
            fte=3.0,
        ),
        wf(
            data_level="organisation",
            org_code="R1H",
            org_name="Barts",
            region_code="Y56",
            staff_group_1="X",
            fte=2.0,
        ),
        wf(
            data_level="organisation",
            org_code="RGT",
            org_name="CUH",
            region_code="Y61",
            staff_group_1="X",
            fte=7.0,
        ),
    ]
    out = engine.profile({"workforce": frame(rows)}, "region", "Y56", by="organisation")["workforce"]
    assert [(r["code"], r["fte"]) for r in out] == [("R1H", 2.0), ("RJ1", 3.0)]
    out = engine.profile({"workforce": frame(rows)}, "national", None, by="region")["workforce"]
    assert [(r["code"], r["fte"]) for r in out] == [("Y56", 5.0), ("Y61", 7.0)]


def test_turnover_rate_is_leavers_over_denominator() -> None:
    base = {c: None for c in TURNOVER}
    rows = [
        {
            **base,
            "row": 2,
            "period": D,
            "data_level": "organisation",
            "org_code": "RGT",
            "region_code": "Y61",
            "staff_group": "Healthcare Scientists",
            "leavers": 30.0,
            "leavers_suppressed": False,
            "denominator": 300.0,
            "denominator_suppressed": False,
            "rate_suppressed": False,
        },
    ]
    out = engine.profile({"turnover": frame(rows, TURNOVER)}, "organisation", "RGT")["turnover"]
    assert out[0]["leaver_rate"] == 0.1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Y56", "Y60", "Y61"]), st.one_of(st.none(), st.floats(0, 5000, allow_nan=False))
        ),
        min_size=1,
        max_size=12,
    )
)
def test_sums_never_treat_a_suppressed_cell_as_zero(cells: list[tuple[str, float | None]]) -> None:
    rows = [
        wf(
            data_level="organisation",
            org_code=f"R{i:02d}",
            region_code=reg,
            staff_group_2="Healthcare scientists",
            fte=v,
            fte_suppressed=v is None,
        )
        for i, (reg, v) in enumerate(cells)
    ]
    out = engine.profile({"workforce": frame(rows)}, "national", None, groups="hcs")["workforce"][0]
    known = [v for _, v in cells if v is not None]
    if len(known) == len(cells):
        assert out["fte"] is not None and abs(out["fte"] - sum(known)) < 1e-6
    else:
        assert out["fte"] is None and out["suppressed_cells"] == len(cells) - len(known)
    by_region = engine.profile({"workforce": frame(rows)}, "national", None, by="region", groups="hcs")[
        "workforce"
    ]
    # Every organisation lands in exactly one region row: nothing is created or lost.
    assert sum(r["organisations"] for r in by_region) == len(cells)
