"""Key-people directory records: who holds which key role for which organisation, region or network, and when.

`ingest.directory` reads a file into these, `store.tables_engagement` keeps them, and `analytics.people` finds
the vacant and ending posts from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DirectoryEntry:
    """One person holding one key role for one organisation, region or network, over a period."""

    role: str
    scope_code: str  # ODS code, region code or network id, as the role's scope says
    name: str
    email: str | None = None
    valid_from: date | None = None  # None: since before records began
    valid_to: date | None = None  # None: open-ended; inclusive

    def holds_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )
