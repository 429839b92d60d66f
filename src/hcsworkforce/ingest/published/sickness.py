"""NHS Sickness Absence Rates (monthly, NHS England): FTE days lost and available, and the rate.

Three CSV layouts, as NHS England's own publication code writes them (github.com/NHSDigital/absence-rates,
absence_rates/absence_rates.py and benchmarking_tool.py, [V] read):
* ``breakdowns``: BREAKDOWN_TYPE, BREAKDOWN_VALUE, NHSE_REGION_CODE, NHSE_REGION_NAME, FTE_DAYS_LOST,
  FTE_DAYS_AVAILABLE, SICKNESS_ABSENCE_RATE_PERCENT (types ALL_ENGLAND, REGION, MAJOR_STAFF_GROUPS,
  MINOR_STAFF_GROUPS, MINOR_STAFF_GRADES, ORGANISATION_TYPE). It has no date column: the month comes from
  --period or the date in the file's name (the code names it ..._YYYY-MM-DD.csv).
* ``organisation``: DATE, NHSE_REGION_CODE, NHSE_REGION_NAME, ORG_CODE, ORG_NAME, ORG_TYPE, FTE_DAYS_LOST,
  FTE_DAYS_AVAILABLE, SICKNESS_ABSENCE_RATE_PERCENT.
* ``benchmarking``: DATE, NHSE_REGION_CODE, NHSE_REGION_NAME, ORG_CODE, ORG_NAME, CLUSTER_GROUP,
  BENCHMARK_GROUP, STAFF_GROUP, FTE_DAYS_LOST, FTE_DAYS_AVAILABLE, SICKNESS_ABSENCE_RATE_PERCENT.
Organisation rows with 330 FTE days available or fewer are published blank: kept as suppressed, never 0.
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
    parse_period,
    read_number,
    require_columns,
    resolve_region,
)
from hcsworkforce.ingest.reader import ROW_COL

ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("DATA_MONTH", "MONTH", "PERIOD"),
    "breakdown_type": (),
    "breakdown_value": (),
    "region_code": ("NHSE_REGION_CODE", "REGION_CODE"),
    "region_name": ("NHSE_REGION_NAME", "REGION_NAME"),
    "org_code": ("ORG_CODE", "ORGANISATION_CODE", "REPORTING_ORG_CODE"),
    "org_name": ("ORG_NAME", "ORGANISATION_NAME", "REPORTING_ORG_NAME"),
    "org_type": ("ORG_TYPE", "CLUSTER_GROUP"),
    "benchmark_group": ("BENCHMARK_GROUP",),
    "staff_group": ("STAFF_GROUP", "STAFF_GROUP_1_NAME"),
    "fte_days_lost": ("FTE_DAYS_LOST", "WTE_DAYS_SICK_THIS_MONTH"),
    "fte_days_available": ("FTE_DAYS_AVAILABLE", "WTE_DAYS_AVAILABLE"),
    "rate_percent": ("SICKNESS_ABSENCE_RATE_PERCENT", "SICKNESS_ABSENCE_RATE"),
}

SCHEMA: dict[str, Any] = {
    "row": pl.Int64,
    "period": pl.Date,
    "breakdown_type": pl.String,
    "breakdown_value": pl.String,
    "data_level": pl.String,
    "region_code": pl.String,
    "region_name": pl.String,
    "org_code": pl.String,
    "org_name": pl.String,
    "org_type": pl.String,
    "benchmark_group": pl.String,
    "staff_group": pl.String,
    "fte_days_lost": pl.Float64,
    "fte_days_available": pl.Float64,
    "rate_percent": pl.Float64,
    "suppressed": pl.Boolean,
}

BREAKDOWN_TYPES = {
    "ALL_ENGLAND": "national",
    "REGION": "region",
    "MAJOR_STAFF_GROUPS": "national",
    "MINOR_STAFF_GROUPS": "national",
    "MINOR_STAFF_GRADES": "national",
    "ORGANISATION_TYPE": "national",
    "REPORTING_ORG": "organisation",
}
# Breakdowns whose BREAKDOWN_VALUE is a staff group (main, or staff group 1).
STAFF_GROUP_BREAKDOWNS = ("MAJOR_STAFF_GROUPS", "MINOR_STAFF_GROUPS")


def matches(headers: list[str]) -> str | None:
    found = map_columns(headers, ALIASES)
    if not {"fte_days_lost", "fte_days_available"} <= set(found):
        return None
    if "breakdown_type" in found:
        return "breakdowns"
    if "staff_group" in found:
        return "benchmarking"
    if "org_code" in found:
        return "organisation"
    return None


def read(table: Table, layout: str, period: date | None, trusts: dict[str, Any]) -> pl.DataFrame:
    cols = map_columns(table.headers, ALIASES)
    need = ["fte_days_lost", "fte_days_available"] + (
        ["breakdown_value"] if layout == "breakdowns" else ["org_code"]
    )
    require_columns(cols, need, ALIASES, table.file, table.header_row)
    if "date" not in cols and period is None:
        raise UserInputError(
            Problem(
                "the file has no DATE column and its name has no date, so its month is not known",
                file=table.file,
                row=table.header_row,
                column="DATE",
                expected="--period YYYY-MM naming the month the file reports",
            )
        )
    bad = Collector()
    f = table.file
    out: list[dict[str, Any]] = []
    for rec in table.frame.iter_rows(named=True):
        record = _sickness_row(rec, cols, period, f, bad, trusts)
        if record is not None:
            out.append(record)
    if table.frame.height == 0:
        bad.add("the file has a header but no rows", file=f, row=table.header_row + 1, expected="data rows")
    bad.raise_if_any()
    return pl.DataFrame(out, schema=SCHEMA, orient="row") if out else pl.DataFrame(schema=SCHEMA)


def _sickness_row(
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
    month = period
    if "date" in cols:
        month = parse_period(cell(rec, cols, "date"))
        if month is None:
            bad.add(
                "is not a date",
                file=f,
                row=row,
                column=cols["date"],
                value=cell(rec, cols, "date"),
                expected="the month's last day, such as 30/11/2021",
            )
    btype = cell(rec, cols, "breakdown_type").upper() or "REPORTING_ORG"
    level = BREAKDOWN_TYPES.get(btype)
    if level is None:
        bad.add(
            "is not a breakdown type",
            file=f,
            row=row,
            column=cols.get("breakdown_type", "BREAKDOWN_TYPE"),
            value=btype,
            expected=", ".join(t for t in BREAKDOWN_TYPES if t != "REPORTING_ORG"),
        )
    org = cell(rec, cols, "org_code").upper()
    if level == "organisation" and not reference.ODS_CODE_RE.match(org):
        bad.add(
            "is not an ODS code",
            file=f,
            row=row,
            column=cols.get("org_code", "ORG_CODE"),
            value=org,
            expected="an ODS code such as RGT",
        )
    region_name = cell(rec, cols, "region_name") or None
    bvalue = cell(rec, cols, "breakdown_value") or None
    region = _row_region(rec, cols, level, region_name, bvalue, f, row, bad)
    lost, avail, rate = _days_and_rate(rec, cols, f, row, bad)
    if bad.total > before:
        return None
    assert lost is not None and avail is not None
    if region is None and org in trusts:
        region = trusts[org].region_code
    staff_group = cell(rec, cols, "staff_group") or (bvalue if btype in STAFF_GROUP_BREAKDOWNS else None)
    suppressed = lost.suppressed or avail.suppressed
    return {
        "row": row,
        "period": month,
        "breakdown_type": btype,
        "breakdown_value": bvalue,
        "data_level": level,
        "region_code": region,
        "region_name": region_name,
        "org_code": org or None,
        "org_name": cell(rec, cols, "org_name") or None,
        "org_type": cell(rec, cols, "org_type") or None,
        "benchmark_group": cell(rec, cols, "benchmark_group") or None,
        "staff_group": staff_group,
        "fte_days_lost": None if suppressed else lost.value,
        "fte_days_available": None if suppressed else avail.value,
        "rate_percent": None if suppressed or rate is None else rate.value,  # null where blank
        "suppressed": suppressed,
    }


def _row_region(
    rec: dict[str, Any],
    cols: dict[str, str],
    level: str | None,
    region_name: str | None,
    bvalue: str | None,
    f: str,
    row: int,
    bad: Collector,
) -> str | None:
    """The row's NHS England region: from its region columns, or a region breakdown's value."""
    region = resolve_region(cell(rec, cols, "region_code"), region_name)
    if level == "region" and region is None:
        region = resolve_region(None, bvalue)
        if region is None:
            bad.add(
                "is not an NHS England region",
                file=f,
                row=row,
                column=cols.get("breakdown_value", "BREAKDOWN_VALUE"),
                value=bvalue,
                expected="one of " + ", ".join(reference.regions().values()),
            )
    return region


def _days_and_rate(
    rec: dict[str, Any], cols: dict[str, str], f: str, row: int, bad: Collector
) -> tuple[Number | None, Number | None, Number | None]:
    """FTE days lost and available, and the rate; no more days lost than available."""
    lost = read_number(cell(rec, cols, "fte_days_lost"), bad, file=f, row=row, column=cols["fte_days_lost"])
    avail = read_number(
        cell(rec, cols, "fte_days_available"), bad, file=f, row=row, column=cols["fte_days_available"]
    )
    rate_text = cell(rec, cols, "rate_percent")
    both_blank = bool(lost and avail and lost.suppressed and avail.suppressed)
    # NHS England's breakdowns file carries a placeholder row (Special Health Authority) with no days and a
    # rate of 9999: with no days there is no rate, so the row is kept as suppressed, not as 9999%.
    rate = (
        None
        if both_blank
        else read_number(
            rate_text,
            bad,
            file=f,
            row=row,
            column=cols.get("rate_percent", "SICKNESS_ABSENCE_RATE_PERCENT"),
            high=100.0,
            what="a percentage from 0 to 100",
        )
        if "rate_percent" in cols
        else None
    )
    if lost and avail and lost.value is not None and avail.value is not None and lost.value > avail.value:
        bad.add(
            "more FTE days lost than available",
            file=f,
            row=row,
            column=cols["fte_days_lost"],
            value=cell(rec, cols, "fte_days_lost"),
            expected=f"at most FTE_DAYS_AVAILABLE ({cell(rec, cols, 'fte_days_available')})",
        )
    return lost, avail, rate


def suppressed_cells(df: pl.DataFrame) -> int:
    return int(df["suppressed"].sum()) if df.height else 0
