"""Read a role file into validated roles: every problem in the file at once, each located by row or key.

A role file is YAML (one role, or ``roles:`` a list) or a CSV/XLSX with columns competency and level (and
role, specialism to hold several roles). Competencies are the ids of career_competencies.csv or
competencies.csv; levels are whole numbers 1-4.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from hcsworkforce import reference
from hcsworkforce.analytics import roles as rl
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.reader import ROW_COL, read_table
from hcsworkforce.ingest.survey import map_headers
from hcsworkforce.model.roles import Role

COMPETENCY_HELP = "competency ids of career_competencies.csv or competencies.csv (see docs/people.md)"
MAX_PROBLEMS = 50


def _level_problem(
    value: Any, file: str, where: str, row: int | None = None
) -> tuple[int | None, Problem | None]:
    try:
        level = int(str(value).strip())
    except ValueError:
        level = -1
    if not 1 <= level <= 4:
        return None, Problem(
            "not a competency level",
            file=file,
            row=row,
            column=where,
            value=str(value),
            expected="a whole number from 1 to 4",
        )
    return level, None


def _build_role(
    name: str,
    specialism: str | None,
    comps: Sequence[tuple[str, Any, str, int | None]],
    file: str,
    problems: list[Problem],
) -> Role:
    spec_id: str | None = None
    if specialism:
        spec_id, cands = reference.resolve_specialism(specialism)
        if spec_id is None:
            exp = f"one of {', '.join(cands[:6])}" if cands else "a specialism from the reference taxonomy"
            problems.append(
                Problem("not a specialism", file=file, column="specialism", value=specialism, expected=exp)
            )
    known = rl.competency_ids()
    reqs: dict[str, int] = {}
    for comp, value, where, row in comps:
        cid = comp.strip()
        is_spec = (
            cid.startswith(rl.SPECIALISM_PREFIX)
            and cid[len(rl.SPECIALISM_PREFIX) :] in reference.specialisms()
        )
        if cid not in known and not is_spec:
            problems.append(
                Problem(
                    "not a competency",
                    file=file,
                    row=row,
                    column="competency" if row else where,
                    value=cid,
                    expected=COMPETENCY_HELP,
                )
            )
            continue
        if cid == rl.SPECIALIST and not specialism:
            problems.append(
                Problem(
                    "specialist_practice needs the role's specialism",
                    file=file,
                    row=row,
                    column=where,
                    expected="a specialism for the role",
                )
            )
            continue
        level, prob = _level_problem(value, file, where, row)
        if prob is not None:
            problems.append(prob)
            continue
        assert level is not None
        key = rl.resolve_competency(cid, spec_id)
        reqs[key] = max(reqs.get(key, 0), level)
    if not comps:
        problems.append(
            Problem(f"role {name!r} names no competencies", file=file, expected="competency: level pairs")
        )
    return Role(name, reqs, spec_id)


def _yaml_roles(path: Path, problems: list[Problem]) -> list[Role]:
    file = path.name
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserInputError(Problem("file not found", file=file)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise UserInputError(
            Problem(f"not valid YAML ({getattr(e, 'problem', e)})", file=file, row=row)
        ) from None
    items = doc.get("roles") if isinstance(doc, dict) and "roles" in doc else [doc]
    if not isinstance(items, list) or not items:
        raise UserInputError(
            Problem("no role found", file=file, expected="name, specialism and competencies")
        )
    roles = []
    for i, item in enumerate(items):
        prefix = f"roles[{i}]." if len(items) > 1 else ""
        if not isinstance(item, dict):
            problems.append(
                Problem(
                    "a role must be a mapping",
                    file=file,
                    column=prefix or None,
                    expected="name, specialism, competencies",
                )
            )
            continue
        comps_doc = item.get("competencies")
        if not isinstance(comps_doc, dict):
            problems.append(
                Problem(
                    "competencies must map competency ids to levels",
                    file=file,
                    column=f"{prefix}competencies",
                    expected="e.g. leadership_management: 3",
                )
            )
            comps_doc = {}
        comps = [(str(k), v, f"{prefix}competencies.{k}", None) for k, v in comps_doc.items()]
        name = str(item.get("name") or path.stem)
        spec = item.get("specialism")
        roles.append(_build_role(name, str(spec) if spec else None, comps, file, problems))
    return roles


def _table_roles(path: Path, problems: list[Problem]) -> list[Role]:
    file = path.name
    raw = read_table(path)
    cols = map_headers(
        raw.headers,
        {
            "competency": ("competency_id",),
            "level": ("required_level",),
            "role": ("role_name", "name"),
            "specialism": (),
        },
        ("competency", "level"),
        file,
    )
    grouped: dict[tuple[str, str], list[tuple[str, Any, str, int | None]]] = {}
    for rec in raw.frame.iter_rows(named=True):
        role = (rec.get(cols["role"]) if "role" in cols else None) or path.stem
        spec = (rec.get(cols["specialism"]) if "specialism" in cols else None) or ""
        comp = rec.get(cols["competency"]) or ""
        grouped.setdefault((str(role), str(spec)), []).append(
            (
                str(comp),
                rec.get(cols["level"]) or "",
                "level" if comp else "competency",
                int(rec[ROW_COL]),
            )
        )
    if not grouped:
        problems.append(Problem("the file has a header but no rows", file=file, row=2))
    return [_build_role(name, spec or None, pairs, file, problems) for (name, spec), pairs in grouped.items()]


def read_roles(path: Path) -> list[Role]:
    """Roles from a YAML, CSV or XLSX file; UserInputError listing every problem."""
    problems: list[Problem] = []
    if path.suffix.lower() in (".yaml", ".yml"):
        roles = _yaml_roles(path, problems)
    else:
        roles = _table_roles(path, problems)
    if problems:
        raise UserInputError(problems[:MAX_PROBLEMS], total=len(problems))
    return roles
