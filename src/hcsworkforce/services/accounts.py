"""Accounts and sign-in, each step audited (services/audit.py): argon2 hashes, strength-checked passwords,
sign-in limits per account and per address counted atomically, one-time reset tokens, an optional TOTP second
factor, one scope per user."""

from __future__ import annotations

import getpass
import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, and_, delete, func, insert, or_, select, text, update

from hcsworkforce import reference
from hcsworkforce.errors import UserInputError
from hcsworkforce.model.labels import label
from hcsworkforce.model.scope import Scope
from hcsworkforce.services import credentials, sessions
from hcsworkforce.services.audit import audit
from hcsworkforce.settings import Settings
from hcsworkforce.store import Store
from hcsworkforce.store.published import effective_trusts
from hcsworkforce.store.tables_web import password_resets, sign_in_attempts, users

ROLES = ("national", "region", "organisation")
WRONG_PASSWORD_MESSAGE = "The user name or password is not right."
CODE_NEEDED_MESSAGE = "Enter the 6-digit code from your authenticator app as well as your password."
WRONG_CODE_MESSAGE = "The 6-digit code is not right, or it has been used already. Wait for the next code."
RESET_TOKEN_LIFETIME = timedelta(hours=1)
BAD_RESET_TOKEN_MESSAGE = (
    "the reset token is not valid: it may be mistyped, expired (a token lasts 1 hour) or used already "
    "(ask an administrator for a new one: `hcs user reset NAME`)"
)
# Sign-in attempts that are not failures and that end a run of failures on the account.
_CLEARS = ("success", "reset", "unlocked")
# Attempts that count against the limits: failures, and attempts still being checked (so that concurrent
# attempts count each other before any of them has finished).
_COUNTED = ("failed", "pending")
# Failed reset-token tries are counted against the address limit under this pseudo account name (never a user's
# name: add_user refuses names that begin with "(").
RESET_ACCOUNT = "(password reset)"

_hasher = PasswordHasher()
# Verifying against a dummy hash when the account does not exist keeps the time of a failed sign-in the same
# whether or not the name exists, so timing does not reveal which account names are real.
_DUMMY_HASH = _hasher.hash("not a real password")


@dataclass(frozen=True)
class SignInLimits:
    """The sign-in limits (settings signin_*): failures per account and per address within a window, and the
    roles that must have a TOTP second factor."""

    account_failures: int = 5
    address_failures: int = 20
    window: timedelta = timedelta(minutes=15)
    require_totp_for: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInLimits:
        roles = frozenset(r.strip().lower() for r in settings.require_totp_for.split(",") if r.strip())
        bad = sorted(roles - set(ROLES))
        if bad:
            raise UserInputError(
                f"HCS_REQUIRE_TOTP_FOR names {', '.join(bad)}, not a role (expected any of {', '.join(ROLES)})"
            )
        return cls(
            account_failures=settings.signin_account_failures,
            address_failures=settings.signin_address_failures,
            window=timedelta(seconds=settings.signin_window_seconds),
            require_totp_for=roles,
        )


def _throttled_message(which: str, window: timedelta) -> str:
    minutes = max(1, round(window.total_seconds() / 60))
    if which == "address":
        return (
            "There have been too many failed attempts to sign in from your network address. "
            f"Try again in {minutes} minutes."
        )
    return f"There have been too many failed attempts to sign in to this account. Try again in {minutes} minutes."


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str | None
    role: str
    scope_code: str | None
    disabled: bool
    session_epoch: int
    totp_enrolled: bool = False

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
        totp_enrolled=bool(getattr(row, "totp_secret", None)),
    )


