"""The workforce profile of many censuses in one pass: the census date is one more grouping key.

`profile_history` gives, for every census in the frames and every group of `by`, exactly the figures that
`analytics.profile.profile` gives census by census (same definitions, same suppression-free values), as one
frame. The 12-month leaver window and the stability index are relative to each row's own census date, worked
out on columns (end_date within (census_date - 365 days, census_date]), so 36 censuses cost one set of group-bys
rather than 36.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from hcsworkforce import reference
from hcsworkforce.analytics.profile import (
    BAND_KEYS,
    ESTABLISHMENT_DIMS,
    METRICS,
    _keys,
    _order_expr,
    vacancy_lines,
    with_dimensions,
)

CENSUS = "census_date"
# The staff columns any profile reads; a store read can leave the rest (assignment, training) in the database.
STAFF_COLUMNS = (
    "staff_key",
    "organisation_code",
    "region_code",
    "division_id",
    "specialism_id",
    "career_level",
    "afc_band",
    "fte",
    "age",
    "start_date",
)


_CODES = (
    "staff_key",
    "organisation_code",
    "region_code",
    "division_id",
    "specialism_id",
    "career_level",
    "afc_band",
)


def needed_columns(by: list[str], *, leavers: bool = False) -> list[str]:
    """The staff (or leaver) columns a profile by `by` reads: fewer columns, a faster read."""
    extra = ["gender"] if "gender" in by else []
    return [*STAFF_COLUMNS, *extra, *(["end_date"] if leavers else [])]


def _window_start() -> pl.Expr:
    return pl.col(CENSUS).dt.offset_by("-365d")


def _pairs(staff: pl.DataFrame, ck: list[str]) -> pl.DataFrame:
    """One row per census, group and person: the age of their first row (as profile takes it) and their
    earliest start in the group."""
    return staff.group_by([*ck, "staff_key"]).agg(
        pl.col("age").first(), pl.col("start_date").min().alias("first_start")
    )


def _people(pairs: pl.DataFrame, ck: list[str]) -> pl.DataFrame:
    """Headcount, age and stayers per census and group, from one pass over (group, person).

    Each (group, person) pair carries its earliest start, so "in the group 12 months before and still in post" (the stability numerator, profile's
    at_start_now) is a sum over the same pairs rather than another unique over two million rows.
    """
    people = pairs.group_by(ck).agg(
        pl.len().alias("headcount"),
        pl.col("age").mean().alias("mean_age"),
        (pl.col("age") >= 55).mean().alias("share_55_plus"),
        (pl.col("first_start") <= _window_start()).sum().alias("stayers"),
    )
    return people


def _fte_and_bands(staff: pl.DataFrame, ck: list[str]) -> pl.DataFrame:
    """profile's FTE and band shares. Each band's FTE is a plain sum of FTE-or-zero: the same additions in the
    same order as profile's filtered sum (adding 0.0 changes nothing), on polars' fast path for sums."""
    bands = reference.bands()
    sums = staff.with_columns(
        pl.when(pl.col("afc_band") == b).then(pl.col("fte")).otherwise(0.0).alias(f"_band_{b}") for b in bands
    )
    out = sums.group_by(ck).agg(pl.col("fte").sum(), *(pl.col(f"_band_{b}").sum() for b in bands))
    return out.select(
        *ck, "fte", *((pl.col(f"_band_{b}") / pl.col("fte")).alias(f"share_band_{b}") for b in bands)
    )


def _vacancies(
    staff: pl.DataFrame, establishment: pl.DataFrame, ck: list[str], by: list[str]
) -> pl.DataFrame | None:
    """As profile's, per census: a census whose establishment lacks a grouping dimension gets no vacancy."""
    if establishment.height == 0 or any(d not in ESTABLISHMENT_DIMS for d in by):
        return None
    est = establishment
    for dim in ("career_level", "afc_band"):
        if dim in by:
            bad = est.filter(pl.col(dim).is_null())[CENSUS].unique()
            est = est.filter(~pl.col(CENSUS).is_in(bad.implode()))
    all_lines = vacancy_lines(staff, est, (CENSUS,))
    if all_lines is None:
        return None
    return all_lines.group_by(ck).agg(
        pl.col("funded_fte").sum().alias("establishment_fte"),
        pl.col("vacancy_fte").sum().alias("vacancy_fte"),
    )


def _leavers(pairs: pl.DataFrame, leavers: pl.DataFrame, ck: list[str]) -> pl.DataFrame:
    """Leavers in each census's 12 months, and leavers who were in the group at the window's start."""
    pk = [*ck, "staff_key"]
    left = leavers.filter((pl.col("end_date") > _window_start()) & (pl.col("end_date") <= pl.col(CENSUS)))
    # A person who left one assignment but is still in post in the same group has not left the group.
    in_post_pairs = pairs.select(pk)
    left_people = left.select([*pk, "start_date"]).join(in_post_pairs, on=pk, how="anti", nulls_equal=True)
    # These people are not in post in the group, so they are disjoint from the stayers and the two add up
    # to profile's start_headcount (the union of both).
    return (
        left_people.group_by(pk)
        .agg(pl.col("start_date").min())
        .group_by(ck)
        .agg(
            pl.len().alias("leavers_12m"),
            (pl.col("start_date") <= _window_start()).sum().alias("left_from_start"),
        )
    )


