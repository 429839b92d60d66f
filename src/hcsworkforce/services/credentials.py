"""Credentials: the password rule (length, a list of common passwords, zxcvbn strength) and the TOTP second
factor (enrolment, codes used once, the secret encrypted at rest with a key derived from the installation's
secret). services/accounts.py is the door that uses them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Sequence
from functools import cache

import pyotp
from cryptography.fernet import Fernet, InvalidToken

from hcsworkforce.errors import UserInputError
from hcsworkforce.settings import Settings

MIN_LENGTH = 12
MAX_LENGTH = 1000
MIN_SCORE = 3  # zxcvbn: 0 (too guessable) .. 4 (very unguessable); 3 = "safely unguessable"
ISSUER = "HCS Workforce"
TOTP_STEP_SECONDS = 30
# A code from the step before or after the current one is accepted too (clocks drift, people type slowly).
TOTP_DRIFT_STEPS = 1


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords that zxcvbn ships (its `passwords` frequency list, from leaked password
    corpora), in lower case. Loaded once, when first needed."""
    # Inside the function: the lists are 2 MB of Python literals, not worth loading for every `hcs` command.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def check_password(password: str, user_inputs: Sequence[str | None] = ()) -> None:
    """Refuse a password that is too short, too long, a common password, or too easy to guess for zxcvbn (the
    user's name and display name count as guessable). The message says why and what is expected."""
    # Inside the function: zxcvbn loads its dictionaries on import (~0.1 s), needed only when a password is set.
    from zxcvbn import zxcvbn

    if len(password) < MIN_LENGTH:
        raise UserInputError(
            f"the password is too short: {len(password)} characters (expected at least {MIN_LENGTH})"
        )
    if len(password) > MAX_LENGTH:
        raise UserInputError(
            f"the password is too long: {len(password)} characters (expected at most {MAX_LENGTH})"
        )
    if password.lower() in common_passwords():
        raise UserInputError(
            "the password is one of the 30,000 most common passwords (expected one nobody else would choose)"
        )
    inputs = [str(u) for u in user_inputs if u]
    # zxcvbn reads at most 72 characters; a longer password is judged by its start (and is long anyway).
    result = zxcvbn(password[:72], user_inputs=inputs)
    if int(result["score"]) < MIN_SCORE:
        feedback = result.get("feedback") or {}
        why = " ".join(
            s
            for s in [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
            if s  # zxcvbn's own words on what makes it guessable
        )
        raise UserInputError(
            f"the password is too easy to guess (strength {result['score']} of 4, expected at least "
            f"{MIN_SCORE}){': ' + why if why else ''}"
        )


# -- TOTP ---------------------------------------------------------------------------------------------------
def installation_secret(settings: Settings, *, create: bool = False) -> str | None:
    """The installation's secret key: HCS_SECRET_KEY, else the key kept (owner-only) in data_dir/secret.key;
    with `create`, that file is made when missing (enrolling a second factor on a single machine). Several
    machines must share HCS_SECRET_KEY, or each would read the TOTP secrets with a different key."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret.key"
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip() or None


def _fernet(secret: str) -> Fernet:
    """Fernet (AES-128-CBC with HMAC-SHA256) keyed by HMAC-SHA256 of the installation's secret key, so the TOTP
    secrets in a copied database are useless without that key."""
    key = hmac.new(secret.encode(), b"hcs-totp-secret-v1", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def seal(totp_secret: str, secret: str) -> str:
    return _fernet(secret).encrypt(totp_secret.encode()).decode()


UNREADABLE_MESSAGE = (
    "This server cannot read the account's second factor: its secret key (HCS_SECRET_KEY) is not the one in "
    "use when the authenticator app was enrolled. Ask an administrator to set the same key, or to enrol the "
    "account again with `hcs user totp NAME`."
)


class Unreadable(Exception):
    """A sealed TOTP secret that this installation's secret key does not open."""


def unseal(sealed: str, secret: str | None) -> str:
    if not secret:
        raise Unreadable(UNREADABLE_MESSAGE)
    try:
        return _fernet(secret).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise Unreadable(UNREADABLE_MESSAGE) from None


def provisioning_uri(totp_secret: str, username: str) -> str:
    return pyotp.TOTP(totp_secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(totp_secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (Unix time // 30) whose code this is, within the allowed drift; None if none matches."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(totp_secret)
    step = int((time.time() if now is None else now) // TOTP_STEP_SECONDS)
    for s in range(step - TOTP_DRIFT_STEPS, step + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(s * TOTP_STEP_SECONDS), code):
            return s
    return None