def cli_actor() -> str:
    """Who did it, for the audit log, when it was done with `hcs` on this machine: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"[:100]
    except (KeyError, OSError):  # no user name for this uid (some containers)
        return "cli"


_ODS_CODE = re.compile(r"^[A-Z0-9]{3,8}$")


def known_organisations(store: Store | None) -> set[str]:
    """ODS codes this installation knows: the shipped trusts list, the list in effect (refreshed from ODS), and
    the organisations already loaded in the store."""
    codes = set(reference.trusts())
    if store is not None and store.is_initialised():
        codes |= set(effective_trusts(store))
        codes |= set(store.organisations()["organisation_code"].drop_nulls().to_list())
    return codes


def validate_role(
    role: str, scope_code: str | None, store: Store | None = None, *, allow_unknown: bool = False
) -> tuple[str, str | None]:
    """The role and scope code, checked: a region user's code is one of the seven NHS England regions; an
    organisation user's is a known ODS code (known_organisations) unless allow_unknown (which the caller audits).
    Every door that makes or changes a user calls this."""
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
    if role == "region":
        if code not in reference.regions():
            raise UserInputError(
                f"--scope {code!r} is not a region code (expected one of {', '.join(sorted(reference.regions()))})"
            )
        return role, code
    if not _ODS_CODE.match(code):
        raise UserInputError(
            f"--scope {code!r} is not an ODS code (expected 3 to 8 letters and digits, e.g. RGT)"
        )
    if code not in known_organisations(store) and not allow_unknown:
        raise UserInputError(
            f"--scope {code!r} is not a known organisation: it is neither in the list of NHS trusts in England "
            "nor loaded in this database (check the ODS code; `hcs reference update-trusts` refreshes the list; "
            "--allow-unknown accepts it, and the audit log records that)"
        )
    return role, code


def _check_new_password(password: str, username: str, display_name: str | None) -> None:
    credentials.check_password(password, [username, display_name, *re.split(r"[\W_]+", display_name or "")])


def add_user(
    store: Store,
    username: str,
    password: str,
    role: str,
    scope_code: str | None = None,
    display_name: str | None = None,
    *,
    allow_unknown: bool = False,
    actor: str | None = None,
) -> User:
    username = username.strip().lower()
    if not username:
        raise UserInputError("the user name is empty")
    if len(username) > 100 or username.startswith("("):
        raise UserInputError(
            f"the user name {username!r} is not allowed (at most 100 characters, not '(...')"
        )
    role, code = validate_role(role, scope_code, store, allow_unknown=allow_unknown)
    _check_new_password(password, username, display_name)
    unknown = role == "organisation" and code not in known_organisations(store)
    with store.engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise UserInputError(f"a user called {username!r} already exists")
        now = datetime.now()
        conn.execute(
            insert(users),
            {
                "username": username,
                "display_name": display_name,
                "password_hash": _hasher.hash(password),
                "role": role,
                "scope_code": code,
                "disabled": False,
                "created_at": now,
                "session_epoch": 0,
                "password_changed_at": now,
            },
        )
    forget_users()
    audit(store, actor, "user_added", user=username, role=role, scope=code)
    if unknown:
        audit(store, actor, "unknown_scope_allowed", user=username, scope=code)
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
                users.c.totp_secret.is_not(None).label("totp"),
            ).order_by(users.c.username)
        ).mappings()
        return [{**r, "totp": bool(r["totp"])} for r in rows]


def _require_user(store: Store, username: str) -> User:
    user = get_user_by_name(store, username)
    if user is None:
        raise UserInputError(f"there is no user called {username.strip().lower()!r}")
    return user


def set_disabled(store: Store, username: str, disabled: bool = True, *, actor: str | None = None) -> None:
    """Disable a user (their sessions end) or enable them again (which also lifts a sign-in lock on the
    account: an administrator's unlock)."""
    name = username.strip().lower()
    with store.engine.begin() as conn:
        values: dict[str, Any] = {"disabled": disabled}
        if disabled:
            values["session_epoch"] = users.c.session_epoch + 1
        res = conn.execute(update(users).where(users.c.username == name).values(**values))
        if res.rowcount == 0:
            raise UserInputError(f"there is no user called {name!r}")
        if not disabled:
            _record(conn, name, "", "unlocked")
    forget_users()
    if disabled:
        user = get_user_by_name(store, name)
        if user is not None:
            sessions.end_user_sessions(store, user.id)
    audit(store, actor, "user_disabled" if disabled else "user_enabled", user=name)


def set_password(store: Store, username: str, password: str, *, actor: str | None = None) -> User:
    """Give a user a new password (checked like any other); every session they had ends."""
    user = _require_user(store, username)
    _check_new_password(password, user.username, user.display_name)
    with store.engine.begin() as conn:
        _store_password(conn, user.id, password)
    forget_users()
    sessions.end_user_sessions(store, user.id)
    audit(store, actor, "password_changed", user=user.username)
    return _require_user(store, user.username)


def _store_password(conn: Connection, user_id: int, password: str) -> None:
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(
            password_hash=_hasher.hash(password),
            password_changed_at=datetime.now(),
            session_epoch=users.c.session_epoch + 1,
        )
    )


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


