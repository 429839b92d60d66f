"""Server-side sessions: one row per signed-in browser, found by the SHA-256 of the random token in its cookie.

The cookie carries only a 256-bit random token. The `sessions` table keeps its SHA-256 (someone who can read the
database cannot take a session over), the user, the user's session epoch at sign-in, the session's CSRF token
and its times (UTC). A session ends:

- at sign-out: its row is deleted;
- after `session_idle_minutes` without a request (to within TOUCH_SECONDS), or `session_max_hours` after
  sign-in whatever the activity: refused, and its row deleted;
- when the account is disabled or its password changed: `end_user_sessions` deletes the rows, and the epoch
  check (routing/deps.optional_user) refuses any session signed before the change in any case.

What it costs: a request is answered from a per-process memo when its entry is younger than MEMO_SECONDS,
otherwise by one primary-key query; last_seen_at is written at most once per TOUCH_SECONDS per session, not
per request. So a session ended in another process (a sign-out answered by another worker) stops working here
within MEMO_SECONDS; one ended in this process, at once. Expired rows are purged at most once a minute per
process, at sign-in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, exists, insert, or_, select, update

from hcsworkforce.store import Store
from hcsworkforce.store.tables_web import sessions, users

TOKEN_BYTES = 32  # 256 bits; token_urlsafe gives 43 characters
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
MEMO_SECONDS = 2.0
TOUCH_SECONDS = 60.0
PURGE_SECONDS = 60.0
MEMO_LIMIT = 10_000  # entries before stale ones are dropped


@dataclass(frozen=True)
class SessionRecord:
    key: str  # SHA-256 (hex) of the cookie's token
    user_id: int
    user_epoch: int
    csrf: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


def utcnow() -> datetime:
    """Naive UTC, as the DateTime columns hold it (no daylight-saving jumps in the timeouts)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def well_formed(token: str | None) -> bool:
    return bool(token) and TOKEN_PATTERN.fullmatch(str(token)) is not None


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


_memo: dict[tuple[str, str], tuple[float, SessionRecord]] = {}
_last_purge: dict[str, float] = {}


def _memo_key(store: Store, key: str) -> tuple[str, str]:
    return (str(store.engine.url), key)


def _remember(store: Store, record: SessionRecord, at: float) -> None:
    if len(_memo) >= MEMO_LIMIT:
        now = time.monotonic()
        for k, (t, _) in list(_memo.items()):
            if now - t >= MEMO_SECONDS:
                _memo.pop(k, None)
    _memo[_memo_key(store, record.key)] = (at, record)


def forget() -> None:
    """Drop this process's memo (tests; another process's changes are then seen at once)."""
    _memo.clear()


def _touch_interval(idle: timedelta) -> float:
    # Shorter than the idle timeout, so that a session in use is never idle between two writes.
    return min(TOUCH_SECONDS, idle.total_seconds() / 2)


def start(
    store: Store,
    user_id: int,
    user_epoch: int,
    *,
    max_age: timedelta,
    idle: timedelta,
    ip: str | None = None,
    user_agent: str | None = None,
) -> tuple[str, SessionRecord]:
    """A new session for the user: (the token for the cookie, its record). The token itself is not kept."""
    purge_now_and_then(store, idle)
    token = new_token()
    now = utcnow()
    record = SessionRecord(
        key=token_key(token),
        user_id=user_id,
        user_epoch=user_epoch,
        csrf=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + max_age,
    )
    with store.engine.begin() as conn:
        conn.execute(
            insert(sessions),
            {
                "id": record.key,
                "user_id": user_id,
                "user_epoch": user_epoch,
                "csrf_token": record.csrf,
                "created_at": now,
                "last_seen_at": now,
                "expires_at": record.expires_at,
                "ip": (ip or "")[:64] or None,
                "user_agent": (user_agent or "")[:300] or None,
            },
        )
    _remember(store, record, time.monotonic())
    return token, record


def find(
    store: Store, token: str | None, *, idle: timedelta, now: datetime | None = None
) -> SessionRecord | None:
    """The live session with this token, or None (unknown, ended, idle too long or past its end; an expired
    one is deleted). Notes the activity (last_seen_at) at most once per touch interval."""
    if token is None or not well_formed(token):
        return None
    key = token_key(token)
    mkey = _memo_key(store, key)
    mono = time.monotonic()
    now = now or utcnow()
    hit = _memo.get(mkey)
    if hit is not None and mono - hit[0] < MEMO_SECONDS:
        record, memo_at = hit[1], hit[0]
    else:
        with store.engine.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.id == key)).first()
        if row is None:
            _memo.pop(mkey, None)
            return None
        record = SessionRecord(
            key=key,
            user_id=int(row.user_id),
            user_epoch=int(row.user_epoch),
            csrf=str(row.csrf_token),
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
        )
        memo_at = mono
        _remember(store, record, memo_at)
    if now >= record.expires_at or now - record.last_seen_at >= idle:
        end_key(store, key)
        return None
    if (now - record.last_seen_at).total_seconds() >= _touch_interval(idle):
        with store.engine.begin() as conn:
            res = conn.execute(update(sessions).where(sessions.c.id == key).values(last_seen_at=now))
        if res.rowcount == 0:  # ended meanwhile by another process
            _memo.pop(mkey, None)
            return None
        record = replace(record, last_seen_at=now)
        _remember(store, record, memo_at)
    return record


def end_key(store: Store, key: str) -> None:
    _memo.pop(_memo_key(store, key), None)
    with store.engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.id == key))


def end(store: Store, token: str) -> None:
    """Sign-out: the session's row goes, so a copy of its cookie is refused from then on."""
    if well_formed(token):
        end_key(store, token_key(token))


def end_user_sessions(store: Store, user_id: int) -> int:
    """Every session of the user (disabled, password changed); how many there were."""
    url = str(store.engine.url)
    for k, (_, rec) in list(_memo.items()):
        if k[0] == url and rec.user_id == user_id:
            _memo.pop(k, None)
    with store.engine.begin() as conn:
        return int(conn.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount or 0)


def user_sessions(store: Store, user_id: int) -> int:
    """How many sessions the user has open (ended but not yet purged ones included)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(sessions.c.id).where(sessions.c.user_id == user_id)).all()
    return len(rows)


def purge(store: Store, idle: timedelta, now: datetime | None = None) -> int:
    """Delete the rows of sessions that can no longer be used: past their end, idle too long, or of an account
    since disabled or whose password has changed. How many went."""
    now = now or utcnow()
    live_user = exists().where(
        and_(
            users.c.id == sessions.c.user_id,
            users.c.session_epoch == sessions.c.user_epoch,
            ~users.c.disabled,
        )
    )
    with store.engine.begin() as conn:
        res = conn.execute(
            delete(sessions).where(
                or_(sessions.c.expires_at <= now, sessions.c.last_seen_at <= now - idle, ~live_user)
            )
        )
    return int(res.rowcount or 0)


def purge_now_and_then(store: Store, idle: timedelta) -> None:
    """purge(), at most once per PURGE_SECONDS per process and database."""
    url = str(store.engine.url)
    mono = time.monotonic()
    if mono - _last_purge.get(url, -PURGE_SECONDS) < PURGE_SECONDS:
        return
    _last_purge[url] = mono
    purge(store, idle)
