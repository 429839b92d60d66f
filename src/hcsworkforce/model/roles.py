"""Role redesign records: a job role as the competencies it needs, at levels 1-4.

`ingest.roles_file` reads role files into these; `analytics.roles` matches them against training programme
outcomes and the staff in post.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    name: str
    requirements: dict[str, int]  # competency id -> level 1-4, specialist practice as specialism:<id>
    specialism_id: str | None = None
    career_level: str | None = None  # the level the role is pitched at, where known
