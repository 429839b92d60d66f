"""Discovery: leadership counts per organisation and likely healthcare scientists in other staff groups.

Revision ID: 0901
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0901"
down_revision = "0001"
branch_labels = None
depends_on = None

COUNT_COLUMNS = (
    "hcs_headcount",
    "hcs_senior_headcount",
    "hcs_consultant_headcount",
    "nursing_headcount",
    "nursing_senior_headcount",
    "ahp_headcount",
    "ahp_senior_headcount",
)


def upgrade() -> None:
    op.create_table(
        "leadership_counts",
        sa.Column("census_id", sa.Integer, nullable=False),
        sa.Column("organisation_code", sa.String(8), nullable=False),
        *(sa.Column(c, sa.Integer, nullable=not c.startswith("hcs_")) for c in COUNT_COLUMNS),
        sa.Column("has_hcs_lead", sa.Boolean, nullable=False),
        sa.ForeignKeyConstraint(
            ["census_id"],
            ["censuses.id"],
            name="fk_leadership_counts_census_id_censuses",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_leadership_counts_census", "leadership_counts", ["census_id", "organisation_code"], unique=True
    )
    op.create_table(
        "likely_hcs_rows",
        sa.Column("census_id", sa.Integer, nullable=False),
        sa.Column("organisation_code", sa.String(8), nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("staff_group", sa.String(100)),
        sa.Column("category", sa.String(20)),
        sa.Column("occupation_code", sa.String(20)),
        sa.Column("job_role", sa.String(200)),
        sa.Column("position_title", sa.String(300)),
        sa.Column("area_of_work", sa.String(200)),
        sa.Column("matched_fields", sa.String(100), nullable=False),
        sa.Column("specialism_ids", sa.Text, nullable=False),
        sa.Column("career_level", sa.String(40)),
        sa.Column("strength", sa.String(10), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["census_id"],
            ["censuses.id"],
            name="fk_likely_hcs_rows_census_id_censuses",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_likely_hcs_rows_census", "likely_hcs_rows", ["census_id", "organisation_code"])


def downgrade() -> None:
    op.drop_index("ix_likely_hcs_rows_census", table_name="likely_hcs_rows")
    op.drop_table("likely_hcs_rows")
    op.drop_index("ix_leadership_counts_census", table_name="leadership_counts")
    op.drop_table("leadership_counts")
