"""Tables of the web application: accounts, the audit log and the job table (one row per queued run)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, Index, Integer, String, Table, Text

from hcsworkforce.store.tables import metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200)),
    Column("password_hash", String(200), nullable=False),  # argon2id, with its own salt and parameters
    Column("role", String(20), nullable=False),  # national | region | organisation
    Column("scope_code", String(8)),  # region code or ODS code; null for national
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_sign_in_at", DateTime),
    # Bumped on disable or password change so that every session signed before it stops working.
    Column("session_epoch", Integer, nullable=False, default=0),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(100)),  # username as typed (failed sign-ins), or the signed-in user
    Column(
        "event", String(40), nullable=False
    ),  # sign_in, sign_in_failed, sign_out, import, run, download ...
    Column("ip", String(64)),
    Column("detail", Text),  # JSON
)
# Login throttling counts recent failures per account name, so this look-up must stay cheap.
Index("ix_audit_log_event_actor_at", audit_log.c.event, audit_log.c.actor, audit_log.c.at)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(40), nullable=False),  # import, ...
    Column("status", String(20), nullable=False),  # queued | running | done | failed
    Column("progress", Float, nullable=False, default=0.0),  # 0..1
    Column("message", String(500)),
    Column("params", Text),  # JSON: the full resolved parameters, for audit and re-use
    Column(
        "params_hash", String(64)
    ),  # sha256 of the canonical params: a result already computed is re-served
    Column("result_hash", String(64)),  # sha256 of the result JSON
    Column("result", Text),  # JSON
    Column("scope_kind", String(20), nullable=False),
    Column("scope_code", String(8)),
    Column("created_by", String(100)),
    Column("created_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("finished_at", DateTime),
)
Index("ix_jobs_kind_params_hash", jobs.c.kind, jobs.c.params_hash)
