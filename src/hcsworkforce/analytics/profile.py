"""Workforce profile: headcount, FTE, age, band mix, vacancies, 12-month leaver rate and stability.

Definitions (hand-checkable; docs/profile.md has worked examples):
- headcount: distinct people with an assignment in the group on the census date. A person with assignments
  in two groups counts once in each, so group headcounts need not add up to the total (as in NHS statistics).
- fte: sum of contracted FTE of the group's assignments.
- mean_age, share_55_plus: over the group's distinct people (age on the census date).
- band shares: the share of the group's FTE in each Agenda for Change band.
- vacancy_fte: funded FTE less FTE in post, worked out on each establishment line (organisation x specialism
  x level and/or band) and floored at zero there, so a surplus in one place does not hide a vacancy in
  another; vacancy_rate = vacancy_fte / establishment_fte. Null where the establishment does not carry the
  grouping dimensions.
- leaver_rate_12m: people who left the group in the 12 months to the census date / average headcount, where
  average headcount = (headcount 12 months before + headcount now) / 2 and the earlier headcount is rebuilt
  as people now in post who started by then plus leavers who had started by then.
- stability_index: of the people in the group 12 months before, the share still in post now.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.model.frames import AGE_BANDS, DIMENSION_COLUMNS, age_band_expr

METRICS = (
    "headcount",
    "fte",
    "mean_age",
    "share_55_plus",
    "establishment_fte",
    "vacancy_fte",
    "vacancy_rate",
    "leavers_12m",
    "leaver_rate_12m",
    "stability_index",
)
BAND_KEYS = tuple(f"share_band_{b}" for b in reference.bands())
# Everything about a small group goes: vacancies too, since establishment less vacancy gives its FTE in post.
SUPPRESSED_WITH_HEADCOUNT = (
    "headcount",
    "fte",
    "mean_age",
    "share_55_plus",
    "establishment_fte",
    "vacancy_fte",
    "vacancy_rate",
    "leavers_12m",
    "leaver_rate_12m",
    "stability_index",
    *BAND_KEYS,
)
ESTABLISHMENT_DIMS = ("organisation", "region", "division", "specialism", "career_level", "afc_band")


def with_dimensions(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the derived grouping columns (age band) that the store does not keep."""
    if "age_band" not in frame.columns:
        frame = frame.with_columns(age_band_expr("age").alias("age_band"))
    return frame


def _keys(by: list[str]) -> list[str]:
    return [DIMENSION_COLUMNS[d] for d in by]


