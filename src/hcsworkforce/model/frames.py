"""Column contracts of the frames the store hands to the engines.

Engines take polars frames with these columns (extra columns are allowed and ignored). Keeping the contract
here lets an engine be tested on a frame built by hand, with no database.
"""

from __future__ import annotations

import polars as pl

# One row per assignment in post on the census date. staff_key is the pseudonymised staff_id.
STAFF_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "census_date": pl.Date,
    "staff_key": pl.String,
    "assignment_key": pl.String,
    "organisation_code": pl.String,
    "region_code": pl.String,  # null where the organisation's region is not known
    "specialism_id": pl.String,
    "division_id": pl.String,
    "career_level": pl.String,
    "afc_band": pl.String,
    "fte": pl.Float64,
    "age": pl.Int32,  # whole years on the census date; dates of birth are never stored
    "gender": pl.String,
    "start_date": pl.Date,
    "training_programme": pl.String,  # 'none' when not in training
    "expected_completion": pl.Date,
}

# One row per assignment that ended in the 12 months up to the census date.
LEAVER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    **STAFF_SCHEMA,
    "end_date": pl.Date,
    "leaving_reason": pl.String,
}

# Funded posts. career_level or afc_band (or both) may be null: the grain the trust plans at.
ESTABLISHMENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "census_date": pl.Date,
    "organisation_code": pl.String,
    "region_code": pl.String,
    "specialism_id": pl.String,
    "division_id": pl.String,
    "career_level": pl.String,
    "afc_band": pl.String,
    "funded_fte": pl.Float64,
}

PROFILE_DIMENSIONS = (
    "organisation",
    "region",
    "division",
    "specialism",
    "career_level",
    "afc_band",
    "age_band",
    "gender",
)

# Dimension name (as users type it) -> column in the staff frame.
DIMENSION_COLUMNS = {
    "organisation": "organisation_code",
    "region": "region_code",
    "division": "division_id",
    "specialism": "specialism_id",
    "career_level": "career_level",
    "afc_band": "afc_band",
    "age_band": "age_band",
    "gender": "gender",
}

AGE_BANDS = (
    (16, 24, "16-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 59, "55-59"),
    (60, 64, "60-64"),
    (65, 120, "65+"),
)


_AGE_BAND_OF = {age: label for lo, hi, label in AGE_BANDS for age in range(lo, hi + 1)}


def age_band_expr(age_col: str = "age") -> pl.Expr:
    """Age in years -> the age band label used in every output (dates of birth never leave the store).

    One hash look-up per row, not a chain of seven conditions: it runs over millions of rows in a history.
    """
    return pl.col(age_col).replace_strict(_AGE_BAND_OF, default=None, return_dtype=pl.String)


def empty(schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


# Bank and honorary assignments of healthcare scientists (counted apart from staff in post; bank is supply),
# and in-post assignments whose ESR status makes them unavailable (store.tables_esr keeps both).
BANK_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "staff_key": pl.String,
    "assignment_key": pl.String,
    "organisation_code": pl.String,
    "specialism_id": pl.String,
    "career_level": pl.String,
    "afc_band": pl.String,
    "fte": pl.Float64,
    "age": pl.Int32,
    "category": pl.String,  # bank | honorary
}
STATUS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "assignment_key": pl.String,
    "organisation_code": pl.String,
    "status": pl.String,  # maternity | career_break | secondment | suspended | other
}
