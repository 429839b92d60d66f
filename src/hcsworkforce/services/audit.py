"""The audit log: who signed in, was refused, imported, ran or downloaded what, and when; hash-chained.

Every row holds the hash of the row before it (`prev_hash`) and its own `hash` = sha256(prev_hash + the
canonical JSON of its fields) (store.tables_web.audit_row_hash). Rows are written one at a time under a lock
(SQLite: an immediate transaction; PostgreSQL: a transaction-scoped advisory lock), so concurrent writers in
any number of processes chain correctly. `verify` walks the chain: an edited row no longer matches its hash,
a deleted or inserted row breaks the next row's prev_hash. A chain can be rewritten whole by someone who can
write the database; recording the head (`hcs audit verify` prints it) elsewhere and checking it later
(`--anchor`) finds that too.

Audit lines carry no personal values: user names, addresses, paths and what was done, never staff data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, text, update

from hcsworkforce.model.scope import Scope
from hcsworkforce.services import access
from hcsworkforce.store import Store
from hcsworkforce.store.tables_web import AUDIT_GENESIS, audit_log, audit_row_hash

# pg_advisory_xact_lock key of audit writes (any constant; "HCSA" in ASCII).
_PG_LOCK_KEY = 0x48435341


@contextmanager
def _locked(store: Store) -> Iterator[Connection]:
    """A transaction that holds the audit log's write lock until it ends."""
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            # The write lock from the start: a deferred transaction could read the last hash, then find that
            # another process wrote a row meanwhile (SQLITE_BUSY_SNAPSHOT) or, worse, fork the chain.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif store.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        yield conn


def audit(store: Store, actor: str | None, event: str, *, ip: str | None = None, **detail: Any) -> int:
    """Append one line to the audit log, chained to the last; returns its id."""
    row: dict[str, Any] = {
        "at": datetime.now(),
        "actor": actor[:100] if actor else actor,
        "event": event[:40],
        "ip": ip[:64] if ip else ip,
        "detail": json.dumps(detail, default=str, sort_keys=True) if detail else None,
    }
    with _locked(store) as conn:
        last = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).first()
        prev = (last[0] if last is not None else None) or AUDIT_GENESIS
        row_id = int(
            conn.execute(
                audit_log.insert().returning(audit_log.c.id), {**row, "prev_hash": prev}
            ).scalar_one()
        )
        digest = audit_row_hash(prev, {**row, "id": row_id})
        conn.execute(update(audit_log).where(audit_log.c.id == row_id).values(hash=digest))
    return row_id


def entries(store: Store, scope: Scope, limit: int = 100, event: str | None = None) -> list[dict[str, Any]]:
    """The latest entries of the audit log, newest first (national users only: it names every scope's users)."""
    access.check_audit_reader(scope)
    q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if event:
        q = q.where(audit_log.c.event == event)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


@dataclass(frozen=True)
class Verification:
    """What `verify` found: the rows checked, the last good row and hash, and the first broken row (if any)."""

    rows: int
    head_id: int | None
    head_hash: str | None
    broken_id: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_id is None

    def to_json(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "rows": self.rows,
            "head_id": self.head_id,
            "head_hash": self.head_hash,
            "broken_id": self.broken_id,
            "reason": self.reason,
        }


def verify(store: Store, anchor: tuple[int, str] | None = None) -> Verification:
    """Walk the chain in id order; stop at the first row that does not hold.

    `anchor` (id, hash): a head recorded earlier; the row must still be there with that hash, which also
    finds rows removed from the end and a chain rewritten whole."""
    q = select(
        audit_log.c.id,
        audit_log.c.at,
        audit_log.c.actor,
        audit_log.c.event,
        audit_log.c.ip,
        audit_log.c.detail,
        audit_log.c.prev_hash,
        audit_log.c.hash,
    ).order_by(audit_log.c.id)
    with store.engine.connect() as conn:
        result = conn.execution_options(yield_per=2000).execute(q)
        try:
            return _walk(result.mappings(), anchor)
        finally:
            result.close()  # a server-side cursor on PostgreSQL, left part-read when a row does not hold


def _walk(rows: Iterable[Mapping[Any, Any]], anchor: tuple[int, str] | None) -> Verification:
    """Check each row against the one before it, in id order; the first that does not hold ends the walk."""
    count = 0
    prev_id: int | None = None
    prev = AUDIT_GENESIS
    anchor_seen = anchor is None

    def broken(row_id: int, reason: str) -> Verification:
        return Verification(count, prev_id, prev if prev_id is not None else None, row_id, reason)

    for row in rows:
        rid = int(row["id"])
        if row["prev_hash"] != prev:
            before = f"row {prev_id}" if prev_id is not None else "the start of the log"
            return broken(
                rid,
                f"row {rid} does not follow {before} (its prev_hash is not that row's hash): a row between "
                "them was deleted or inserted, or the chain was rewritten",
            )
        if row["hash"] != audit_row_hash(prev, row):
            return broken(rid, f"row {rid} does not match its hash: it was edited after it was written")
        if anchor is not None and rid == anchor[0]:
            if row["hash"] != anchor[1]:
                return broken(
                    rid,
                    f"row {rid} is not the row recorded as the anchor (its hash differs): the log was rewritten "
                    "from there or before",
                )
            anchor_seen = True
        count += 1
        prev_id, prev = rid, str(row["hash"])
    if anchor is not None and not anchor_seen:
        return broken(
            anchor[0],
            f"row {anchor[0]}, recorded as the anchor, is missing: rows were removed from the end of the log",
        )
    return Verification(count, prev_id, prev if prev_id is not None else None)
