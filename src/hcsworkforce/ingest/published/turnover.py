"""NHS staff turnover tables (NHS England, quarterly): leavers and the denominator they are a rate of, by
organisation (or region, or England), staff group and period.

The layout is the least certain of the publications we read ([P]: a parliamentary answer of 20 Sep 2023 names
the tables and a "Turnover SG and Region HC" tab; no column list was seen), so headers are matched by meaning:
a period, an organisation code or a region, a staff group, leavers, and a denominator. Suppressed cells ('*',
'-', blank) stay suppressed. The published rate is kept as published; ours is leavers / denominator.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.published.common import (
    Collector,
    Number,
    Table,
    cell,
    map_columns,
    norm_label,
    parse_period,
    read_number,
    require_columns,
    resolve_region,
)
from hcsworkforce.ingest.reader import ROW_COL

ALIASES: dict[str, tuple[str, ...]] = {
    "period": ("DATA_MONTH", "DATE", "PERIOD_END", "QUARTER", "TIME_PERIOD", "YEAR_TO"),
    "data_level": ("DATA_LEVEL", "LEVEL"),
    "org_code": ("ORG_CODE", "ORGANISATION_CODE", "ODS_CODE", "ORG"),
    "org_name": ("ORG_NAME", "ORGANISATION_NAME", "ORGANISATION"),
    "region_code": ("NHSE_REGION_CODE", "REGION_CODE"),
    "region_name": ("NHSE_REGION_NAME", "REGION_NAME", "REGION"),
    "staff_group": (
        "STAFF_GROUP",
        "STAFF_GROUP_1",
        "STAFF_GROUP_1_NAME",
        "MAIN_STAFF_GROUP",
        "MAIN_STAFF_GROUP_NAME",
        "STAFF_GROUP_NAME",
    ),
    "leavers": ("LEAVERS", "LEAVERS_HC", "LEAVERS_HEADCOUNT", "NUMBER_OF_LEAVERS", "LEAVER_HC"),
    "denominator": (
        "DENOMINATOR",
        "DENOMINATOR_HC",
        "AVERAGE_HC",
        "AVERAGE_HEADCOUNT",
        "MEAN_HEADCOUNT",
        "MEAN_HC",
        "STAFF_IN_POST_HC",
        "DENOM_HC",
    ),
    "rate": ("TURNOVER_RATE", "LEAVER_RATE", "TURNOVER", "TURNOVER_PCT", "LEAVER_RATE_PCT", "RATE"),
}

SCHEMA: dict[str, Any] = {
    "row": pl.Int64,
    "period": pl.Date,
    "period_label": pl.String,
    "data_level": pl.String,
    "org_code": pl.String,
    "org_name": pl.String,
    "region_code": pl.String,
    "region_name": pl.String,
    "staff_group": pl.String,
    "leavers": pl.Float64,
    "leavers_suppressed": pl.Boolean,
    "denominator": pl.Float64,
    "denominator_suppressed": pl.Boolean,
    "rate_published": pl.Float64,
    "rate_suppressed": pl.Boolean,
}

_NATIONAL = {"england", "national", "all england", "eng", "all organisations"}


def matches(headers: list[str]) -> str | None:
    found = map_columns(headers, ALIASES)
    return "turnover" if {"leavers", "denominator"} <= set(found) else None


def _level(org: str, region: str | None, level_text: str) -> str:
    lt = norm_label(level_text)
    if lt in ("national", "england"):
        return "national"
    if "region" in lt:
        return "region"
    if lt in ("organisation", "trust", "org"):
        return "organisation"
    if org and norm_label(org) not in _NATIONAL:
        return "organisation"
    return "region" if region else "national"


def read(table: Table, period: date | None, trusts: dict[str, Any]) -> pl.DataFrame:
    cols = map_columns(table.headers, ALIASES)
    require_columns(cols, ["staff_group", "leavers", "denominator"], ALIASES, table.file, table.header_row)
    if "period" not in cols and period is None:
        raise UserInputError(
            Problem(
                "the table has no period column, so the period it reports is not known",
                file=table.file,
                row=table.header_row,
                column="PERIOD",
                expected="a PERIOD column, or --period YYYY-MM naming the month the period ends",
            )
        )
    bad = Collector()
    f = table.file
    out: list[dict[str, Any]] = []
    for rec in table.frame.iter_rows(named=True):
        record = _turnover_row(rec, cols, period, f, bad, trusts)
        if record is not None:
            out.append(record)
    if table.frame.height == 0:
        bad.add("the table has a header but no rows", file=f, row=table.header_row + 1, expected="data rows")
    bad.raise_if_any()
    return pl.DataFrame(out, schema=SCHEMA, orient="row") if out else pl.DataFrame(schema=SCHEMA)


def _turnover_row(
    rec: dict[str, Any],
    cols: dict[str, str],
    period: date | None,
    f: str,
    bad: Collector,
    trusts: dict[str, Any],
) -> dict[str, Any] | None:
    """One row as a record, or None with its problems added to `bad`."""
    row = int(rec[ROW_COL])
    before = bad.total
    label = cell(rec, cols, "period") if "period" in cols else (period.isoformat() if period else "")
    end = parse_period(label) if "period" in cols else period
    if end is None:
        bad.add(
            "is not a period",
            file=f,
            row=row,
            column=cols.get("period", "PERIOD"),
            value=label,
            expected="a month or date such as June 2024, 2024-06-30, or a span such as June 2023 to June 2024",
        )
    org = cell(rec, cols, "org_code").upper()
    region_name = cell(rec, cols, "region_name") or None
    region = resolve_region(cell(rec, cols, "region_code"), region_name)
    level = _level(org, region_name or region, cell(rec, cols, "data_level"))
    if level == "organisation" and not reference.ODS_CODE_RE.match(org):
        bad.add(
            "is not an ODS code",
            file=f,
            row=row,
            column=cols.get("org_code", "ORG_CODE"),
            value=org,
            expected="an organisation's ODS code such as RGT (or England / a region on a summary row)",
        )
    if level == "region" and region is None:
        bad.add(
            "is not an NHS England region",
            file=f,
            row=row,
            column=cols.get("region_name", cols.get("region_code", "REGION")),
            value=region_name or cell(rec, cols, "region_code"),
            expected="one of " + ", ".join(reference.regions().values()),
        )
    group = cell(rec, cols, "staff_group")
    if not group:
        bad.add(
            "the staff group is empty",
            file=f,
            row=row,
            column=cols["staff_group"],
            expected="a staff group",
        )
    leavers, denom, rate = _leavers_and_denominator(rec, cols, f, row, bad)
    if bad.total > before:
        return None
    if region is None and org in trusts:
        region = trusts[org].region_code
    assert leavers is not None and denom is not None
    return {
        "row": row,
        "period": end,
        "period_label": label,
        "data_level": level,
        "org_code": org if level == "organisation" else None,
        "org_name": cell(rec, cols, "org_name") or None,
        "region_code": region,
        "region_name": region_name,
        "staff_group": group,
        "leavers": leavers.value,
        "leavers_suppressed": leavers.suppressed,
        "denominator": denom.value,
        "denominator_suppressed": denom.suppressed,
        "rate_published": rate.value if rate else None,
        "rate_suppressed": bool(rate and rate.suppressed),
    }


def _leavers_and_denominator(
    rec: dict[str, Any], cols: dict[str, str], f: str, row: int, bad: Collector
) -> tuple[Number | None, Number | None, Number | None]:
    """Leavers, the denominator (headcount or FTE) and the published rate; no leavers out of nobody."""
    leavers = read_number(
        cell(rec, cols, "leavers"),
        bad,
        file=f,
        row=row,
        column=cols["leavers"],
        what="a number of leavers, 0 or more",
    )
    denom = read_number(
        cell(rec, cols, "denominator"),
        bad,
        file=f,
        row=row,
        column=cols["denominator"],
        what="a headcount or FTE, 0 or more",
    )
    rate = (
        read_number(
            cell(rec, cols, "rate"), bad, file=f, row=row, column=cols["rate"], what="a rate, 0 or more"
        )
        if "rate" in cols
        else None
    )
    if (
        leavers
        and denom
        and leavers.value is not None
        and denom.value is not None
        and leavers.value > 0
        and denom.value == 0
    ):
        bad.add(
            "leavers with a denominator of 0",
            file=f,
            row=row,
            column=cols["denominator"],
            value=cell(rec, cols, "denominator"),
            expected="a denominator above 0 where there are leavers",
        )
    return leavers, denom, rate


def suppressed_cells(df: pl.DataFrame) -> int:
    if not df.height:
        return 0
    return sum(int(df[c].sum()) for c in ("leavers_suppressed", "denominator_suppressed", "rate_suppressed"))
