"""Read a surge scenario (YAML) and an individual competencies file (CSV), with every problem located.

Scenario problems are named by key path (`roles[0].posts[1].count`, list positions from 0); CSV problems by
row as a spreadsheet shows it (the header is row 1) and column. Cross-references are checked against the
reference framework with the scenario's own additions laid over it: an unknown role, competency or
specialism is reported with what was expected.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import ValidationError

from hcsworkforce import reference
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.yaml_loader import UniqueKeyLoader
from hcsworkforce.model.surge import FloorIn, ProfileIn, SurgeScenario

MAX_PROBLEMS = 50
# Keys whose value may be a path to a CSV file (relative to the scenario) instead of an inline list.
CSV_KEYS: dict[str, dict[str, Any]] = {
    "competencies": {"levels": None},
    "training_resources": {"hours": float, "to_level": int},
    "profiles": {"level": int},
}


@dataclass(frozen=True)
class LoadedScenario:
    scenario: SurgeScenario
    file: str
    base_dir: Path

    def absent_staff_path(self) -> Path | None:
        if not self.scenario.absent_staff_file:
            return None
        p = Path(self.scenario.absent_staff_file)
        return p if p.is_absolute() else self.base_dir / p


def _read_text(path: Path, what: str) -> str:
    name = str(path)
    if not path.exists():
        raise UserInputError(Problem("file not found", file=name))
    if path.is_dir():
        raise UserInputError(Problem(f"is a folder, not {what}", file=name))
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise UserInputError(
            Problem("is not a text file", file=name, expected=f"{what} saved as UTF-8")
        ) from e


def read_surge_file(path: Path) -> LoadedScenario:
    """Read, validate and resolve a surge scenario file. Raises UserInputError naming the file and key."""
    return parse_surge_text(
        _read_text(path, "a surge scenario YAML file"), file=str(path), base_dir=path.parent
    )


def parse_surge_text(text: str, file: str | None = None, base_dir: Path | None = None) -> LoadedScenario:
    base_dir = base_dir or Path.cwd()
    try:
        document = yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UserInputError(Problem(f"is not valid YAML: {e.problem or e.context}{where}", file=file)) from e
    except yaml.YAMLError as e:
        raise UserInputError(Problem(f"is not valid YAML: {e}", file=file)) from e
    if not isinstance(document, dict):
        raise UserInputError(
            Problem(
                "is not a surge scenario",
                file=file,
                expected="a mapping with keys name, absence_rate, training_budget_hours, travel, floors, roles ...",
            )
        )
    problems: list[Problem] = []
    for key, casts in CSV_KEYS.items():
        if isinstance(document.get(key), str):
            document[key] = _csv_records(base_dir / document[key], key, casts, file, problems)
    try:
        scenario = SurgeScenario.model_validate(document)
    except ValidationError as e:
        problems.extend(_problem(err, file) for err in e.errors())
        raise UserInputError(problems[:MAX_PROBLEMS], total=len(problems)) from e
    if problems:
        raise UserInputError(problems[:MAX_PROBLEMS], total=len(problems))
    scenario = _resolve(scenario, file)
    return LoadedScenario(scenario, file or "<scenario>", base_dir)


def _csv_records(
    path: Path, key: str, casts: dict[str, Any], file: str | None, problems: list[Problem]
) -> list[dict[str, Any]]:
    """A CSV given for a list key, read into records; numbers cast so the record checks see numbers."""
    if not path.exists():
        problems.append(Problem("names a file that does not exist", file=file, column=key, value=str(path)))
        return []
    rows = list(csv.DictReader(io.StringIO(_read_text(path, "a CSV file"))))
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows, start=2):
        rec: dict[str, Any] = {}
        for col, val in row.items():
            if col is None or col in {"source", "as_of", "verified", "note", "notes"}:
                continue
            val = (val or "").strip()
            if col.startswith("level_") and key == "competencies":
                rec.setdefault("levels", []).append(val)
                continue
            if val == "":
                continue
            cast = casts.get(col)
            if cast is not None:
                try:
                    rec[col] = cast(val)
                except ValueError:
                    problems.append(Problem("is not a number", file=str(path), row=i, column=col, value=val))
                    continue
            else:
                rec[col] = val
        if key == "profiles" and "specialism_id" in rec:
            rec["specialism"] = rec.pop("specialism_id")
        out.append(rec)
    return out


def key_path(loc: tuple[int | str, ...]) -> str:
    """('roles', 0, 'posts', 1, 'count') -> 'roles[0].posts[1].count'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _problem(err: Any, file: str | None) -> Problem:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    path = key_path(loc)
    kind = err["type"]
    value = err.get("input")
    shown = None if isinstance(value, dict | list) else str(value)
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return Problem(f"{loc[-1] if loc else 'key'} is missing", file=file, column=path)
    if kind == "extra_forbidden":
        return Problem(
            f"unknown key {loc[-1]!r}",
            file=file,
            column=path,
            expected="a key described in docs/deployment.md",
        )
    if kind in {"less_than_equal", "less_than"}:
        return Problem(f"must be at most {ctx.get('le', ctx.get('lt'))}", file=file, column=path, value=shown)
    if kind in {"greater_than_equal", "greater_than"}:
        bound = ctx.get("ge", ctx.get("gt"))
        word = "at least" if kind == "greater_than_equal" else "more than"
        return Problem(f"must be {word} {bound}", file=file, column=path, value=shown)
    if kind == "literal_error":
        return Problem(
            "is not one of the allowed values",
            file=file,
            column=path,
            value=shown,
            expected=str(ctx.get("expected", "")),
        )
    msg = str(err.get("msg", "is not valid"))
    msg = msg.removeprefix("Value error, ")
    return Problem(msg, file=file, column=path, value=shown)


