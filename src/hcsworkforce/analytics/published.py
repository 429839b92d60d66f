"""Profiles from the public NHS statistics alone: FTE and headcount, turnover and sickness absence for England,
a region or an organisation, by organisation, region and staff group. Pure functions over the published rows
(store/published.py reads them); nothing here touches a database.

Rules (docs/published-statistics.md has worked examples):
* A published figure at the level asked for is used as published (an England row for England). Only where the
  publication has no row at that level are organisation rows summed, and the row says so (`summed`).
* A sum that would include a suppressed cell is not given: `fte` (or leavers, days lost ...) is null, with the
  sum of the published cells beside it (`*_published_cells`) and the number of suppressed cells, so that a
  suppressed cell is never read as 0.
* Headcounts summed over organisations count a person employed by two organisations twice (the publications'
  own national headcounts do not), so a summed headcount is marked as such.
* Rates: leaver_rate = leavers / denominator; sickness_rate = FTE days lost / FTE days available (both as
  proportions 0-1), from the same cells, never from a published rate of another base.
* "Healthcare science" means the staff-group labels that reference/data/published_staff_groups.csv marks
  `yes`; a group that only contains healthcare scientists among others (ST&T) is never counted as them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import polars as pl

from hcsworkforce.reference import published as ref

Level = Literal["national", "region", "organisation"]
ALL_GROUPS = "All staff groups"
BY_OPTIONS = ("none", "organisation", "region")


def _fold(col: str) -> pl.Expr:
    return (
        pl.col(col)
        .fill_null("")
        .str.to_lowercase()
        .str.replace_all("&", " and ", literal=True)
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars()
        .str.replace_all(r"\s+", " ")
    )


def with_staff_group(df: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Add `staff_group_label` (the most specific staff group the row reports), `staff_group_field` (which
    published field it came from) and `healthcare_science` (yes / contains / no)."""
    if kind == "workforce":
        label = pl.coalesce("staff_group_2", "staff_group_1", "main_staff_group")
        fld = (
            pl.when(pl.col("staff_group_2").is_not_null())
            .then(pl.lit("staff_group_2"))
            .when(pl.col("staff_group_1").is_not_null())
            .then(pl.lit("staff_group_1"))
            .when(pl.col("main_staff_group").is_not_null())
            .then(pl.lit("main_staff_group"))
            .otherwise(pl.lit("staff_group"))
        )
    else:
        label = pl.col("staff_group")
        fld = pl.lit("staff_group")
    out = df.with_columns(
        label.fill_null(ALL_GROUPS).alias("staff_group_label"), fld.alias("staff_group_field")
    )
    hcs = [
        ref.healthcare_science(f, g)
        for f, g in zip(out["staff_group_field"], out["staff_group_label"], strict=True)
    ]
    return out.with_columns(pl.Series("healthcare_science", hcs, dtype=pl.String))


def select_groups(df: pl.DataFrame, which: str) -> pl.DataFrame:
    """Rows of one staff-group selection: 'all' (every group), 'hcs' (healthcare science only), or a label."""
    if which == "all":
        return df
    if which == "hcs":
        return df.filter(pl.col("healthcare_science") == "yes")
    target = " ".join(which.lower().replace("&", " and ").split())
    return df.filter(_fold("staff_group_label") == target)


def in_scope(df: pl.DataFrame, level: Level, code: str | None) -> pl.DataFrame:
    """Rows that belong to England, one region (its region rows and its organisations), or one organisation."""
    if level == "national":
        return df
    if level == "region":
        return df.filter(pl.col("region_code") == code)
    return df.filter(pl.col("org_code") == code)


SUMS = {
    "workforce": ("fte", "headcount"),
    "turnover": ("leavers", "denominator"),
    "sickness": ("fte_days_lost", "fte_days_available"),
}


def _suppressed_flag(kind: str, measure: str) -> pl.Expr:
    if kind == "sickness":
        return pl.col("suppressed")
    return pl.col(f"{measure}_suppressed")


