"""One typed settings object for the whole application (environment variables prefixed HCS_)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("hcsworkforce", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HCS_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir, description="Where the default database and keys live"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default a SQLite file in data_dir (sqlite:///.../hcs.db)"
    )
    pseudonym_key_file: Path | None = Field(
        default=None,
        description="File holding the installation's pseudonymisation key; default data_dir/pseudonym.key",
    )
    suppress_below: int = Field(
        default=5, ge=0, description="Counts below this are suppressed in outputs that leave an organisation"
    )
    queue_url: str | None = Field(default=None, description="huey storage: redis://... or postgresql://...")
    secret_key: str | None = Field(
        default=None,
        description="The installation's secret (encrypts TOTP secrets; sessions need none, they are kept on the "
        "server); default a key in data_dir",
    )
    signin_account_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins to one account within signin_window_seconds that lock it until the window ends",
    )
    signin_address_failures: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins from one network address (any account names) within the window that stop "
        "further tries from it until the window ends",
    )
    signin_window_seconds: int = Field(
        default=900, ge=1, description="The window of the sign-in limits, in seconds (15 minutes)"
    )
    require_totp_for: str = Field(
        default="",
        description="Roles (comma-separated: national, region, organisation) that may sign in only with a "
        "TOTP second factor enrolled (`hcs user totp NAME`); empty: optional for everyone",
    )
    session_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="A session ends after this many minutes without a request (to within a minute)",
    )
    session_max_hours: float = Field(
        default=8,
        gt=0,
        le=24 * 30,
        description="A session ends this many hours after sign-in, whatever the activity",
    )
    secure_cookies: bool = Field(
        default=False,
        description="Served over TLS (directly or behind a reverse proxy): cookies get the Secure flag and the "
        "__Host- name prefix, and every response carries HSTS. Leave off only for http://localhost",
    )
    job_result_days: int = Field(
        default=30,
        ge=1,
        description="Days a finished run's result and parameters are kept; then they are cleared (its status, "
        "times and who ran it stay). Applied when `hcs serve` starts and by `hcs jobs purge`",
    )
    max_upload_mb: int = Field(
        default=1024,
        ge=1,
        le=64 * 1024,
        description="Largest request body the web app takes, in MB (all files of one upload together), refused "
        "with 413 before any of it is read. A whole-NHS ESR staff-in-post report is about 370 MB as CSV "
        "(420 MB with its leavers report), twice that saved as Unicode (UTF-16) text",
    )
    max_xlsx_inflated_mb: int = Field(
        default=2048,
        ge=1,
        le=64 * 1024,
        description="Largest size, in MB, an XLSX workbook may expand to when read (all its parts together), "
        "checked before anything inflates it, as is each part's compression (at most 100:1). Excel's largest "
        "sheet (1,048,576 rows) of an ESR report's 20 columns expands to about 0.9 GB",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'hcs.db'}"

    def resolved_key_file(self) -> Path:
        return self.pseudonym_key_file or self.data_dir / "pseudonym.key"


@cache
def get_settings() -> Settings:
    return Settings()