# -- sign-in ------------------------------------------------------------------------------------------------
class SignInRefused(Exception):
    """Sign-in refused for a reason the user is told: `reason` is throttled, code_needed, code_wrong,
    totp_required or totp_unreadable (a wrong name or password is not an exception: authenticate returns None)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Throttled(SignInRefused):
    """Too many failed sign-ins for this account, or from this address, recently."""

    def __init__(self, message: str, which: str = "account") -> None:
        super().__init__("throttled", message)
        self.which = which


def _record(conn: Connection, account: str, address: str, outcome: str) -> int:
    res = conn.execute(
        insert(sign_in_attempts).values(account=account, address=address, at=datetime.now(), outcome=outcome)
    )
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def _lock(conn: Connection, namespace: int, key: str) -> None:
    """On PostgreSQL, a transaction-scoped advisory lock on (namespace, key): attempts on one account (or from
    one address) queue here so each counts the ones before it. On SQLite the INSERT that follows takes the
    database's write lock, which serialises writers just the same (and no read comes before it, so it waits
    rather than failing)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(CAST(:ns AS integer), hashtext(:key))"),
            {"ns": namespace, "key": key},
        )


def _failures(
    conn: Connection, since: datetime, *, account: str | None = None, address: str | None = None
) -> int:
    q = (
        select(func.count())
        .select_from(sign_in_attempts)
        .where(sign_in_attempts.c.at >= since, sign_in_attempts.c.outcome.in_(_COUNTED))
    )
    if account is not None:
        cleared = (
            select(func.max(sign_in_attempts.c.at))
            .where(sign_in_attempts.c.account == account, sign_in_attempts.c.outcome.in_(_CLEARS))
            .scalar_subquery()
        )
        q = q.where(
            sign_in_attempts.c.account == account,
            or_(cleared.is_(None), sign_in_attempts.c.at > cleared),
        )
    if address is not None:
        q = q.where(sign_in_attempts.c.address == address)
    return int(conn.execute(q).scalar_one())


def _begin_attempt(
    store: Store, account: str, address: str, limits: SignInLimits, *, per_account: bool = True
) -> int:
    """Record the attempt as pending BEFORE anything is checked and, in the same transaction, count the failures
    (and pending attempts) before it on the account and from the address. Over a limit: the attempt is recorded
    as throttled and Throttled raised. Returns the attempt's id."""
    since = datetime.now() - limits.window
    which: str | None = None
    first = False
    with store.engine.begin() as conn:
        if per_account:
            _lock(conn, 1, account)
        _lock(conn, 2, address)
        attempt = _record(conn, account, address, "pending")
        this = sign_in_attempts.c.id == attempt
        if per_account and _failures(conn, since, account=account) - 1 >= limits.account_failures:
            which = "account"
        elif _failures(conn, since, address=address) - 1 >= limits.address_failures:
            which = "address"
        if which is not None:
            conn.execute(update(sign_in_attempts).where(this).values(outcome="throttled"))
            key = (
                sign_in_attempts.c.account == account
                if which == "account"
                else sign_in_attempts.c.address == address
            )
            first = not conn.execute(
                select(sign_in_attempts.c.id)
                .where(key, ~this, sign_in_attempts.c.outcome == "throttled", sign_in_attempts.c.at >= since)
                .limit(1)
            ).first()
    if which is not None:
        # Audited after the attempt's transaction: the audit log is written in a transaction of its own.
        if first:
            audit(store, account, "sign_in_locked", ip=address or None, limit=which)
        audit(store, account, "sign_in_throttled", ip=address or None, limit=which)
        raise Throttled(_throttled_message(which, limits.window), which)
    return attempt


# Attempts older than this are deleted (the audit log keeps the history); at most once an hour per process.
ATTEMPTS_KEPT = timedelta(days=30)
_purged_at: dict[str, float] = {}


def _purge_old_attempts(store: Store, limits: SignInLimits) -> None:
    key = str(store.engine.url)
    now = time.monotonic()
    if now - _purged_at.get(key, -3600.0) < 3600:
        return
    _purged_at[key] = now
    keep = max(ATTEMPTS_KEPT, limits.window)
    with store.engine.begin() as conn:
        conn.execute(delete(sign_in_attempts).where(sign_in_attempts.c.at < datetime.now() - keep))


def _finish_attempt(store: Store, attempt: int, outcome: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(sign_in_attempts).where(sign_in_attempts.c.id == attempt).values(outcome=outcome))


def failures(
    store: Store,
    *,
    account: str | None = None,
    address: str | None = None,
    limits: SignInLimits | None = None,
) -> int:
    """Failed (or still pending) sign-in attempts within the window on an account (since its last success) or
    from an address."""
    limits = limits or SignInLimits()
    with store.engine.connect() as conn:
        return _failures(
            conn,
            datetime.now() - limits.window,
            account=account.strip().lower() if account is not None else None,
            address=address,
        )


