"""Tables of the web application: accounts, the audit log and the job table (one row per queued run)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

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
    # TOTP second factor: the secret encrypted with a key derived from the installation's secret (Fernet), and
    # the last time step used, so that one code cannot be used twice.
    Column("totp_secret", Text),
    Column("totp_last_step", Integer),
    Column("password_changed_at", DateTime),
)

# Every sign-in attempt, written BEFORE the password is checked (outcome "pending"), in the transaction that
# counts the recent failures, so that concurrent attempts see each other (services/accounts.authenticate).
sign_in_attempts = Table(
    "sign_in_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(100), nullable=False),  # the name as typed (trimmed, lower case)
    Column("address", String(64), nullable=False),  # the client's network address ("" when unknown)
    Column("at", DateTime, nullable=False),
    # pending | failed | success | throttled | refused (TOTP required) | reset | unlocked
    Column("outcome", String(20), nullable=False),
)
Index("ix_sign_in_attempts_account_at", sign_in_attempts.c.account, sign_in_attempts.c.at)
Index("ix_sign_in_attempts_address_at", sign_in_attempts.c.address, sign_in_attempts.c.at)

# One-time password reset tokens (`hcs user reset NAME`): only their SHA-256 is kept; used once, within an hour.
password_resets = Table(
    "password_resets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime),
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
    # A hash chain (migration 1401): each row holds the hash of the row before it and its own hash, so an
    # edited, deleted or inserted row shows (`hcs audit verify`; services/audit.py writes and checks it).
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
)
# Login throttling counts recent failures per account name, so this look-up must stay cheap.
Index("ix_audit_log_event_actor_at", audit_log.c.event, audit_log.c.actor, audit_log.c.at)

AUDIT_GENESIS = "0" * 64  # the prev_hash of the first row of the audit log


def audit_row_hash(prev_hash: str, row: Mapping[Any, Any]) -> str:
    """sha256 of the previous row's hash and the canonical JSON of this row's fields (id, at, actor, event, ip,
    detail as stored). The one definition: the writer, `hcs audit verify` and migration 1401 all use it."""
    at = row["at"]
    fields = {
        "id": int(row["id"]),
        "at": at.isoformat(sep=" ", timespec="microseconds") if isinstance(at, datetime) else str(at),
        "actor": row["actor"],
        "event": row["event"],
        "ip": row["ip"],
        "detail": row["detail"],
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


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

# Signed-in browser sessions (services/sessions.py). The cookie carries a random 256-bit token; only its SHA-256
# is kept here, so someone who can read the database cannot take a session over. Times are UTC.
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 hex of the cookie's token
    Column("user_id", Integer, nullable=False),
    Column("user_epoch", Integer, nullable=False),  # users.session_epoch at sign-in; a newer epoch ends it
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),  # written at most once a minute per session
    Column("expires_at", DateTime, nullable=False),  # created_at + session_max_hours
    Column("ip", String(64)),
    Column("user_agent", String(300)),
)
Index("ix_sessions_user_id", sessions.c.user_id)
Index("ix_sessions_expires_at", sessions.c.expires_at)
Index("ix_sessions_last_seen_at", sessions.c.last_seen_at)
