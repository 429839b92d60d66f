"""Staff survey results and the key-people directory.

Revision ID: 0101
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0101"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_results",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("organisation_code", sa.String(8), nullable=False),
        sa.Column("staff_group", sa.String(80), nullable=False),
        sa.Column("question", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("respondents", sa.Integer, nullable=False),
        sa.Column("percent_positive", sa.Float),
        sa.Column("score", sa.Float),
        sa.Column("sd", sa.Float),
        sa.Column("source_file", sa.String(500)),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_survey_results"),
        sa.UniqueConstraint(
            "organisation_code", "staff_group", "question", "year", name="uq_survey_results_key"
        ),
    )
    op.create_table(
        "key_people",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("scope_code", sa.String(80), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(200)),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_to", sa.Date),
        sa.Column("source_file", sa.String(500)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_key_people"),
    )
    op.create_index("ix_key_people_role_scope", "key_people", ["role", "scope_code"])


def downgrade() -> None:
    op.drop_index("ix_key_people_role_scope", table_name="key_people")
    op.drop_table("key_people")
    op.drop_table("survey_results")
