"""Tables of the public NHS statistics, kept apart from the person-level censuses: one import row per
publication, layout and period (with its source file), and the rows as published under it; and the trusts
list refreshed from the ODS etr.csv file.

Reads and writes are in store/published.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hcsworkforce.store.tables import metadata

published_imports = Table(
    "published_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # workforce | turnover | sickness | survey
    Column("layout", String(40), nullable=False),  # staff_group | non_medical | breakdowns | ...
    Column("publication", String(200), nullable=False),
    Column("period", Date, nullable=False),  # the month the figures report (31 December of a survey year)
    Column("source_file", String(500), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("suppressed_cells", Integer, nullable=False),
    Column("period_source", String(20), nullable=False),  # file | file name | --period
    Column("notes", Text),  # JSON list
    Column("imported_at", DateTime, nullable=False),
    Column("actor", String(200)),
    UniqueConstraint("kind", "layout", "period", name="uq_published_imports_key"),
)


def _import_id() -> Column[Any]:
    return Column(
        "import_id", Integer, ForeignKey("published_imports.id", ondelete="CASCADE"), nullable=False
    )


def _text(name: str, length: int = 200) -> Column[Any]:
    return Column(name, String(length))


published_workforce = Table(
    "published_workforce",
    metadata,
    _import_id(),
    Column("row", Integer, nullable=False),  # the row in the source file, as a spreadsheet shows it
    Column("period", Date, nullable=False),
    Column("data_level", String(20), nullable=False),  # national | region | ics | organisation
    _text("org_code", 12),
    _text("org_name"),
    _text("region_code", 8),
    _text("region_name"),
    _text("ics_name"),
    _text("main_staff_group"),
    _text("staff_group_1"),
    _text("staff_group_2"),
    _text("area"),
    _text("level"),
    _text("afc_band", 40),
    Column("fte", Float),
    Column("fte_suppressed", Boolean, nullable=False),
    Column("headcount", Float),
    Column("headcount_suppressed", Boolean, nullable=False),
)
Index("ix_published_workforce_import", published_workforce.c.import_id, published_workforce.c.org_code)

published_turnover = Table(
    "published_turnover",
    metadata,
    _import_id(),
    Column("row", Integer, nullable=False),
    Column("period", Date, nullable=False),
    _text("period_label", 100),
    Column("data_level", String(20), nullable=False),
    _text("org_code", 12),
    _text("org_name"),
    _text("region_code", 8),
    _text("region_name"),
    _text("staff_group"),
    Column("leavers", Float),
    Column("leavers_suppressed", Boolean, nullable=False),
    Column("denominator", Float),
    Column("denominator_suppressed", Boolean, nullable=False),
    Column("rate_published", Float),
    Column("rate_suppressed", Boolean, nullable=False),
)
Index("ix_published_turnover_import", published_turnover.c.import_id, published_turnover.c.org_code)

published_sickness = Table(
    "published_sickness",
    metadata,
    _import_id(),
    Column("row", Integer, nullable=False),
    Column("period", Date, nullable=False),
    _text("breakdown_type", 40),
    _text("breakdown_value"),
    Column("data_level", String(20), nullable=False),
    _text("region_code", 8),
    _text("region_name"),
    _text("org_code", 12),
    _text("org_name"),
    _text("org_type"),
    _text("benchmark_group"),
    _text("staff_group"),
    Column("fte_days_lost", Float),
    Column("fte_days_available", Float),
    Column("rate_percent", Float),
    Column("suppressed", Boolean, nullable=False),
)
Index("ix_published_sickness_import", published_sickness.c.import_id, published_sickness.c.org_code)

published_survey = Table(
    "published_survey",
    metadata,
    _import_id(),
    Column("row", Integer, nullable=False),
    _text("sheet", 100),
    Column("year", Integer, nullable=False),
    _text("org_code", 40),  # as published: an ODS code, merged codes such as 01T/01V, or ENGLAND
    _text("org_name"),
    _text("benchmarking_group"),
    _text("region"),
    _text("ics"),
    _text("weighting", 40),
    _text("question", 100),
    _text("response", 100),
    Column("measure", String(10), nullable=False),  # percent | score
    Column("value", Float),
    Column("suppressed", Boolean, nullable=False),
    Column("base", Float),
)
Index("ix_published_survey_import", published_survey.c.import_id, published_survey.c.org_code)

# The trusts list as last refreshed from ODS etr.csv (`hcs reference update-trusts`). Empty until then, and
# the shipped reference/data/trusts.csv is used.
ods_trusts = Table(
    "ods_trusts",
    metadata,
    Column("ods_code", String(12), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("national_grouping", String(8)),
    Column("icb_code", String(8)),
    Column("postcode", String(10)),
    Column("opened", Date),
    Column("closed", Date),
    Column("region_code", String(8)),
    Column("source_file", String(500), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("imported_at", DateTime, nullable=False),
)

DATA_TABLES = {
    "workforce": published_workforce,
    "turnover": published_turnover,
    "sickness": published_sickness,
    "survey": published_survey,
}
