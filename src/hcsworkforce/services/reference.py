"""About the data: the reference tables that ship with the package, each with its rows' sources, dates and
verification (`hcs reference`, /api/v1/reference, the about-the-data page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError


@dataclass
class SourcesResult:
    rows: list[dict[str, Any]]  # one per table: table, rows, as_of, verified {status: rows}, sources [..]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"tables": self.rows}

    def records(self) -> list[dict[str, Any]]:
        """Flat: verification counts and sources joined into one cell each."""
        return [
            {
                **r,
                "verified": "; ".join(f"{k}: {v}" for k, v in r["verified"].items()),
                "sources": " | ".join(r["sources"]),
            }
            for r in self.rows
        ]

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Reference tables", self.records())]


def sources() -> SourcesResult:
    """Each reference table with its rows' sources, dates and verification status, summarised."""
    out = []
    for name in reference.table_names():
        rows = reference.read_table(name)
        found = sorted({s.strip() for r in rows for s in (r.get("source") or "").split(";") if s.strip()})
        as_of = sorted({r.get("as_of", "") for r in rows if r.get("as_of")})
        verified: dict[str, int] = {}
        for r in rows:
            v = r.get("verified") or "(not stated)"
            verified[v] = verified.get(v, 0) + 1
        out.append(
            {
                "table": name,
                "rows": len(rows),
                "as_of": ", ".join(as_of) if len(as_of) <= 3 else f"{as_of[0]} to {as_of[-1]}",
                "verified": verified,
                "sources": found,
            }
        )
    return SourcesResult(out, ["Each row of a reference table names its source and the date it holds from."])


def table(name: str) -> list[dict[str, Any]]:
    """One reference table's rows, as shipped."""
    names = reference.table_names()
    if name not in names:
        raise UserInputError(
            Problem("is not a reference table", column="table", value=name[:40], expected=", ".join(names))
        )
    return [dict(r) for r in reference.read_table(name)]