def _verify(row: Any, password: str) -> bool:
    try:
        return bool(_hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password))
    except (VerificationError, InvalidHashError):
        return False


def _use_code(conn: Connection, row: Any, code: str | None, secret: str | None) -> bool:
    """The code is right for the user's TOTP secret and its time step is later than the last one used (a code
    is used once); the step is stored in the same UPDATE, so two requests cannot both use it."""
    if not code:
        return False
    step = credentials.matching_step(credentials.unseal(row.totp_secret, secret), code)
    if step is None:
        return False
    res = conn.execute(
        update(users)
        .where(
            users.c.id == row.id,
            or_(users.c.totp_last_step.is_(None), users.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return res.rowcount == 1


def authenticate(
    store: Store,
    username: str,
    password: str,
    ip: str | None = None,
    *,
    totp: str | None = None,
    limits: SignInLimits | None = None,
    secret: str | None = None,
) -> User | None:
    """The user if the name, password (and TOTP code, where enrolled) match an enabled account; None for a wrong
    name or password; SignInRefused (Throttled, code needed or wrong, second factor required) otherwise.

    The attempt is recorded before the password is checked, in the transaction that counts the failures before
    it (per account and per address), so concurrent attempts count each other and at most the limit are ever
    checked. `secret` is the installation's secret key, which unlocks TOTP secrets. Every try is audited.
    """
    limits = limits or SignInLimits()
    name = username.strip().lower()[:100]
    address = (ip or "")[:64]
    _purge_old_attempts(store, limits)
    attempt = _begin_attempt(store, name, address, limits)
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == name)).first()
    ok = _verify(row, password)
    if row is None or not ok or row.disabled:
        _finish_attempt(store, attempt, "failed")
        audit(store, name, "sign_in_failed", ip=ip)
        return None
    if row.totp_secret:
        if not (totp or "").strip():
            # The password was right: not a failure, but nothing is granted until the code comes too.
            _finish_attempt(store, attempt, "code_needed")
            raise SignInRefused("code_needed", CODE_NEEDED_MESSAGE)
        try:
            with store.engine.begin() as conn:
                good = _use_code(conn, row, totp, secret)
        except credentials.Unreadable as e:
            _finish_attempt(store, attempt, "refused")
            audit(store, name, "sign_in_refused", ip=ip, reason="totp_unreadable")
            raise SignInRefused("totp_unreadable", str(e)) from None
        if not good:
            _finish_attempt(store, attempt, "failed")
            audit(store, name, "sign_in_failed", ip=ip, reason="totp")
            raise SignInRefused("code_wrong", WRONG_CODE_MESSAGE)
    elif row.role in limits.require_totp_for:
        _finish_attempt(store, attempt, "refused")
        audit(store, name, "sign_in_refused", ip=ip, reason="totp_required")
        raise SignInRefused(
            "totp_required",
            f"{row.role.capitalize()} accounts must use a second factor (an authenticator app), and this account "
            "has none yet: ask an administrator to enrol one with `hcs user totp NAME`.",
        )
    with store.engine.begin() as conn:
        values: dict[str, Any] = {"last_sign_in_at": datetime.now()}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(update(users).where(users.c.id == row.id).values(**values))
        conn.execute(
            update(sign_in_attempts).where(sign_in_attempts.c.id == attempt).values(outcome="success")
        )
    audit(store, name, "sign_in", ip=ip)
    return _row_to_user(row)


def change_own_password(
    store: Store,
    user: User,
    current: str,
    new: str,
    ip: str | None = None,
    *,
    limits: SignInLimits | None = None,
) -> User:
    """A signed-in user changes their password: the current one is checked (and counted like a sign-in, so a
    borrowed session cannot be used to guess it), the new one is checked like any other. Every other session of
    theirs ends (the session epoch moves on); the caller re-signs the current one with the user returned."""
    limits = limits or SignInLimits()
    attempt = _begin_attempt(store, user.username, (ip or "")[:64], limits)
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user.id)).first()
    if row is None or not _verify(row, current):
        _finish_attempt(store, attempt, "failed")
        audit(store, user.username, "password_change_failed", ip=ip)
        raise UserInputError("the current password is not right")
    try:
        _check_new_password(new, row.username, row.display_name)
    except UserInputError:
        _finish_attempt(store, attempt, "refused")
        raise
    if new == current:
        _finish_attempt(store, attempt, "refused")
        raise UserInputError("the new password is the same as the current one (expected a different one)")
    with store.engine.begin() as conn:
        _store_password(conn, row.id, new)
        conn.execute(
            update(sign_in_attempts).where(sign_in_attempts.c.id == attempt).values(outcome="success")
        )
    forget_users()
    sessions.end_user_sessions(store, user.id)
    audit(store, user.username, "password_changed", ip=ip, user=user.username)
    return _require_user(store, user.username)


