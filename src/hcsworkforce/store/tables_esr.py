"""What an ESR report carries beyond staff in post: bank and honorary assignments, and assignment statuses."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table

from hcsworkforce.model import frames
from hcsworkforce.store.tables import metadata

# Bank and honorary assignments of healthcare scientists: counted apart from staff in post (bank is supply).
bank_assignments = Table(
    "bank_assignments",
    metadata,
    Column("census_id", Integer, ForeignKey("censuses.id", ondelete="CASCADE"), nullable=False),
    Column("staff_key", String(40), nullable=False),
    Column("assignment_key", String(40), nullable=False),
    Column("organisation_code", String(8), nullable=False),
    Column("specialism_id", String(80), nullable=False),
    Column("career_level", String(40), nullable=False),
    Column("afc_band", String(3), nullable=False),
    Column("fte", Float, nullable=False),
    Column("age", Integer, nullable=False),
    Column("category", String(20), nullable=False),  # bank | honorary
)
Index("ix_bank_assignments_census", bank_assignments.c.census_id, bank_assignments.c.organisation_code)

# In-post assignments that are not available: maternity, career break, secondment, suspended, other.
assignment_statuses = Table(
    "assignment_statuses",
    metadata,
    Column("census_id", Integer, ForeignKey("censuses.id", ondelete="CASCADE"), nullable=False),
    Column("assignment_key", String(40), nullable=False),
    Column("organisation_code", String(8), nullable=False),
    Column("status", String(20), nullable=False),
)
Index(
    "ix_assignment_statuses_census", assignment_statuses.c.census_id, assignment_statuses.c.organisation_code
)

BANK_COLUMNS = list(frames.BANK_SCHEMA)
STATUS_COLUMNS = list(frames.STATUS_SCHEMA)
