"""Columnar (Parquet) snapshot of each census, for fast reads of many censuses.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "census_snapshots",
        sa.Column("census_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("census_id", "kind", name="pk_census_snapshots"),
        sa.ForeignKeyConstraint(
            ["census_id"], ["censuses.id"], ondelete="CASCADE", name="fk_census_snapshots_census_id_censuses"
        ),
    )


def downgrade() -> None:
    op.drop_table("census_snapshots")
