"""Web application: users, audit log, jobs.

Revision ID: 0201
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0201"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200)),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("scope_code", sa.String(8)),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime),
        sa.Column("session_epoch", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(100)),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("ip", sa.String(64)),
        sa.Column("detail", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_event_actor_at", "audit_log", ["event", "actor", "at"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36)),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("message", sa.String(500)),
        sa.Column("params", sa.Text),
        sa.Column("params_hash", sa.String(64)),
        sa.Column("result_hash", sa.String(64)),
        sa.Column("result", sa.Text),
        sa.Column("scope_kind", sa.String(20), nullable=False),
        sa.Column("scope_code", sa.String(8)),
        sa.Column("created_by", sa.String(100)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime),
        sa.Column("finished_at", sa.DateTime),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )
    op.create_index("ix_jobs_kind_params_hash", "jobs", ["kind", "params_hash"])


def downgrade() -> None:
    op.drop_index("ix_jobs_kind_params_hash", table_name="jobs")
    op.drop_table("jobs")
    op.drop_index("ix_audit_log_event_actor_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("users")