def reference_competency_ids() -> set[str]:
    return {r["id"] for r in reference.read_table("competencies")}


def reference_role_ids() -> set[str]:
    return {r["id"] for r in reference.read_table("surge_roles")}


def _resolve(scenario: SurgeScenario, file: str | None) -> SurgeScenario:
    """Check every cross-reference; return the scenario with floors' and profiles' specialisms as ids."""
    problems: list[Problem] = []
    floors, profiles = _specialisms_as_ids(scenario, file, problems)
    _check_references(scenario, profiles, file, problems)
    if problems:
        raise UserInputError(problems[:MAX_PROBLEMS], total=len(problems))
    return scenario.model_copy(update={"floors": floors, "profiles": profiles})


def _specialisms_as_ids(
    scenario: SurgeScenario, file: str | None, problems: list[Problem]
) -> tuple[list[FloorIn], list[ProfileIn]]:
    """Floors and profiles with their specialisms resolved to reference ids (and profiles' levels checked)."""

    def spec_id(text: str, path: str) -> str:
        sid, candidates = reference.resolve_specialism(text)
        if sid is None:
            expected = (
                f"one of: {', '.join(candidates[:6])}"
                if candidates
                else "a specialism of the reference taxonomy"
            )
            problems.append(
                Problem("is not a specialism we know", file=file, column=path, value=text, expected=expected)
            )
            return text
        return sid

    floors = [
        f.model_copy(update={"specialism": spec_id(f.specialism, f"floors[{i}].specialism")})
        for i, f in enumerate(scenario.floors)
    ]
    levels = set(reference.career_levels())
    profiles = []
    for i, p in enumerate(scenario.profiles):
        if p.career_level != "*" and p.career_level not in levels:
            problems.append(
                Problem(
                    "is not a career level",
                    file=file,
                    column=f"profiles[{i}].career_level",
                    value=p.career_level,
                    expected="'*' or one of " + ", ".join(sorted(levels)),
                )
            )
        profiles.append(
            p.model_copy(update={"specialism": spec_id(p.specialism, f"profiles[{i}].specialism")})
        )
    return floors, profiles


def _check_references(
    scenario: SurgeScenario, profiles: list[ProfileIn], file: str | None, problems: list[Problem]
) -> None:
    """Ids defined once; every competency named is known or defined; every role known or given its
    requirements; no floor with an empty list of organisations."""
    base_roles = reference_role_ids()
    comps = reference_competency_ids() | {c.id for c in scenario.competencies}
    known = ", ".join(sorted(comps))

    def check_comp(c: str, path: str) -> None:
        if c not in comps:
            problems.append(
                Problem(
                    "unknown competency",
                    file=file,
                    column=path,
                    value=c,
                    expected=f"one of {known}, or define it under competencies",
                )
            )

    id_lists: list[tuple[str, list[str]]] = [
        ("competencies", [c.id for c in scenario.competencies]),
        ("training_resources", [t.id for t in scenario.training_resources]),
        ("roles", [r.id for r in scenario.roles]),
    ]
    for name, ids in id_lists:
        seen: set[str] = set()
        for i, item_id in enumerate(ids):
            if item_id in seen:
                problems.append(Problem("appears twice", file=file, column=f"{name}[{i}].id", value=item_id))
            seen.add(item_id)
    for i, t in enumerate(scenario.training_resources):
        for c in t.lifts():
            check_comp(c, f"training_resources[{i}]." + ("covers" if t.covers else "competency"))
    for i, p in enumerate(profiles):
        check_comp(p.competency, f"profiles[{i}].competency")
    for i, r in enumerate(scenario.roles):
        if r.requires is None:
            if r.id not in base_roles:
                problems.append(
                    Problem(
                        "unknown role",
                        file=file,
                        column=f"roles[{i}].id",
                        value=r.id,
                        expected=f"one of {', '.join(sorted(base_roles))}, or give requires:",
                    )
                )
        else:
            for c in r.requires:
                check_comp(c, f"roles[{i}].requires.{c}")
    for i, f in enumerate(scenario.floors):
        if f.organisations is not None and not f.organisations:
            problems.append(
                Problem(
                    "is an empty list",
                    file=file,
                    column=f"floors[{i}].organisations",
                    expected="ODS codes, or leave the key out for every organisation",
                )
            )


