"""The WISN job: staffing need per cadre by the WHO WISN method, from a WISN file, a shipped example or a file's
text; and the required FTE of a WISN file, which a projection scenario may take as a specialism's demand."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hcsworkforce.analytics.wisn import WORKLOAD_PRESSURE_BANDS, calculate_wisn_for_cadres
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.wisn_file import parse_wisn_text, read_wisn_file
from hcsworkforce.model.scope import Scope
from hcsworkforce.model.wisn import WisnCadre, WisnResult
from hcsworkforce.services.scenarios import Example, examples

MAX_WISN_BYTES = 200_000
ACTIVITY_TABLES = (
    ("health_service_activities", "Health service activities"),
    ("support_activities", "Support activities (category allowances)"),
    ("additional_activities", "Additional activities (individual allowances)"),
)


def pressure_note() -> str:
    """What the WISN ratio and the workload-pressure bands mean, in one sentence."""
    bands = []
    lower = 0.0
    for upper, label in WORKLOAD_PRESSURE_BANDS:
        bands.append(f"{label} {lower:.2f} to under {upper:.2f}")
        lower = upper
    bands.append(f"Low {lower:.2f} and over")
    return (
        "WISN ratio under 1 means fewer staff than the workload needs (a negative difference is a shortage). "
        "Workload pressure by WISN ratio: " + "; ".join(bands) + "."
    )


@dataclass(frozen=True)
class WisnQuery:
    """Exactly one of a WISN file on disk (the CLI), a shipped example (by id) or a WISN file's text."""

    path: Path | None = None
    example: str | None = None
    text: str | None = None


@dataclass
class WisnReport:
    """Every cadre's WISN result, with where the file came from."""

    source: str  # the file, the example's name or "uploaded file"
    results: list[WisnResult]
    notes: list[str] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        """The headline figures, one row per cadre (the CSV)."""
        return [r.summary() for r in self.results]

    def activity_rows(self, kind: str) -> list[dict[str, Any]]:
        return [{"cadre": r.cadre, **dataclasses.asdict(a)} for r in self.results for a in getattr(r, kind)]

    def activity_tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [(title, self.activity_rows(kind)) for kind, title in ACTIVITY_TABLES]

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """The headline table, then a table per activity type that the file has."""
        return [("WISN results", self.records()), *[(t, rows) for t, rows in self.activity_tables() if rows]]

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "cadres": [r.to_dict() for r in self.results]}


def wisn_examples() -> list[Example]:
    return examples("wisn")


def _located(cadres: list[WisnCadre], file: str) -> list[WisnResult]:
    try:
        return calculate_wisn_for_cadres(cadres)
    except UserInputError as e:
        # The engine knows the cadre but not the file it came from.
        located = [p if p.file else dataclasses.replace(p, file=file) for p in e.problems]
        raise UserInputError(located, total=e.total) from e


def _read(query: WisnQuery) -> tuple[list[WisnCadre], str, str]:
    """The cadres, the file name problems carry, and the source as results name it."""
    given = [x for x in (query.path, query.example, query.text) if x]
    if len(given) != 1:
        raise UserInputError(
            Problem("choose a shipped example or give a WISN file, not both or neither", column="example")
        )
    if query.path is not None:
        return read_wisn_file(query.path), str(query.path), str(query.path)
    if query.example:
        found = {e.id: e for e in wisn_examples()}
        if query.example not in found:
            raise UserInputError(
                Problem(
                    "is not a shipped example",
                    column="example",
                    value=query.example[:80],
                    expected=", ".join(found) or "(none on this installation)",
                )
            )
        example = found[query.example]
        return read_wisn_file(example.path), str(example.path), example.name
    assert query.text is not None
    if len(query.text.encode()) > MAX_WISN_BYTES:
        raise UserInputError(Problem(f"the WISN file is larger than {MAX_WISN_BYTES // 1000} kB"))
    return parse_wisn_text(query.text, file="uploaded file"), "uploaded file", "uploaded file"


def run(store: Any, query: WisnQuery, scope: Scope | None = None) -> WisnReport:
    """Staffing need per cadre; a bad file raises UserInputError with every problem (key, value, expected)
    and nothing is calculated. WISN reads no census, so the store and scope are not used."""
    cadres, file, source = _read(query)
    return WisnReport(source, _located(cadres, file), [f"Source: {source}", pressure_note()])


def required_fte(path: Path) -> float:
    """Required staff summed over a WISN file's cadres: a specialism's demand baseline in a projection."""
    return float(sum(r.required_staff for r in _located(read_wisn_file(path), str(path))))
