"""`hcs roles match` and `hcs roles gaps`: role redesign against training programme outcomes.

A role file is YAML (one role, or ``roles:`` a list) or a CSV/XLSX with columns competency and level (and
role, specialism to hold several roles). Every problem in the file is reported at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit
from hcsworkforce.errors import Problem, UserInputError

roles_app = typer.Typer(help="Role redesign: match roles to training programmes; find roles no one can fill.")

COMPETENCY_HELP = "competency ids of career_competencies.csv or competencies.csv (see docs/people.md)"


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
    career_level: str | None = None,
) -> Any:
    from hcsworkforce import reference
    from hcsworkforce.analytics import roles as rl

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
    return rl.Role(name, reqs, spec_id, career_level)


def read_roles(path: Path) -> list[Any]:
    """Roles from a YAML, CSV or XLSX file; UserInputError listing every problem."""
    file = path.name
    problems: list[Problem] = []
    roles: list[Any] = []
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

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
    else:
        from hcsworkforce.ingest.reader import ROW_COL, read_table
        from hcsworkforce.ingest.survey import map_headers

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
        for (name, spec), pairs in grouped.items():
            roles.append(_build_role(name, spec or None, pairs, file, problems))
        if not grouped:
            problems.append(Problem("the file has a header but no rows", file=file, row=2))
    if problems:
        raise UserInputError(problems[:50], total=len(problems))
    return roles


def _framework() -> Any:
    try:
        from hcsworkforce.analytics import skills
    except ImportError:  # the skills engine is optional for role matching
        return None
    return skills.reference_framework()


def skills_profile() -> Callable[[str, str], Mapping[str, int]] | None:
    """The skills engine's default profile (specialism, career level) -> surge competency levels, so the
    surge competencies of competencies.csv count in role matching; None without the skills engine."""
    fw = _framework()
    return None if fw is None else fw.default_profile


def skills_residual() -> Callable[[Any, Mapping[str, int]], dict[str, Any]] | None:
    """Training courses and hours (the skills engine's exact set cover) for the surge competencies a role
    still needs after the route: the part local training resources must close."""
    fw = _framework()
    if fw is None:
        return None
    from hcsworkforce.analytics import skills

    def residual(role: Any, profile: Mapping[str, int]) -> dict[str, Any]:
        reqs = tuple(sorted((c, lv) for c, lv in role.requirements.items() if c in fw.competencies))
        if not reqs:
            return {"training_hours": 0.0, "training_resources": ""}
        plan = skills.training_plan(profile, skills.SurgeRole(f"role:{role.name}", role.name, reqs), fw)
        return {
            "training_hours": plan.hours if plan.feasible else None,
            "training_resources": ", ".join(plan.resources),
        }

    return residual


def _default_role(specialism: str | None, level: str | None) -> Any:
    from hcsworkforce.analytics import roles as rl
    from hcsworkforce.cli.pathways import resolve_level_option, resolve_specialism_option

    if not specialism or not level:
        raise UserInputError("give a ROLE_FILE, or --specialism and --level to build a role from defaults")
    spec = resolve_specialism_option(specialism)
    lvl = resolve_level_option("--level", level)
    assert spec is not None
    return rl.role_for_level(spec, lvl, skills_profile())


@roles_app.command("match")
def match(
    role_file: Path | None = typer.Argument(None, help="Role file: YAML, CSV or XLSX (competency, level)"),
    specialism: str | None = typer.Option(None, "--specialism", help="Without a file: a specialism's role"),
    level: str | None = typer.Option(None, "--level", help="Without a file: the career level of that role"),
    from_level: str = typer.Option("new_entrant", "--from", help="Rank pathways from this level too"),
    limit: int = typer.Option(10, "--limit", help="Pathways shown (0: all)"),
    fmt: str = FormatOption,
    out: Path | None = OutOption,
) -> None:
    """Rank training programmes and pathways by how much of a role their outcomes cover."""
    from hcsworkforce.analytics import roles as rl
    from hcsworkforce.cli.pathways import resolve_level_option

    check_format(fmt, out)
    start = resolve_level_option("--from", from_level)
    roles = read_roles(role_file) if role_file else [_default_role(specialism, level)]
    prog_rows: list[dict[str, Any]] = []
    path_rows: list[dict[str, Any]] = []
    payload: list[dict[str, Any]] = []
    for role in roles:
        progs = rl.match_programmes(role)
        paths = rl.match_pathways(role, start, limit=limit or None)
        prog_rows += [{"role": role.name, **p} for p in progs]
        path_rows += [{"role": role.name, **p} for p in paths]
        payload.append(
            {
                "role": role.name,
                "specialism": role.specialism_id,
                "requirements": role.requirements,
                "programmes": progs,
                "pathways": paths,
            }
        )
    notes = [
        "coverage = sum over the role's competencies of min(outcome level, required level) / sum of required "
        "levels: the share of required competency-levels met. 1.0 covers the role.",
        f"Pathways start from {start} (its default competencies count) and add each route's outcomes.",
        "Programme outcome levels are illustrative (reference/data/programme_outcomes.csv).",
    ]
    emit(
        fmt,
        out,
        title="Role match against training programme outcomes",
        sections=[("Programmes", prog_rows), ("Pathways", path_rows)],
        json_payload={"roles": payload, "notes": notes},
        notes=notes,
    )


@roles_app.command("gaps")
def gaps(
    organisation: str = typer.Option(..., "--organisation", help="ODS code of the organisation"),
    role: list[Path] | None = typer.Option(
        None, "--role", help="Role file(s); default: each specialism's roles"
    ),
    nearest: int = typer.Option(3, "--nearest", help="Nearest staff listed per unfilled role"),
    all_roles: bool = typer.Option(False, "--all", help="List roles that can be filled too"),
    db: str | None = DbOption,
    fmt: str = FormatOption,
    out: Path | None = OutOption,
) -> None:
    """Roles no one in post can fill now, with the quickest upskilling route for the nearest staff."""
    from hcsworkforce.analytics import roles as rl
    from hcsworkforce.model.scope import Scope
    from hcsworkforce.store import open_store

    check_format(fmt, out)
    code = organisation.strip().upper()
    roles = [r for f in role or [] for r in read_roles(f)]
    store = open_store(db)
    if not store.is_initialised():
        raise UserInputError("the database is empty: run `hcs import FILE` first")
    staff = store.staff(scope=Scope(kind="organisation", code=code))
    if staff.height == 0:
        raise UserInputError(
            Problem(
                "--organisation: no staff in post at this organisation in the latest census",
                value=code,
                expected="an ODS code present in the imported extract",
            )
        )
    extra = skills_profile()
    if not roles:
        roles = rl.default_roles_for(staff, extra)
    summary, detail = rl.role_gaps(
        staff, roles, extra_profile=extra, nearest=nearest, residual=skills_residual()
    )
    shown = summary if all_roles else [s for s in summary if s["can_fill_now"] == 0]
    notes = [
        f"{sum(1 for s in summary if s['can_fill_now'] == 0)} of {len(summary)} roles at {code} cannot be "
        "filled by anyone in post now.",
        "Nearest staff: those with a route that covers the role first, by that route's years, then by "
        "level-steps missing. Profiles are specialism and career-level defaults, not assessed individuals.",
        "Experience for equivalence routes is credited from years since start date (a lower bound).",
    ]
    if extra is None:
        notes.append("Surge competencies (skills engine) not joined: career-framework competencies only.")
    else:
        notes.append(
            "training_hours: courses (training_resources.csv) for the surge competencies still missing "
            "after the route; blank where no course reaches the level."
        )
    emit(
        fmt,
        out,
        title=f"Roles no one can fill: {code}",
        sections=[("Roles", shown), ("Nearest staff", detail)],
        json_payload={"organisation_code": code, "roles": shown, "nearest_staff": detail, "notes": notes},
        notes=notes,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(roles_app, name="roles")
