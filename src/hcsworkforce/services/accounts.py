"""Accounts, sign-in and the audit log: argon2 hashes, throttled sign-in, one scope per user."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select, update

from hcsworkforce import reference
from hcsworkforce.errors import UserInputError
from hcsworkforce.model.labels import label
from hcsworkforce.model.scope import Scope
from hcsworkforce.services import access
from hcsworkforce.store import Store
from hcsworkforce.store.tables_web import audit_log, users

ROLES = ("national", "region", "organisation")
THROTTLE_FAILURES = 5  # failed sign-ins per account name within the window before it is locked
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLED_MESSAGE = (
    "There have been too many failed attempts to sign in to this account. Try again in 15 minutes."
)
WRONG_PASSWORD_MESSAGE = "The user name or password is not right."

_hasher = PasswordHasher()
# Verifying against a dummy hash when the account does not exist keeps the time of a failed sign-in the same
# whether or not the name exists, so timing does not reveal which account names are real.
_DUMMY_HASH = _hasher.hash("not a real password")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str | None
    role: str
    scope_code: str | None
    disabled: bool
    session_epoch: int

    @property
    def scope(self) -> Scope:
        if self.role == "national":
            return Scope()
        return Scope(self.role, self.scope_code)  # type: ignore[arg-type]

    def describe_scope(self) -> str:
        """England, the region's name, or the organisation's name with its ODS code."""
        return "England" if self.role == "national" else label(self.role, self.scope_code)


def _row_to_user(row: Any) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        scope_code=row.scope_code,
        disabled=bool(row.disabled),
        session_epoch=int(row.session_epoch or 0),
    )


def validate_role(role: str, scope_code: str | None) -> tuple[str, str | None]:
    role = role.strip().lower()
    if role not in ROLES:
        raise UserInputError(f"role {role!r} is not a role (expected one of {', '.join(ROLES)})")
    if role == "national":
        if scope_code:
            raise UserInputError("a national user has no --scope (they see all of England)")
        return role, None
    if not scope_code:
        raise UserInputError(
            f"a {role} user needs --scope (a {'region code, e.g. Y56' if role == 'region' else 'ODS code, e.g. RGT'})"
        )
    code = scope_code.strip().upper()
    if role == "region" and code not in reference.regions():
        raise UserInputError(
            f"--scope {code!r} is not a region code (expected one of {', '.join(sorted(reference.regions()))})"
        )
    return role, code


def add_user(
    store: Store,
    username: str,
    password: str,
    role: str,
    scope_code: str | None = None,
    display_name: str | None = None,
) -> User:
    username = username.strip().lower()
    if not username:
        raise UserInputError("the user name is empty")
    if len(password) < 10:
        raise UserInputError("the password is too short (expected at least 10 characters)")
    role, code = validate_role(role, scope_code)
    with store.engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise UserInputError(f"a user called {username!r} already exists")
        conn.execute(
            insert(users),
            {
                "username": username,
                "display_name": display_name,
                "password_hash": _hasher.hash(password),
                "role": role,
                "scope_code": code,
                "disabled": False,
                "created_at": datetime.now(),
                "session_epoch": 0,
            },
        )
    forget_users()
    user = get_user_by_name(store, username)
    assert user is not None
    return user


def list_users(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                users.c.username,
                users.c.display_name,
                users.c.role,
                users.c.scope_code,
                users.c.disabled,
                users.c.created_at,
                users.c.last_sign_in_at,
            ).order_by(users.c.username)
        ).mappings()
        return [dict(r) for r in rows]


def set_disabled(store: Store, username: str, disabled: bool = True) -> None:
    with store.engine.begin() as conn:
        res = conn.execute(
            update(users)
            .where(users.c.username == username.strip().lower())
            .values(disabled=disabled, session_epoch=users.c.session_epoch + 1)
        )
        forget_users()
        if res.rowcount == 0:
            raise UserInputError(f"there is no user called {username!r}")


def get_user(store: Store, user_id: int) -> User | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return None if row is None else _row_to_user(row)


# The signed-in user is read on every request; remembering it for two seconds per process takes that query
# off every page view. The cost: `hcs user disable` run from another process ends a session up to two seconds
# later (disabling through this process forgets at once).
USER_MEMO_SECONDS = 2.0
_user_memo: dict[tuple[str, int], tuple[float, User | None]] = {}


def session_user(store: Store, user_id: int) -> User | None:
    key = (str(store.engine.url), user_id)
    now = time.monotonic()
    hit = _user_memo.get(key)
    if hit is not None and now - hit[0] < USER_MEMO_SECONDS:
        return hit[1]
    user = get_user(store, user_id)
    _user_memo[key] = (now, user)
    return user


def forget_users() -> None:
    _user_memo.clear()


def get_user_by_name(store: Store, username: str) -> User | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username.strip().lower())).first()
    return None if row is None else _row_to_user(row)


class Throttled(Exception):
    """Too many failed sign-ins for this account name recently."""


def recent_failures(store: Store, username: str, now: datetime | None = None) -> int:
    since = (now or datetime.now()) - THROTTLE_WINDOW
    with store.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(audit_log)
                .where(
                    audit_log.c.event == "sign_in_failed",
                    audit_log.c.actor == username.strip().lower()[:100],
                    audit_log.c.at >= since,
                )
            ).scalar_one()
        )


def authenticate(store: Store, username: str, password: str, ip: str | None = None) -> User | None:
    """The user if the name and password match an enabled account; None otherwise. Every try is audited.

    Failures are counted in the audit log, not in process memory, so the limit holds across every worker.
    """
    name = username.strip().lower()[:100]
    if recent_failures(store, name) >= THROTTLE_FAILURES:
        audit(store, name, "sign_in_throttled", ip=ip)
        raise Throttled
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == name)).first()
    ok = False
    try:
        ok = _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if row is None or not ok or row.disabled:
        audit(store, name, "sign_in_failed", ip=ip)
        return None
    with store.engine.begin() as conn:
        values: dict[str, Any] = {"last_sign_in_at": datetime.now()}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(update(users).where(users.c.id == row.id).values(**values))
    audit(store, name, "sign_in", ip=ip)
    return _row_to_user(row)


def audit(store: Store, actor: str | None, event: str, *, ip: str | None = None, **detail: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            insert(audit_log),
            {
                "at": datetime.now(),
                "actor": actor,
                "event": event,
                "ip": ip,
                "detail": json.dumps(detail, default=str, sort_keys=True) if detail else None,
            },
        )


def audit_entries(
    store: Store, scope: Scope, limit: int = 100, event: str | None = None
) -> list[dict[str, Any]]:
    """The latest entries of the audit log, newest first (national users only: it names every scope's users)."""
    access.check_audit_reader(scope)
    q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if event:
        q = q.where(audit_log.c.event == event)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
