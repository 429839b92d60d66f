"""SQLAlchemy Core tables. Other modules add tables to the same ``metadata`` (tables_*.py)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

regions = Table(
    "regions",
    metadata,
    Column("code", String(8), primary_key=True),
    Column("name", String(100), nullable=False),
)

organisations = Table(
    "organisations",
    metadata,
    Column("code", String(8), primary_key=True),
    Column("name", String(200)),
    Column("region_code", String(8)),
    # True where the code is in the shipped list of NHS trusts; unknown codes are loaded and flagged.
    Column("known", Boolean, nullable=False, default=False),
)

censuses = Table(
    "censuses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("census_date", Date, nullable=False, unique=True),
    Column("imported_at", DateTime, nullable=False),
    Column("source_file", String(500)),
    Column("file_sha256", String(64)),
    Column("establishment_file", String(500)),
    Column("rows_in_post", Integer, nullable=False),
    Column("rows_leavers", Integer, nullable=False),
    Column("people_in_post", Integer, nullable=False),
    Column("has_leaver_data", Boolean, nullable=False),
    Column("data_quality", Text),  # JSON: findings of the import that loaded this census
)

_assignment_columns = (
    ("staff_key", String(40), False),
    ("assignment_key", String(40), False),
    ("organisation_code", String(8), False),
    ("specialism_id", String(80), False),
    ("career_level", String(40), False),
    ("afc_band", String(3), False),
    ("fte", Float, False),
    ("age", Integer, False),
    ("gender", String(10), True),
    ("start_date", Date, False),
    ("training_programme", String(40), False),
    ("expected_completion", Date, True),
)


def _cols() -> list[Column[object]]:
    return [Column(name, typ, nullable=nullable) for name, typ, nullable in _assignment_columns]


assignments = Table(
    "assignments",
    metadata,
    Column("census_id", Integer, ForeignKey("censuses.id", ondelete="CASCADE"), nullable=False),
    *_cols(),
)
Index("ix_assignments_census", assignments.c.census_id, assignments.c.organisation_code)

leavers = Table(
    "leavers",
    metadata,
    Column("census_id", Integer, ForeignKey("censuses.id", ondelete="CASCADE"), nullable=False),
    *_cols(),
    Column("end_date", Date, nullable=False),
    Column("leaving_reason", String(200)),
)
Index("ix_leavers_census", leavers.c.census_id)

establishment = Table(
    "establishment",
    metadata,
    Column("census_id", Integer, ForeignKey("censuses.id", ondelete="CASCADE"), nullable=False),
    Column("organisation_code", String(8), nullable=False),
    Column("specialism_id", String(80), nullable=False),
    Column("career_level", String(40)),
    Column("afc_band", String(3)),
    Column("funded_fte", Float, nullable=False),
)
Index("ix_establishment_census", establishment.c.census_id)

import_log = Table(
    "import_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("census_date", Date),
    Column("file", String(500)),
    Column("status", String(20), nullable=False),  # loaded | rejected
    Column("rows", Integer),
    Column("problems", Integer),
    Column("detail", Text),  # JSON
    Column("actor", String(200)),
)

ASSIGNMENT_COLUMNS = [c[0] for c in _assignment_columns]
LEAVER_COLUMNS = [*ASSIGNMENT_COLUMNS, "end_date", "leaving_reason"]
ESTABLISHMENT_COLUMNS = ["organisation_code", "specialism_id", "career_level", "afc_band", "funded_fte"]

# A columnar copy of each census's rows, written in the import's transaction. Reading a history of many
# censuses from these is an order of magnitude faster than row by row, on SQLite and PostgreSQL alike, and
# it lives in the database so machines sharing a PostgreSQL server share it too.
census_snapshots = Table(
    "census_snapshots",
    metadata,
    Column("census_id", Integer, ForeignKey("censuses.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(20), primary_key=True),  # assignments | leavers | establishment
    Column("rows", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),  # Parquet (zstd)
)
