"""Public NHS statistics imported as published (workforce statistics, turnover, sickness absence, Staff
Survey detailed spreadsheets), each under an import row with its publication, period and source file; and the
trusts list refreshed from ODS etr.csv.

Revision ID: 0401
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0401"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published_imports",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("layout", sa.String(40), nullable=False),
        sa.Column("publication", sa.String(200), nullable=False),
        sa.Column("period", sa.Date, nullable=False),
        sa.Column("source_file", sa.String(500), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("suppressed_cells", sa.Integer, nullable=False),
        sa.Column("period_source", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_published_imports"),
        sa.UniqueConstraint("kind", "layout", "period", name="uq_published_imports_key"),
    )
    op.create_table(
        "published_workforce",
        sa.Column(
            "import_id",
            sa.Integer,
            sa.ForeignKey(
                "published_imports.id",
                ondelete="CASCADE",
                name="fk_published_workforce_import_id_published_imports",
            ),
            nullable=False,
        ),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("period", sa.Date, nullable=False),
        sa.Column("data_level", sa.String(20), nullable=False),
        sa.Column("org_code", sa.String(12)),
        sa.Column("org_name", sa.String(200)),
        sa.Column("region_code", sa.String(8)),
        sa.Column("region_name", sa.String(200)),
        sa.Column("ics_name", sa.String(200)),
        sa.Column("main_staff_group", sa.String(200)),
        sa.Column("staff_group_1", sa.String(200)),
        sa.Column("staff_group_2", sa.String(200)),
        sa.Column("area", sa.String(200)),
        sa.Column("level", sa.String(200)),
        sa.Column("afc_band", sa.String(40)),
        sa.Column("fte", sa.Float),
        sa.Column("fte_suppressed", sa.Boolean, nullable=False),
        sa.Column("headcount", sa.Float),
        sa.Column("headcount_suppressed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_published_workforce_import", "published_workforce", ["import_id", "org_code"])
    op.create_table(
        "published_turnover",
        sa.Column(
            "import_id",
            sa.Integer,
            sa.ForeignKey(
                "published_imports.id",
                ondelete="CASCADE",
                name="fk_published_turnover_import_id_published_imports",
            ),
            nullable=False,
        ),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("period", sa.Date, nullable=False),
        sa.Column("period_label", sa.String(100)),
        sa.Column("data_level", sa.String(20), nullable=False),
        sa.Column("org_code", sa.String(12)),
        sa.Column("org_name", sa.String(200)),
        sa.Column("region_code", sa.String(8)),
        sa.Column("region_name", sa.String(200)),
        sa.Column("staff_group", sa.String(200)),
        sa.Column("leavers", sa.Float),
        sa.Column("leavers_suppressed", sa.Boolean, nullable=False),
        sa.Column("denominator", sa.Float),
        sa.Column("denominator_suppressed", sa.Boolean, nullable=False),
        sa.Column("rate_published", sa.Float),
        sa.Column("rate_suppressed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_published_turnover_import", "published_turnover", ["import_id", "org_code"])
    op.create_table(
        "published_sickness",
        sa.Column(
            "import_id",
            sa.Integer,
            sa.ForeignKey(
                "published_imports.id",
                ondelete="CASCADE",
                name="fk_published_sickness_import_id_published_imports",
            ),
            nullable=False,
        ),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("period", sa.Date, nullable=False),
        sa.Column("breakdown_type", sa.String(40)),
        sa.Column("breakdown_value", sa.String(200)),
        sa.Column("data_level", sa.String(20), nullable=False),
        sa.Column("region_code", sa.String(8)),
        sa.Column("region_name", sa.String(200)),
        sa.Column("org_code", sa.String(12)),
        sa.Column("org_name", sa.String(200)),
        sa.Column("org_type", sa.String(200)),
        sa.Column("benchmark_group", sa.String(200)),
        sa.Column("staff_group", sa.String(200)),
        sa.Column("fte_days_lost", sa.Float),
        sa.Column("fte_days_available", sa.Float),
        sa.Column("rate_percent", sa.Float),
        sa.Column("suppressed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_published_sickness_import", "published_sickness", ["import_id", "org_code"])
    op.create_table(
        "published_survey",
        sa.Column(
            "import_id",
            sa.Integer,
            sa.ForeignKey(
                "published_imports.id",
                ondelete="CASCADE",
                name="fk_published_survey_import_id_published_imports",
            ),
            nullable=False,
        ),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("sheet", sa.String(100)),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("org_code", sa.String(40)),
        sa.Column("org_name", sa.String(200)),
        sa.Column("benchmarking_group", sa.String(200)),
        sa.Column("region", sa.String(200)),
        sa.Column("ics", sa.String(200)),
        sa.Column("weighting", sa.String(40)),
        sa.Column("question", sa.String(100)),
        sa.Column("response", sa.String(100)),
        sa.Column("measure", sa.String(10), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("suppressed", sa.Boolean, nullable=False),
        sa.Column("base", sa.Float),
    )
    op.create_index("ix_published_survey_import", "published_survey", ["import_id", "org_code"])
    op.create_table(
        "ods_trusts",
        sa.Column("ods_code", sa.String(12)),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("national_grouping", sa.String(8)),
        sa.Column("icb_code", sa.String(8)),
        sa.Column("postcode", sa.String(10)),
        sa.Column("opened", sa.Date),
        sa.Column("closed", sa.Date),
        sa.Column("region_code", sa.String(8)),
        sa.Column("source_file", sa.String(500), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("ods_code", name="pk_ods_trusts"),
    )


def downgrade() -> None:
    op.drop_index("ix_published_workforce_import", table_name="published_workforce")
    op.drop_index("ix_published_turnover_import", table_name="published_turnover")
    op.drop_index("ix_published_sickness_import", table_name="published_sickness")
    op.drop_index("ix_published_survey_import", table_name="published_survey")
    op.drop_table("ods_trusts")
    op.drop_table("published_survey")
    op.drop_table("published_sickness")
    op.drop_table("published_turnover")
    op.drop_table("published_workforce")
    op.drop_table("published_imports")
