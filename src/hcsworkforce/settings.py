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
        default=None, description="Signs session cookies; default a key in data_dir"
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
