"""What the planning and deployment jobs share: the shipped examples, where a run's scenario comes from (a file
on disk, a shipped example or an uploaded file's text), and the census of the caller's scope.

A file on disk and a shipped example have a folder, so the files their YAML names (a WISN file, a surge
scenario's CSV tables, named absentees) are read relative to it; an uploaded text has none, and a file it names
is refused with a Problem naming the key and the file, never silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import polars as pl
import yaml

from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.scope import Scope
from hcsworkforce.services import access, cache
from hcsworkforce.store import Store

MAX_RUNS = 2000  # Monte Carlo runs a web or API user may ask for; the CLI has no such cap
MAX_YAML_BYTES = 200_000
Kind = Literal["scenario", "surge", "wisn"]
EXAMPLE_FOLDERS: dict[str, str] = {"scenario": "scenarios", "surge": "surge", "wisn": "wisn"}


def examples_dir() -> Path | None:
    """The repository's examples/ folder (present in a source checkout, which is how hcsworkforce is run)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "examples"
        if (candidate / "scenarios").is_dir():
            return candidate
    return None


@dataclass(frozen=True)
class Example:
    id: str  # file stem, used in forms and the API
    name: str
    description: str
    path: Path


def _describe(kind: str, path: Path, doc: Any) -> Example:
    if kind == "wisn":
        first = doc[0] if isinstance(doc, list) and doc else doc
        cadres = len(doc) if isinstance(doc, list) else 1
        name = str(first.get("cadre")) if isinstance(first, dict) else path.stem
        return Example(
            id=path.stem,
            name=path.stem.replace("_", " "),
            description=f"{cadres} cadre{'s' if cadres != 1 else ''}, starting with {name}",
            path=path,
        )
    doc = doc if isinstance(doc, dict) else {}
    return Example(
        id=path.stem,
        name=str(doc.get("name") or path.stem),
        description=" ".join(str(doc.get("description") or "").split()),
        path=path,
    )


def examples(kind: str) -> list[Example]:
    """Shipped examples of one kind ("scenario", "surge" or "wisn"), named as their files name themselves."""
    root = examples_dir()
    if root is None or not (root / EXAMPLE_FOLDERS[kind]).is_dir():
        return []
    out = []
    for path in sorted((root / EXAMPLE_FOLDERS[kind]).glob("*.yaml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        out.append(_describe(kind, path, doc))
    return out


def example_path(kind: str, example_id: str) -> Path:
    found = {e.id: e.path for e in examples(kind)}
    if example_id not in found:
        raise UserInputError(
            Problem(
                "is not a shipped example",
                column="example",
                value=example_id[:80],
                expected=", ".join(found) or "(no examples on this installation)",
            )
        )
    return found[example_id]


@dataclass(frozen=True)
class Source:
    """Where a run's YAML comes from: exactly one of a file on disk (the CLI), a shipped example (by id) or a
    file's text (an upload, which has no folder of its own)."""

    path: Path | None = None
    example: str | None = None
    text: str | None = None

    @classmethod
    def from_params(cls, params: dict[str, Any], prefix: str = "", text_key: str = "scenario_yaml") -> Source:
        """The source a queued run's parameters name (``example`` or ``scenario_yaml``, maybe prefixed)."""
        example, text = params.get(f"{prefix}example"), params.get(f"{prefix}{text_key}")
        if bool(example) == bool(text):
            raise UserInputError(
                Problem(
                    "choose a shipped example or give a scenario file, not both or neither",
                    column=f"{prefix}example",
                )
            )
        if text and len(str(text).encode()) > MAX_YAML_BYTES:
            raise UserInputError(
                Problem(f"the scenario is larger than {MAX_YAML_BYTES // 1000} kB", column="file")
            )
        return cls(example=str(example)) if example else cls(text=str(text))

    def check(self, what: str = "a scenario file") -> None:
        """Exactly one of the three is given."""
        if len([x for x in (self.path, self.example, self.text) if x]) != 1:
            raise UserInputError(
                Problem(f"choose a shipped example or give {what}, not both or neither", column="example")
            )

    def file(self, kind: str) -> Path | None:
        """The file on disk, if there is one (a path, or the shipped example's file)."""
        if self.path is not None:
            return self.path
        if self.example:
            return example_path(kind, self.example)
        return None

    def label(self) -> str:
        """How problems and notes name the source."""
        if self.path is not None:
            return str(self.path)
        if self.example:
            return f"example {self.example}"
        return "uploaded scenario"


def parse_runs(value: Any, max_runs: int | None = None, column: str = "runs") -> int | None:
    """A number of Monte Carlo runs as given (None: the scenario's own), checked: 1 to max_runs."""
    if value in (None, ""):
        return None
    try:
        runs = int(value)
    except (TypeError, ValueError):
        raise UserInputError(Problem("is not a whole number", column=column, value=str(value)[:20])) from None
    if runs < 1 or (max_runs is not None and runs > max_runs):
        expected = f"1 to {max_runs:,}" if max_runs is not None else "at least 1"
        raise UserInputError(Problem("is out of range", column=column, value=str(runs), expected=expected))
    return runs


def scope_json(scope: Scope) -> dict[str, Any]:
    return {"kind": scope.kind, "code": scope.code}


def scoped_census(
    store: Store, scope: Scope, census_date: date | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Staff, leavers and establishment of the caller's scope (the latest census by default): an organisation
    user plans and deploys over their own organisation's staff only, a region user over their region's.
    A scope with no staff in post is refused: a plan over nobody has nothing to say."""
    if not store.is_initialised():
        raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
    version = cache.data_version(store, census_date)
    if version is None:
        dates = store.census_dates()
        if census_date is not None and dates:
            raise UserInputError(
                Problem(
                    "is not a census in the database",
                    column="census_date",
                    value=census_date.isoformat(),
                    expected=", ".join(d.isoformat() for d in dates),
                )
            )
        raise UserInputError("no census is loaded yet: import an extract first (hcs import FILE)")
    fr = cache.load_frames(store, version)
    staff = access.scoped(fr.staff, scope)
    if staff.height == 0:
        where = "the database" if scope.kind == "national" else "your area"
        raise UserInputError(
            f"there are no staff in post in {where} for the census of {version[3].isoformat()}"
        )
    return staff, access.scoped(fr.leavers, scope), access.scoped(fr.establishment, scope)
