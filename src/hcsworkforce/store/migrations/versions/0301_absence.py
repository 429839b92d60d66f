"""Sickness absence episodes, loaded against a census.

Revision ID: 0301
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0301"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("census_date", sa.Date, nullable=False),
        sa.Column("staff_key", sa.String(40), nullable=False),
        sa.Column("assignment_key", sa.String(40), nullable=False),
        sa.Column("organisation_code", sa.String(8), nullable=False),
        sa.Column("absence_start", sa.Date, nullable=False),
        sa.Column("absence_end", sa.Date),
        sa.Column("reason", sa.String(200)),
        sa.Column("source_file", sa.String(500)),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_absences"),
    )
    op.create_index("ix_absences_census", "absences", ["census_date", "organisation_code"])


def downgrade() -> None:
    op.drop_index("ix_absences_census", table_name="absences")
    op.drop_table("absences")
