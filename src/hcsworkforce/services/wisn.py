"""The WISN job: staffing need per cadre by the WHO WISN method, from a shipped example or a file's text."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from hcsworkforce.errors import Problem, UserInputError

MAX_WISN_BYTES = 200_000


@dataclass
class WisnView:
    source: str  # the example's name or "uploaded file"
    results: list[Any]  # analytics.wisn WisnResult

    def rows(self) -> list[dict[str, Any]]:
        return [r.summary() for r in self.results]

    def activity_rows(self, kind: str) -> list[dict[str, Any]]:
        return [{"cadre": r.cadre, **dataclasses.asdict(a)} for r in self.results for a in getattr(r, kind)]

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "cadres": [r.to_dict() for r in self.results]}


def wisn_examples() -> list[Any]:
    from hcsworkforce.services import engines

    root = engines.examples_dir()
    if root is None or not (root / "wisn").is_dir():
        return []
    import yaml

    out = []
    for path in sorted((root / "wisn").glob("*.yaml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        first = doc[0] if isinstance(doc, list) and doc else doc
        cadres = len(doc) if isinstance(doc, list) else 1
        name = str(first.get("cadre")) if isinstance(first, dict) else path.stem
        out.append(
            engines.Example(
                id=path.stem,
                name=path.stem.replace("_", " "),
                description=f"{cadres} cadre{'s' if cadres != 1 else ''}, starting with {name}",
                path=path,
            )
        )
    return out


def run_wisn(example: str | None, text: str | None) -> WisnView:
    """Staffing need per cadre from a shipped example or a WISN YAML's text; a bad file raises UserInputError
    with every problem (key, value, expected) and nothing is calculated."""
    from hcsworkforce.analytics.wisn import calculate_wisn_for_cadres
    from hcsworkforce.ingest.wisn_file import parse_wisn_text, read_wisn_file

    if bool(example) == bool(text):
        raise UserInputError(
            Problem("choose a shipped example or give a WISN file, not both or neither", column="example")
        )
    if example:
        found = {e.id: e for e in wisn_examples()}
        if example not in found:
            raise UserInputError(
                Problem(
                    "is not a shipped example",
                    column="example",
                    value=example[:80],
                    expected=", ".join(found) or "(none on this installation)",
                )
            )
        cadres, source = read_wisn_file(found[example].path), found[example].name
    else:
        assert text is not None
        if len(text.encode()) > MAX_WISN_BYTES:
            raise UserInputError(Problem(f"the WISN file is larger than {MAX_WISN_BYTES // 1000} kB"))
        cadres, source = parse_wisn_text(text, file="uploaded file"), "uploaded file"
    return WisnView(source, calculate_wisn_for_cadres(cadres))
