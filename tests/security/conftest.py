"""Fixtures for the security tests: the web tests' database, users and clients, re-exported."""

from __future__ import annotations

from tests.web.conftest import (  # noqa: F401  (fixtures are found by name)
    app,
    client,
    data_dir,
    demo_files,
    history_dir,
    loaded_dir,
    pytest_configure,
    scope_codes,
)