def _people(staff: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    people = staff.group_by([*keys, "staff_key"]).agg(pl.col("age").first())
    agg = (
        people.group_by(keys).agg(
            pl.len().alias("headcount"),
            pl.col("age").mean().alias("mean_age"),
            (pl.col("age") >= 55).mean().alias("share_55_plus"),
        )
        if keys
        else people.select(
            pl.len().alias("headcount"),
            pl.col("age").mean().alias("mean_age"),
            (pl.col("age") >= 55).mean().alias("share_55_plus"),
        )
    )
    return agg


def _fte_and_bands(staff: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    bands = reference.bands()
    exprs = [pl.col("fte").sum().alias("fte")]
    total = pl.col("fte").sum()
    exprs += [
        (pl.col("fte").filter(pl.col("afc_band") == b).sum() / total).alias(f"share_band_{b}") for b in bands
    ]
    return staff.group_by(keys).agg(exprs) if keys else staff.select(exprs)


def vacancy_lines(
    staff: pl.DataFrame, establishment: pl.DataFrame, extra_keys: tuple[str, ...] = ()
) -> pl.DataFrame | None:
    """Each establishment line with its FTE in post and vacancy_fte = funded less in post, floored at zero.

    A line matches staff on the columns it carries (level and/or band may be blank). Flooring per line means
    a surplus in one team does not hide a vacancy in another. `extra_keys` (e.g. census_date) are matched too.
    """
    lines = []
    for has_level in (True, False):
        for has_band in (True, False):
            part = establishment.filter(
                (pl.col("career_level").is_not_null() == has_level)
                & (pl.col("afc_band").is_not_null() == has_band)
            )
            if part.height == 0:
                continue
            on = [*extra_keys, "organisation_code", "specialism_id"]
            if has_level:
                on.append("career_level")
            if has_band:
                on.append("afc_band")
            in_post = staff.group_by(on).agg(pl.col("fte").sum().alias("in_post_fte"))
            lines.append(
                part.join(in_post, on=on, how="left")
                .with_columns(pl.col("in_post_fte").fill_null(0.0))
                .select(
                    *extra_keys,
                    "organisation_code",
                    "region_code",
                    "division_id",
                    "specialism_id",
                    "career_level",
                    "afc_band",
                    "funded_fte",
                    "in_post_fte",
                )
            )
    if not lines:
        return None
    return pl.concat(lines).with_columns(
        (pl.col("funded_fte") - pl.col("in_post_fte")).clip(lower_bound=0.0).alias("vacancy_fte")
    )


def _vacancies(
    staff: pl.DataFrame, establishment: pl.DataFrame, keys: list[str], by: list[str]
) -> pl.DataFrame | None:
    if establishment.height == 0 or any(d not in ESTABLISHMENT_DIMS for d in by):
        return None
    est = establishment
    if "career_level" in by and est["career_level"].null_count():
        return None
    if "afc_band" in by and est["afc_band"].null_count():
        return None
    all_lines = vacancy_lines(staff, est)
    if all_lines is None:
        return None
    aggs = [
        pl.col("funded_fte").sum().alias("establishment_fte"),
        pl.col("vacancy_fte").sum().alias("vacancy_fte"),
    ]
    return all_lines.group_by(keys).agg(aggs) if keys else all_lines.select(aggs)


def _leavers(staff: pl.DataFrame, leavers: pl.DataFrame, keys: list[str], census_date: date) -> pl.DataFrame:
    period_start = census_date - timedelta(days=365)
    now = staff.select([*keys, "staff_key", "start_date"])
    left = leavers.filter(
        (pl.col("end_date") > pl.lit(period_start)) & (pl.col("end_date") <= pl.lit(census_date))
    )
    # A person who left one assignment but is still in post in the same group has not left the group.
    in_post_pairs = now.select([*keys, "staff_key"]).unique()
    left_people = left.select([*keys, "staff_key", "start_date"]).join(
        in_post_pairs, on=[*keys, "staff_key"], how="anti", nulls_equal=True
    )
    at_start_now = (
        now.filter(pl.col("start_date") <= pl.lit(period_start)).select([*keys, "staff_key"]).unique()
    )
    at_start_left = (
        left_people.filter(pl.col("start_date") <= pl.lit(period_start)).select([*keys, "staff_key"]).unique()
    )
    at_start = pl.concat([at_start_now, at_start_left]).unique()

    def count(df: pl.DataFrame, name: str) -> pl.DataFrame:
        u = df.select([*keys, "staff_key"]).unique()
        return u.group_by(keys).agg(pl.len().alias(name)) if keys else u.select(pl.len().alias(name))

    parts = [
        count(left_people, "leavers_12m"),
        count(at_start, "start_headcount"),
        count(at_start_now, "stayers"),
    ]
    if not keys:
        return pl.concat(parts, how="horizontal")
    out = parts[0]
    for p in parts[1:]:
        out = out.join(p, on=keys, how="full", coalesce=True, nulls_equal=True)
    return out


def profile(
    staff: pl.DataFrame,
    leavers: pl.DataFrame,
    establishment: pl.DataFrame,
    by: list[str],
    census_date: date,
    *,
    has_leaver_data: bool = True,
    suppress_below: int = 0,
) -> list[dict[str, Any]]:
    """Flat records, one per group, with the grouping keys first and then the metrics (null where not computable)."""
    keys = _keys(by)
    staff = with_dimensions(staff)
    leavers = with_dimensions(leavers)
    people = _people(staff, keys)
    fte = _fte_and_bands(staff, keys)
    out = (
        people.join(fte, on=keys, how="left", nulls_equal=True)
        if keys
        else pl.concat([people, fte], how="horizontal")
    )
    if staff.height == 0:
        return []
    vac = _vacancies(staff, establishment, keys, by)
    if vac is not None:
        out = (
            out.join(vac, on=keys, how="full", coalesce=True, nulls_equal=True)
            if keys
            else pl.concat([out, vac], how="horizontal")
        )
        out = out.with_columns(
            pl.col("headcount").fill_null(0),
            pl.col("fte").fill_null(0.0),
            pl.when(pl.col("establishment_fte") > 0)
            .then(pl.col("vacancy_fte") / pl.col("establishment_fte"))
            .otherwise(None)
            .alias("vacancy_rate"),
        )
    else:
        out = out.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("establishment_fte"),
            pl.lit(None, dtype=pl.Float64).alias("vacancy_fte"),
            pl.lit(None, dtype=pl.Float64).alias("vacancy_rate"),
        )
    if has_leaver_data:
        lv = _leavers(staff, leavers, keys, census_date)
        out = (
            out.join(lv, on=keys, how="left", nulls_equal=True)
            if keys
            else pl.concat([out, lv], how="horizontal")
        )
        out = out.with_columns(
            pl.col("leavers_12m").fill_null(0),
            pl.col("start_headcount").fill_null(0),
            pl.col("stayers").fill_null(0),
        ).with_columns(
            pl.when((pl.col("start_headcount") + pl.col("headcount")) > 0)
            .then(pl.col("leavers_12m") / ((pl.col("start_headcount") + pl.col("headcount")) / 2))
            .otherwise(None)
            .alias("leaver_rate_12m"),
            pl.when(pl.col("start_headcount") > 0)
            .then(pl.col("stayers") / pl.col("start_headcount"))
            .otherwise(None)
            .alias("stability_index"),
        )
    else:
        out = out.with_columns(
            pl.lit(None, dtype=pl.Int64).alias("leavers_12m"),
            pl.lit(None, dtype=pl.Float64).alias("leaver_rate_12m"),
            pl.lit(None, dtype=pl.Float64).alias("stability_index"),
        )
    out = out.with_columns(pl.col("headcount").cast(pl.Int64))
    if keys:
        out = out.sort([_order_expr(k) for k in keys], nulls_last=True)
    records = []
    for r in out.select([*keys, *METRICS, *BAND_KEYS]).to_dicts():
        # Grouping keys first, named as the user named the dimensions.
        record = {d: r.pop(col) for d, col in zip(by, keys, strict=True)}
        record.update(r)
        if suppress_below:
            suppress(record, suppress_below)
        records.append(record)
    return records


def _order_expr(col: str) -> pl.Expr:
    """Sort career levels, bands and age bands in their natural order, everything else alphabetically."""
    orders: dict[str, list[str]] = {
        "career_level": [
            lv.id for lv in sorted(reference.career_levels().values(), key=lambda lv: (lv.trainee, lv.order))
        ],
        "afc_band": reference.bands(),
        "age_band": [label for _, _, label in AGE_BANDS],
    }
    if col in orders:
        rank = {v: i for i, v in enumerate(orders[col])}
        return pl.col(col).replace_strict(rank, default=len(rank), return_dtype=pl.Int32)
    return pl.col(col)


def suppress(record: dict[str, Any], threshold: int) -> None:
    """Null any figure that could reveal fewer than `threshold` people, and say so on the record."""
    hc = record.get("headcount")
    record["suppressed"] = False
    if hc is not None and 0 < hc < threshold:
        for k in SUPPRESSED_WITH_HEADCOUNT:
            record[k] = None
        record["suppressed"] = True
        return
    n = record.get("leavers_12m")
    if n is not None and 0 < n < threshold:
        record["leavers_12m"] = None
        record["leaver_rate_12m"] = None
        record["suppressed"] = True


def label_dimension(dim: str, value: Any) -> Any:
    """A readable label for a grouping value (specialism name, region name ...) for tables and pages."""
    if value is None:
        return "(not known)"
    if dim == "specialism":
        s = reference.specialisms().get(value)
        return s.name if s else value
    if dim == "region":
        return reference.regions().get(value, value)
    if dim == "division":
        return reference.divisions().get(value, value)
    if dim == "career_level":
        lv = reference.career_levels().get(value)
        return lv.name if lv else value
    return value
