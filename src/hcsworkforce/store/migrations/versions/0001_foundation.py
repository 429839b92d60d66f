"""Foundation: regions, organisations, censuses, assignments, leavers, establishment, import log.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _assignment_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("staff_key", sa.String(40), nullable=False),
        sa.Column("assignment_key", sa.String(40), nullable=False),
        sa.Column("organisation_code", sa.String(8), nullable=False),
        sa.Column("specialism_id", sa.String(80), nullable=False),
        sa.Column("career_level", sa.String(40), nullable=False),
        sa.Column("afc_band", sa.String(3), nullable=False),
        sa.Column("fte", sa.Float, nullable=False),
        sa.Column("age", sa.Integer, nullable=False),
        sa.Column("gender", sa.String(10)),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("training_programme", sa.String(40), nullable=False),
        sa.Column("expected_completion", sa.Date),
    ]


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("code", sa.String(8), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_regions"),
    )
    op.create_table(
        "organisations",
        sa.Column("code", sa.String(8)),
        sa.Column("name", sa.String(200)),
        sa.Column("region_code", sa.String(8)),
        sa.Column("known", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_organisations"),
    )
    op.create_table(
        "censuses",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("census_date", sa.Date, nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("source_file", sa.String(500)),
        sa.Column("file_sha256", sa.String(64)),
        sa.Column("establishment_file", sa.String(500)),
        sa.Column("rows_in_post", sa.Integer, nullable=False),
        sa.Column("rows_leavers", sa.Integer, nullable=False),
        sa.Column("people_in_post", sa.Integer, nullable=False),
        sa.Column("has_leaver_data", sa.Boolean, nullable=False),
        sa.Column("data_quality", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_censuses"),
        sa.UniqueConstraint("census_date", name="uq_censuses_census_date"),
    )
    extras: tuple[tuple[str, list[sa.Column]], ...] = (  # type: ignore[type-arg]
        ("assignments", []),
        (
            "leavers",
            [sa.Column("end_date", sa.Date, nullable=False), sa.Column("leaving_reason", sa.String(200))],
        ),
    )
    for name, extra in extras:
        op.create_table(
            name,
            sa.Column("census_id", sa.Integer, nullable=False),
            *_assignment_columns(),
            *extra,
            sa.ForeignKeyConstraint(
                ["census_id"], ["censuses.id"], ondelete="CASCADE", name=f"fk_{name}_census_id_censuses"
            ),
        )
    op.create_index("ix_assignments_census", "assignments", ["census_id", "organisation_code"])
    op.create_index("ix_leavers_census", "leavers", ["census_id"])
    op.create_table(
        "establishment",
        sa.Column("census_id", sa.Integer, nullable=False),
        sa.Column("organisation_code", sa.String(8), nullable=False),
        sa.Column("specialism_id", sa.String(80), nullable=False),
        sa.Column("career_level", sa.String(40)),
        sa.Column("afc_band", sa.String(3)),
        sa.Column("funded_fte", sa.Float, nullable=False),
        sa.ForeignKeyConstraint(
            ["census_id"], ["censuses.id"], ondelete="CASCADE", name="fk_establishment_census_id_censuses"
        ),
    )
    op.create_index("ix_establishment_census", "establishment", ["census_id"])
    op.create_table(
        "import_log",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("census_date", sa.Date),
        sa.Column("file", sa.String(500)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("rows", sa.Integer),
        sa.Column("problems", sa.Integer),
        sa.Column("detail", sa.Text),
        sa.Column("actor", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_import_log"),
    )


def downgrade() -> None:
    for name in (
        "import_log",
        "establishment",
        "leavers",
        "assignments",
        "censuses",
        "organisations",
        "regions",
    ):
        op.drop_table(name)