def read_competencies_csv(path: Path, competency_ids: set[str]) -> pl.DataFrame:
    """Individual competency records: staff_id, competency, level (0-4), evidence_date (optional, ISO date).

    Returns a frame with those columns (level as int, evidence_date as date), raw staff_ids still to be
    pseudonymised by the caller. Every problem in the file is reported, located by row and column.
    """
    name = str(path)
    text = _read_text(path, "a CSV file")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    required = ["staff_id", "competency", "level"]
    missing = [c for c in required if c not in header]
    if missing:
        raise UserInputError(
            Problem(
                f"has no column {', '.join(missing)}",
                file=name,
                row=1,
                expected="columns staff_id, competency, level, evidence_date",
            )
        )
    problems: list[Problem] = []
    out: dict[str, list[Any]] = {"staff_id": [], "competency": [], "level": [], "evidence_date": []}
    seen: dict[tuple[str, str], int] = {}
    for row_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        record = _competency_record(row, row_no, name, competency_ids, problems)
        if record is None:
            continue
        sid, comp, level, evidence = record
        if (sid, comp) in seen:
            problems.append(
                Problem(
                    f"repeats staff_id and competency of row {seen[(sid, comp)]}",
                    file=name,
                    row=row_no,
                    column="competency",
                    value=comp,
                )
            )
            continue
        seen[(sid, comp)] = row_no
        out["staff_id"].append(sid)
        out["competency"].append(comp)
        out["level"].append(level)
        out["evidence_date"].append(evidence)
    if problems:
        raise UserInputError(problems[:MAX_PROBLEMS], total=len(problems))
    return pl.DataFrame(
        out,
        schema={"staff_id": pl.String, "competency": pl.String, "level": pl.Int64, "evidence_date": pl.Date},
    )


def _competency_record(
    row: dict[str, str], row_no: int, name: str, competency_ids: set[str], problems: list[Problem]
) -> tuple[str, str, int, date | None] | None:
    """(staff_id, competency, level, evidence_date) of one row, or None with its problems added."""
    sid, comp, lvl, when = (
        row.get("staff_id", ""),
        row.get("competency", ""),
        row.get("level", ""),
        row.get("evidence_date", ""),
    )
    ok = True
    if not sid:
        problems.append(Problem("is blank", file=name, row=row_no, column="staff_id"))
        ok = False
    if comp not in competency_ids:
        problems.append(
            Problem(
                "unknown competency",
                file=name,
                row=row_no,
                column="competency",
                value=comp,
                expected=f"one of {', '.join(sorted(competency_ids))}",
            )
        )
        ok = False
    level: int | None = None
    try:
        level = int(lvl)
    except ValueError:
        level = None
    if level is None or not 0 <= level <= 4:
        problems.append(
            Problem(
                "is not a level",
                file=name,
                row=row_no,
                column="level",
                value=lvl,
                expected="a whole number 0-4",
            )
        )
        ok = False
    evidence: date | None = None
    if when:
        try:
            evidence = date.fromisoformat(when)
        except ValueError:
            problems.append(
                Problem(
                    "is not a date",
                    file=name,
                    row=row_no,
                    column="evidence_date",
                    value=when,
                    expected="YYYY-MM-DD",
                )
            )
            ok = False
    if not ok or level is None:
        return None
    return sid, comp, level, evidence


def read_absent_staff(path: Path) -> list[str]:
    """Raw staff_ids of named absentees: a CSV with a staff_id column (or one id per line, no header)."""
    text = _read_text(path, "a CSV file of staff_ids")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return []
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "staff_id" in fields:
        col = (reader.fieldnames or [])[fields.index("staff_id")]
        return [(r.get(col) or "").strip() for r in reader if (r.get(col) or "").strip()]
    return [ln.split(",")[0].strip() for ln in lines]
