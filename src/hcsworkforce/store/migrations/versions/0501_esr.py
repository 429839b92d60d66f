"""Bank and honorary assignments and assignment statuses from ESR reports.

Revision ID: 0501
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0501"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_assignments",
        sa.Column("census_id", sa.Integer, nullable=False),
        sa.Column("staff_key", sa.String(40), nullable=False),
        sa.Column("assignment_key", sa.String(40), nullable=False),
        sa.Column("organisation_code", sa.String(8), nullable=False),
        sa.Column("specialism_id", sa.String(80), nullable=False),
        sa.Column("career_level", sa.String(40), nullable=False),
        sa.Column("afc_band", sa.String(3), nullable=False),
        sa.Column("fte", sa.Float, nullable=False),
        sa.Column("age", sa.Integer, nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(
            ["census_id"],
            ["censuses.id"],
            name="fk_bank_assignments_census_id_censuses",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_bank_assignments_census", "bank_assignments", ["census_id", "organisation_code"])
    op.create_table(
        "assignment_statuses",
        sa.Column("census_id", sa.Integer, nullable=False),
        sa.Column("assignment_key", sa.String(40), nullable=False),
        sa.Column("organisation_code", sa.String(8), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(
            ["census_id"],
            ["censuses.id"],
            name="fk_assignment_statuses_census_id_censuses",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_assignment_statuses_census", "assignment_statuses", ["census_id", "organisation_code"]
    )


def downgrade() -> None:
    op.drop_table("assignment_statuses")
    op.drop_table("bank_assignments")
