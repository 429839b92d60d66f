"""Audit chain (issue 14): each audit_log row holds the hash of the row before it and its own hash, so that an
edited, deleted or inserted row is found by `hcs audit verify`. The rows already written are chained here, in
id order, with the one hash rule (store.tables_web.audit_row_hash).

Revision ID: 1401
Revises: 0201
"""

import sqlalchemy as sa
from alembic import op

from hcsworkforce.store.tables_web import AUDIT_GENESIS, audit_row_hash

revision = "1401"
down_revision = "0201"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch_alter_table: SQLite cannot add several columns in one ALTER; on PostgreSQL it is plain ALTERs.
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64)))
        batch.add_column(sa.Column("hash", sa.String(64)))
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime),
        sa.column("actor", sa.String),
        sa.column("event", sa.String),
        sa.column("ip", sa.String),
        sa.column("detail", sa.Text),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(log.c.id, log.c.at, log.c.actor, log.c.event, log.c.ip, log.c.detail).order_by(log.c.id)
    ).mappings()
    prev = AUDIT_GENESIS
    updates = []
    for row in rows.all():
        digest = audit_row_hash(prev, row)
        updates.append({"row_id": row["id"], "prev_hash": prev, "hash": digest})
        prev = digest
    if updates:
        conn.execute(
            log.update()
            .where(log.c.id == sa.bindparam("row_id"))
            .values(prev_hash=sa.bindparam("prev_hash"), hash=sa.bindparam("hash")),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
