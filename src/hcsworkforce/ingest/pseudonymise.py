"""Keyed pseudonymisation of staff identifiers. The key lives outside the database, one per installation."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from hcsworkforce.settings import get_settings

KEY_BYTES = 32


def create_key(path: Path | None = None) -> Path:
    """Create the installation's key if it does not exist yet (readable by its owner only)."""
    path = path or get_settings().resolved_key_file()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(KEY_BYTES))
    return path


def load_key(path: Path | None = None) -> bytes:
    """The installation's key, created on first use (hcs init creates it too)."""
    path = create_key(path)
    return bytes.fromhex(path.read_text().strip())


def pseudonymise(ids: Iterable[str], key: bytes) -> list[str]:
    """Keyed BLAKE2b of each identifier: stable for one installation, not reversible without the key."""
    return [hashlib.blake2b(i.encode("utf-8"), key=key, digest_size=10).hexdigest() for i in ids]