def empty_history(by: list[str]) -> pl.DataFrame:
    return pl.DataFrame(schema={CENSUS: pl.Date, **dict.fromkeys(by, pl.String), **dict.fromkeys(METRICS)})


def profile_history(
    staff: pl.DataFrame,
    leavers: pl.DataFrame,
    establishment: pl.DataFrame,
    by: list[str],
    *,
    leaver_data: Mapping[date, bool] | None = None,
) -> pl.DataFrame:
    """One row per census and group: census_date, the `by` dimensions (named as the user named them), then
    profile.METRICS and the band shares; sorted by census and then as `profile` sorts its records.

    The frames carry census_date (Store.staff_history and friends). `leaver_data` says which censuses have
    leaver data (default: all); the others get null leaver figures, as `profile(has_leaver_data=False)`.
    """
    keys = _keys(by)
    ck = [CENSUS, *keys]
    # Grouping and joining on categoricals hashes small integers, not strings: about twice as fast on two
    # million rows. The keys are turned back into text before sorting and output.
    text = [c for c in dict.fromkeys((*_CODES, *keys)) if c in staff.columns and staff.schema[c] == pl.String]
    staff = staff.with_columns(pl.col(c).cast(pl.Categorical) for c in text)
    leavers = leavers.with_columns(pl.col(c).cast(pl.Categorical) for c in text if c in leavers.columns)
    if "age_band" in by:  # derived only when asked for: it is a pass over millions of rows
        staff, leavers = with_dimensions(staff), with_dimensions(leavers)
    establishment = establishment.with_columns(
        pl.col(c).cast(pl.Categorical) for c in text if c in establishment.columns
    )
    if staff.height == 0:
        return empty_history(by)
    pairs = _pairs(staff, ck)
    out = _people(pairs, ck).join(_fte_and_bands(staff, ck), on=ck, how="left", nulls_equal=True)
    vac = _vacancies(staff, establishment, ck, by)
    if vac is not None:
        out = out.join(vac, on=ck, how="full", coalesce=True, nulls_equal=True).with_columns(
            pl.col("headcount").fill_null(0),
            pl.col("fte").fill_null(0.0),
            pl.when(pl.col("establishment_fte") > 0)
            .then(pl.col("vacancy_fte") / pl.col("establishment_fte"))
            .otherwise(None)
            .alias("vacancy_rate"),
        )
        # profile() returns nothing for a census without staff, even where it has an establishment.
        out = out.filter(pl.col(CENSUS).is_in(staff[CENSUS].unique().implode()))
    else:
        out = out.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("establishment_fte"),
            pl.lit(None, dtype=pl.Float64).alias("vacancy_fte"),
            pl.lit(None, dtype=pl.Float64).alias("vacancy_rate"),
        )
    lv = _leavers(pairs, leavers, ck)
    out = (
        out.join(lv, on=ck, how="left", nulls_equal=True)
        .with_columns(
            pl.col("leavers_12m").fill_null(0),
            (pl.col("stayers").fill_null(0) + pl.col("left_from_start").fill_null(0)).alias(
                "start_headcount"
            ),
            pl.col("stayers").fill_null(0),
        )
        .with_columns(
            pl.when((pl.col("start_headcount") + pl.col("headcount")) > 0)
            .then(pl.col("leavers_12m") / ((pl.col("start_headcount") + pl.col("headcount")) / 2))
            .otherwise(None)
            .alias("leaver_rate_12m"),
            pl.when(pl.col("start_headcount") > 0)
            .then(pl.col("stayers") / pl.col("start_headcount"))
            .otherwise(None)
            .alias("stability_index"),
        )
    )
    no_leavers = [d for d, has in (leaver_data or {}).items() if not has]
    if no_leavers:
        gone = pl.col(CENSUS).is_in(no_leavers)
        out = out.with_columns(
            pl.when(~gone).then(pl.col("leavers_12m").cast(pl.Int64)).alias("leavers_12m"),
            pl.when(~gone).then(pl.col("leaver_rate_12m")).alias("leaver_rate_12m"),
            pl.when(~gone).then(pl.col("stability_index")).alias("stability_index"),
        )
    out = out.with_columns(
        pl.col("headcount").cast(pl.Int64), *(pl.col(k).cast(pl.String) for k in keys if k in text)
    ).sort([pl.col(CENSUS), *(_order_expr(k) for k in keys)], nulls_last=True)
    return out.select(
        CENSUS, *(pl.col(k).alias(d) for d, k in zip(by, keys, strict=True)), *METRICS, *BAND_KEYS
    )


def census_records(history: pl.DataFrame, census_date: date) -> list[dict[str, object]]:
    """One census's rows as `profile` returns them (unsuppressed records, keys first)."""
    return history.filter(pl.col(CENSUS) == census_date).drop(CENSUS).to_dicts()