def dedupe_layouts(df: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Where two layouts of one publication report the same cell (the sickness organisation file and the
    benchmarking file both give an organisation's all-staff rate), keep one: the first layout in PREFERENCE."""
    order = PREFERENCE.get(kind)
    if not order or "layout" not in df.columns or df["layout"].n_unique() < 2:
        return df
    rank = {lay: i for i, lay in enumerate(order)}
    keys = ["period", "data_level", "org_code", "region_code", "staff_group_label"]
    if "breakdown_type" in df.columns:
        keys.append("breakdown_type")
    ranked = df.with_columns(
        pl.col("layout").replace_strict(rank, default=len(rank), return_dtype=pl.Int32).alias("_rank")
    )
    best = ranked.group_by(keys, maintain_order=True).agg(pl.col("_rank").min())
    return ranked.join(best, on=[*keys, "_rank"], how="semi", nulls_equal=True).drop("_rank")


PREFERENCE = {"sickness": ("benchmarking", "organisation", "breakdowns")}


def aggregate(
    df: pl.DataFrame, kind: str, level: Level, code: str | None, by: str = "none"
) -> list[dict[str, Any]]:
    """One row per (by key, staff group) for the scope, from published rows of one kind (with_staff_group
    applied). `by` is none (the scope itself), organisation or region."""
    if df.height == 0:
        return []
    scoped = in_scope(df, level, code)
    target: str = {"none": level, "organisation": "organisation", "region": "region"}[by]
    keys = ["period", "staff_group_label", "healthcare_science"]
    if target == "organisation":
        keys = ["period", "org_code", "org_name", "region_code", *keys[1:]]
    elif target == "region":
        keys = ["period", "region_code", *keys[1:]]
    direct = scoped.filter(pl.col("data_level") == target)
    if kind == "sickness" and target == "national":
        direct = direct.filter(
            pl.col("breakdown_type").is_in(["ALL_ENGLAND", "MAJOR_STAFF_GROUPS", "MINOR_STAFF_GROUPS"])
        )
    have = (
        direct.select(keys).unique()
        if direct.height
        else pl.DataFrame(schema={k: scoped.schema[k] for k in keys})
    )
    orgs = scoped.filter(pl.col("data_level") == "organisation")
    summed = orgs.join(have, on=keys, how="anti") if target != "organisation" else orgs.clear()
    out: list[dict[str, Any]] = []
    for frame, is_sum in ((direct, False), (summed, True)):
        if frame.height == 0:
            continue
        for key, grp in frame.group_by(keys, maintain_order=True):
            rec: dict[str, Any] = dict(zip(keys, key, strict=True))
            rec["level"] = target
            rec["code"] = {
                "national": None,
                "region": rec.get("region_code"),
                "organisation": rec.get("org_code"),
            }[target]
            rec["summed"] = is_sum
            rec["organisations"] = int(grp["org_code"].n_unique()) if is_sum else None
            rec.update(_measures(grp, kind, summed=is_sum))
            out.append(rec)
    out.sort(key=lambda r: (str(r["period"]), str(r.get("code") or ""), r["staff_group_label"]))
    return out


def _measures(grp: pl.DataFrame, kind: str, *, summed: bool) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    cells = 0
    for m in SUMS[kind]:
        flags = grp.select(_suppressed_flag(kind, m)).to_series()
        n_supp = int(flags.sum())
        present = grp[m].drop_nulls()
        total = float(present.sum()) if present.len() else None
        # A row with no published cell at all for this measure (a layout without it) is "not published".
        published_any = present.len() > 0 or n_supp > 0
        rec[m] = (total if n_supp == 0 else None) if published_any else None
        rec[f"{m}_published_cells"] = total if n_supp and present.len() else None
        cells += n_supp if kind != "sickness" else 0
    if kind == "sickness":
        cells = int(grp["suppressed"].sum())
    rec["suppressed_cells"] = cells
    a, b = SUMS[kind]
    rate_name = {"workforce": None, "turnover": "leaver_rate", "sickness": "sickness_rate"}[kind]
    if rate_name:
        num, den = rec[a], rec[b]
        rec[rate_name] = (num / den) if num is not None and den else None
    if kind == "workforce":
        rec["headcount_summed"] = summed and rec["headcount"] is not None
    return rec


def profile(
    frames: dict[str, pl.DataFrame],
    level: Level,
    code: str | None,
    *,
    by: str = "none",
    groups: str = "all",
    periods: dict[str, Any] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Each publication's rows for the scope: {'workforce': [...], 'turnover': [...], 'sickness': [...]}.

    `frames` holds each kind's published rows; `periods` (kind -> date) keeps one period of each (the latest by
    default)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in ("workforce", "turnover", "sickness"):
        df = frames.get(kind)
        if df is None or df.height == 0:
            out[kind] = []
            continue
        when = (periods or {}).get(kind) or df["period"].max()
        df = dedupe_layouts(with_staff_group(df.filter(pl.col("period") == when), kind), kind)
        df = select_groups(df, groups)
        out[kind] = aggregate(df, kind, level, code, by)
    return out


def pick(rows: Sequence[dict[str, Any]], *, level: str, code: str | None) -> list[dict[str, Any]]:
    """The rows of one level (and code) from aggregate()'s output."""
    return [r for r in rows if r["level"] == level and (code is None or r.get("code") == code)]
