"""Dates as people and ESR write them: ISO, UK day-first, ESR's 31-MAR-2024, with times, and Excel serials."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

DATE_EXPECTED = "a date such as 2024-03-31 or 31/03/2024"

# Excel counts days from 1899-12-30 (its 1900 leap-year bug included); serials 1 .. 2958465 are 1900 .. 9999.
_EXCEL_EPOCH = date(1899, 12, 30)
_TIME_SUFFIX = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)$"


def _excel_serial(text: str) -> date | None:
    try:
        n = float(text)
    except ValueError:
        return None
    # 10,000 (1927) .. 80,000 (2119): wide enough for dates of birth and end dates, narrow enough that a
    # stray number is not taken for a date.
    if not 10_000 <= n <= 80_000 or n != int(n):
        return None
    return _EXCEL_EPOCH + timedelta(days=int(n))


def parse_dates(frame: pl.DataFrame, col: str) -> pl.Expr:
    """Text -> Date, once per distinct value: ISO, 31/03/2024, 31-03-2024, 31.03.2024, 31-MAR-2024, 31 Mar 2024,
    any of those followed by a time (31/12/2024 00:00:00, 2024-12-31T00:00:00), or an Excel serial (45382)."""
    uniq = frame.select(pl.col(col).str.strip_chars().unique().drop_nulls().alias("s"))
    s = pl.col("s").str.replace(_TIME_SUFFIX, "").str.strip_chars()
    t = s.str.to_titlecase()
    parsed = uniq.with_columns(
        pl.coalesce(
            s.str.to_date("%Y-%m-%d", strict=False),
            s.str.to_date("%d/%m/%Y", strict=False),
            s.str.to_date("%d-%m-%Y", strict=False),
            s.str.to_date("%d.%m.%Y", strict=False),
            t.str.to_date("%d-%b-%Y", strict=False),
            t.str.to_date("%d %b %Y", strict=False),
            t.str.to_date("%d %B %Y", strict=False),
            s.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
        ).alias("d")
    )
    mapping = dict(zip(parsed["s"].to_list(), parsed["d"].to_list(), strict=True))
    for k, v in mapping.items():
        if v is None:
            mapping[k] = _excel_serial(k)
    return pl.col(col).str.strip_chars().replace_strict(mapping, default=None, return_dtype=pl.Date)