# -- one-time reset tokens -----------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    # The token is 256 random bits, so a plain SHA-256 is enough: there is nothing to guess that a slow hash
    # would slow down.
    return hashlib.sha256(token.strip().encode()).hexdigest()


def create_reset_token(store: Store, username: str, *, actor: str | None = None) -> str:
    """A one-time token (shown once, kept only as its SHA-256) with which the user sets a new password at
    /reset-password within RESET_TOKEN_LIFETIME. Earlier unused tokens of the user stop working."""
    user = _require_user(store, username)
    token = secrets.token_urlsafe(32)
    now = datetime.now()
    with store.engine.begin() as conn:
        conn.execute(
            update(password_resets)
            .where(password_resets.c.user_id == user.id, password_resets.c.used_at.is_(None))
            .values(used_at=now)
        )
        conn.execute(
            insert(password_resets).values(
                user_id=user.id,
                token_hash=_token_hash(token),
                created_at=now,
                expires_at=now + RESET_TOKEN_LIFETIME,
            )
        )
    audit(store, actor, "password_reset_issued", user=user.username)
    return token


def reset_password(
    store: Store, token: str, new: str, ip: str | None = None, *, limits: SignInLimits | None = None
) -> User:
    """Set a new password with a reset token: once, within its hour. Failed tries count against the address's
    sign-in limit. Every session of the user ends, and a sign-in lock on the account is lifted."""
    limits = limits or SignInLimits()
    address = (ip or "")[:64]
    attempt = _begin_attempt(store, RESET_ACCOUNT, address, limits, per_account=False)
    digest = _token_hash(token)
    valid = and_(
        password_resets.c.token_hash == digest,
        password_resets.c.used_at.is_(None),
        password_resets.c.expires_at > datetime.now(),
    )
    with store.engine.connect() as conn:
        found = conn.execute(select(password_resets.c.id, password_resets.c.user_id).where(valid)).first()
        row = (
            None if found is None else conn.execute(select(users).where(users.c.id == found.user_id)).first()
        )
    if found is None or row is None:
        _finish_attempt(store, attempt, "failed")
        audit(store, None, "password_reset_failed", ip=ip)
        raise UserInputError(BAD_RESET_TOKEN_MESSAGE)
    try:
        _check_new_password(new, row.username, row.display_name)
    except UserInputError:
        _finish_attempt(store, attempt, "refused")
        raise
    with store.engine.begin() as conn:
        used = conn.execute(
            update(password_resets)
            .where(password_resets.c.id == found.id, valid)
            .values(used_at=datetime.now())
        ).rowcount
        if used == 1:  # else another request used the token a moment ago
            _store_password(conn, row.id, new)
            conn.execute(
                update(sign_in_attempts).where(sign_in_attempts.c.id == attempt).values(outcome="success")
            )
            _record(conn, row.username, address, "reset")
    if used != 1:
        _finish_attempt(store, attempt, "failed")
        raise UserInputError(BAD_RESET_TOKEN_MESSAGE)
    forget_users()
    sessions.end_user_sessions(store, row.id)
    audit(store, row.username, "password_reset", ip=ip)
    return _require_user(store, row.username)


# -- TOTP enrolment ----------------------------------------------------------------------------------------
def enrol_totp(store: Store, username: str, secret: str, *, actor: str | None = None) -> tuple[str, str]:
    """Give the user a new TOTP secret (replacing any earlier one); returns (secret, otpauth:// URI), to be shown
    once. The secret is stored encrypted with a key derived from `secret` (the installation's secret key)."""
    user = _require_user(store, username)
    totp_secret = credentials.new_totp_secret()
    with store.engine.begin() as conn:
        conn.execute(
            update(users)
            .where(users.c.id == user.id)
            .values(totp_secret=credentials.seal(totp_secret, secret), totp_last_step=None)
        )
    forget_users()
    audit(store, actor, "totp_enrolled", user=user.username)
    return totp_secret, credentials.provisioning_uri(totp_secret, user.username)


def remove_totp(store: Store, username: str, *, actor: str | None = None) -> None:
    user = _require_user(store, username)
    with store.engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user.id).values(totp_secret=None, totp_last_step=None))
    forget_users()
    audit(store, actor, "totp_removed", user=user.username)
