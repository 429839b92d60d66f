"""NHS Workforce Statistics (monthly, NHS England): FTE and headcount by organisation and staff group.

Two layouts, told apart by their headers:
* ``staff_group``: "Core 1. Staff group - England, NHSE region, ICS and org" (DATA_MONTH, DATA_LEVEL, ORG_CODE,
  ORG_NAME, NHSE_REGION_NAME, ICS_NAME, MAIN_STAFF_GROUP, STAFF_GROUP_1, FTE, HEADCOUNT);
* ``non_medical``: the non-medical staff file (ORG_CODE, MAIN_STAFF_GROUP_NAME, STAFF_GROUP_1_NAME,
  STAFF_GROUP_2_NAME, AREA, LEVEL, AFC_BAND, FTE), which carries the healthcare science breakdowns.
Column names as third-party loaders document them (shared/reference/hcs_facts.md 3.3, [P]); both `_NAME` and
bare spellings are accepted. docs/published-statistics.md says what is unverified.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.published.common import (
    Collector,
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
    "data_month": ("DATE", "MONTH", "PERIOD", "TM_YEAR_MONTH", "EFFECTIVE_SNAPSHOT_DATE"),
    "data_level": ("LEVEL_OF_DATA", "GEOGRAPHY_LEVEL"),
    "org_code": ("ORGANISATION_CODE", "ORG", "ODS_CODE"),
    "org_name": ("ORGANISATION_NAME", "ORGANISATION"),
    "region_code": ("NHSE_REGION_CODE", "REGION_CODE"),
    "region_name": ("NHSE_REGION_NAME", "REGION_NAME", "REGION"),
    "ics_code": ("ICS_CODE", "ICB_CODE", "STP_CODE"),
    "ics_name": ("ICS_NAME", "ICB_NAME", "STP_NAME"),
    "main_staff_group": ("MAIN_STAFF_GROUP", "MAIN_STAFF_GROUP_NAME"),
    "staff_group_1": ("STAFF_GROUP_1", "STAFF_GROUP_1_NAME", "STAFF_GROUP"),
    "staff_group_2": ("STAFF_GROUP_2", "STAFF_GROUP_2_NAME"),
    "area": ("AREA", "AREA_OF_WORK", "CARE_SETTING"),
    "level": ("LEVEL", "LEVEL_NAME"),
    "afc_band": ("AFC_BAND", "AGENDA_FOR_CHANGE_BAND", "BAND"),
    "fte": ("FTE", "FULL_TIME_EQUIVALENT", "WTE"),
    "headcount": ("HEADCOUNT", "HC"),
}

SCHEMA: dict[str, Any] = {
    "row": pl.Int64,
    "period": pl.Date,
    "data_level": pl.String,
    "org_code": pl.String,
    "org_name": pl.String,
    "region_code": pl.String,
    "region_name": pl.String,
    "ics_name": pl.String,
    "main_staff_group": pl.String,
    "staff_group_1": pl.String,
    "staff_group_2": pl.String,
    "area": pl.String,
    "level": pl.String,
    "afc_band": pl.String,
    "fte": pl.Float64,
    "fte_suppressed": pl.Boolean,
    "headcount": pl.Float64,
    "headcount_suppressed": pl.Boolean,
}

# DATA_LEVEL as published -> ours. The values are those a third-party loader documents [P].
LEVELS = {
    "national": "national",
    "england": "national",
    "nhs england region": "region",
    "region": "region",
    "nhse region": "region",
    "ics area": "ics",
    "ics": "ics",
    "icb": "ics",
    "integrated care board": "ics",
    "stp": "ics",
    "organisation": "organisation",
    "organisation level": "organisation",
    "trust": "organisation",
}


def matches(headers: list[str]) -> str | None:
    """'staff_group' or 'non_medical' where the headers are a workforce statistics layout, else None."""
    found = map_columns(headers, ALIASES)
    if "fte" not in found and "headcount" not in found:
        return None
    if not ({"main_staff_group", "staff_group_1", "staff_group_2"} & set(found)):
        return None
    if {"staff_group_2", "afc_band", "area", "level"} & set(found):
        return "non_medical"
    return "staff_group"


def read(table: Table, layout: str, period: date | None, trusts: dict[str, Any]) -> pl.DataFrame:
    """Validate every row; every problem at once. Rows come back in SCHEMA; numbers withheld stay null with
    their *_suppressed flag set."""
    cols = map_columns(table.headers, ALIASES)
    require_columns(
        cols, ["org_code"] if layout == "non_medical" else [], ALIASES, table.file, table.header_row
    )
    if "fte" not in cols and "headcount" not in cols:
        raise UserInputError(
            Problem(
                "no FTE or HEADCOUNT column", file=table.file, row=table.header_row, expected="FTE, HEADCOUNT"
            )
        )
    if "data_month" not in cols and period is None:
        raise UserInputError(
            Problem(
                "the file has no DATA_MONTH column, so its month is not known",
                file=table.file,
                row=table.header_row,
                column="DATA_MONTH",
                expected="a DATA_MONTH column, or --period YYYY-MM naming the month the file reports",
            )
        )
    bad = Collector()
    out: list[dict[str, Any]] = []
    f = table.file
    for rec in table.frame.iter_rows(named=True):
        record = _workforce_row(rec, cols, period, f, bad, trusts)
        if record is not None:
            out.append(record)
    if table.frame.height == 0:
        bad.add("the file has a header but no rows", file=f, row=table.header_row + 1, expected="data rows")
    bad.raise_if_any()
    return pl.DataFrame(out, schema=SCHEMA, orient="row") if out else pl.DataFrame(schema=SCHEMA)


def _workforce_row(
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
    if "data_month" in cols:
        month = parse_period(cell(rec, cols, "data_month"))
        if month is None:
            bad.add(
                "is not a month",
                file=f,
                row=row,
                column=cols["data_month"],
                value=cell(rec, cols, "data_month"),
                expected="a date such as 2024-03-31 or 31/03/2024, or a month such as March 2024",
            )
    org = cell(rec, cols, "org_code").upper()
    level = _data_level(rec, cols, org, f, row, bad)
    fte = (
        read_number(cell(rec, cols, "fte"), bad, file=f, row=row, column=cols.get("fte", "FTE"))
        if "fte" in cols
        else None
    )
    hc = (
        read_number(
            cell(rec, cols, "headcount"),
            bad,
            file=f,
            row=row,
            column=cols["headcount"],
            whole=True,
            what="a whole number, 0 or more",
        )
        if "headcount" in cols
        else None
    )
    if bad.total > before:
        return None
    region_name = cell(rec, cols, "region_name") or None
    region = resolve_region(cell(rec, cols, "region_code"), region_name)
    if region is None and org in trusts:
        region = trusts[org].region_code
    return {
        "row": row,
        "period": month,
        "data_level": level,
        "org_code": org or None,
        "org_name": cell(rec, cols, "org_name") or None,
        "region_code": region,
        "region_name": region_name,
        "ics_name": cell(rec, cols, "ics_name") or None,
        "main_staff_group": cell(rec, cols, "main_staff_group") or None,
        "staff_group_1": cell(rec, cols, "staff_group_1") or None,
        "staff_group_2": cell(rec, cols, "staff_group_2") or None,
        "area": cell(rec, cols, "area") or None,
        "level": cell(rec, cols, "level") or None,
        "afc_band": cell(rec, cols, "afc_band") or None,
        "fte": fte.value if fte else None,
        "fte_suppressed": bool(fte and fte.suppressed),
        "headcount": hc.value if hc else None,
        "headcount_suppressed": bool(hc and hc.suppressed),
    }


def _data_level(
    rec: dict[str, Any], cols: dict[str, str], org: str, f: str, row: int, bad: Collector
) -> str | None:
    """The row's level (national, region, ICS, organisation), with an organisation's ODS code checked."""
    level_text = cell(rec, cols, "data_level")
    if level_text:
        level = LEVELS.get(norm_label(level_text))
        if level is None:
            bad.add(
                "is not a data level",
                file=f,
                row=row,
                column=cols["data_level"],
                value=level_text,
                expected="National, NHS England region, ICS area or Organisation",
            )
    else:
        level = "organisation" if org else "national"
    if level == "organisation" and not reference.ODS_CODE_RE.match(org):
        bad.add(
            "is not an ODS code",
            file=f,
            row=row,
            column=cols.get("org_code", "ORG_CODE"),
            value=org,
            expected="an organisation's ODS code such as RGT",
        )
    return level


def suppressed_cells(df: pl.DataFrame) -> int:
    return sum(int(df[c].sum()) for c in ("fte_suppressed", "headcount_suppressed")) if df.height else 0
