"""The roles job (role redesign): training programmes and pathways ranked by how much of a role they cover
(`hcs roles match`), and the roles no one in post at an organisation can fill now (`hcs roles gaps`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hcsworkforce.analytics import pathways as pw
from hcsworkforce.analytics import roles as rl
from hcsworkforce.analytics import skills
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.roles_file import read_roles
from hcsworkforce.model.roles import Role
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services.access import view_scope
from hcsworkforce.services.pathways import resolve_level, resolve_specialism
from hcsworkforce.store import Store


@dataclass(frozen=True)
class RolesMatchQuery:
    """role_files: YAML, CSV or XLSX role files; without them, the default role of `specialism` at `level`.
    from_level: pathways start here too; limit: pathways shown per role (0: all)."""

    role_files: tuple[Path, ...] = ()
    specialism: str | None = None
    level: str | None = None
    from_level: str = pw.NEW_ENTRANT
    limit: int = 10


@dataclass(frozen=True)
class RolesGapsQuery:
    """organisation: ODS code; role_files: the roles to check (default: each specialism's roles at the
    organisation); nearest: staff listed per unfilled role; include_fillable: list roles that can be filled."""

    organisation: str
    role_files: tuple[Path, ...] = ()
    nearest: int = 3
    include_fillable: bool = False


RolesQuery = RolesMatchQuery | RolesGapsQuery


@dataclass
class RolesMatchResult:
    roles: list[dict[str, Any]]  # per role: requirements, programmes, pathways
    programmes: list[dict[str, Any]]  # flat, with the role's name
    pathways: list[dict[str, Any]]  # flat, with the role's name
    notes: list[str] = field(default_factory=list)
    title = "Role match against training programme outcomes"

    def to_json(self) -> dict[str, Any]:
        return {"roles": self.roles, "notes": self.notes}

    def records(self) -> list[dict[str, Any]]:
        return self.programmes

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Programmes", self.programmes), ("Pathways", self.pathways)]


@dataclass
class RolesGapsResult:
    organisation_code: str
    roles: list[dict[str, Any]]  # the roles shown: those no one can fill now, or all with include_fillable
    nearest_staff: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Roles no one can fill: {self.organisation_code}"

    def to_json(self) -> dict[str, Any]:
        return {
            "organisation_code": self.organisation_code,
            "roles": self.roles,
            "nearest_staff": self.nearest_staff,
            "notes": self.notes,
        }

    def records(self) -> list[dict[str, Any]]:
        return self.roles

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Roles", self.roles), ("Nearest staff", self.nearest_staff)]


def skills_profile(specialism_id: str, career_level: str) -> Mapping[str, int]:
    """The skills engine's default profile (specialism, career level) -> surge competency levels, so the surge
    competencies of competencies.csv count in role matching."""
    return skills.reference_framework().default_profile(specialism_id, career_level)


def skills_residual(role: Role, profile: Mapping[str, int]) -> dict[str, Any]:
    """Training courses and hours (the skills engine's exact set cover) for the surge competencies a role still
    needs after the route: the part local training resources must close."""
    fw = skills.reference_framework()
    reqs = tuple(sorted((c, lv) for c, lv in role.requirements.items() if c in fw.competencies))
    if not reqs:
        return {"training_hours": 0.0, "training_resources": ""}
    plan = skills.training_plan(profile, skills.SurgeRole(f"role:{role.name}", role.name, reqs), fw)
    return {
        "training_hours": plan.hours if plan.feasible else None,
        "training_resources": ", ".join(plan.resources),
    }


def _roles(files: tuple[Path, ...]) -> list[Role]:
    return [r for f in files for r in read_roles(f)]


def _default_role(specialism: str | None, level: str | None) -> Role:
    if not specialism or not level:
        raise UserInputError("give a ROLE_FILE, or --specialism and --level to build a role from defaults")
    spec = resolve_specialism(specialism)
    assert spec is not None
    return rl.role_for_level(spec, resolve_level(level, "level"), skills_profile)


def run_match(query: RolesMatchQuery) -> RolesMatchResult:
    """Rank training programmes and pathways by how much of each role their outcomes cover."""
    start = resolve_level(query.from_level, "from_level")
    if query.limit < 0:
        raise UserInputError(Problem("must be 0 or more", column="limit", value=str(query.limit)))
    roles = _roles(query.role_files) if query.role_files else [_default_role(query.specialism, query.level)]
    result = RolesMatchResult(roles=[], programmes=[], pathways=[])
    for role in roles:
        progs = rl.match_programmes(role)
        paths = rl.match_pathways(role, start, limit=query.limit or None)
        result.programmes += [{"role": role.name, **p} for p in progs]
        result.pathways += [{"role": role.name, **p} for p in paths]
        result.roles.append(
            {
                "role": role.name,
                "specialism": role.specialism_id,
                "requirements": role.requirements,
                "programmes": progs,
                "pathways": paths,
            }
        )
    result.notes = [
        "coverage = sum over the role's competencies of min(outcome level, required level) / sum of required "
        "levels: the share of required competency-levels met. 1.0 covers the role.",
        f"Pathways start from {start} (its default competencies count) and add each route's outcomes.",
        "Programme outcome levels are illustrative (reference/data/programme_outcomes.csv).",
    ]
    return result


def run_gaps(store: Store, query: RolesGapsQuery, scope: Scope = NATIONAL) -> RolesGapsResult:
    """Roles no one in post at the organisation can fill now, with the quickest upskilling route for the
    nearest staff. Role files are read (and every problem in them reported) before the database is."""
    roles = _roles(query.role_files)
    vs = view_scope(store, scope, None, query.organisation)
    code = vs.code or ""
    if vs.kind != "organisation":
        raise UserInputError(
            Problem("an organisation is needed", column="organisation", expected="an ODS code")
        )
    if not store.is_initialised():
        raise UserInputError("the database is empty: run `hcs import FILE` first")
    staff = store.staff(scope=vs)
    if staff.height == 0:
        raise UserInputError(
            Problem(
                "no staff in post at this organisation in the latest census",
                column="organisation",
                value=code,
                expected="an ODS code present in the imported extract",
            )
        )
    if not roles:
        roles = rl.default_roles_for(staff, skills_profile)
    summary, detail = rl.role_gaps(
        staff, roles, extra_profile=skills_profile, nearest=query.nearest, residual=skills_residual
    )
    unfillable = [s for s in summary if s["can_fill_now"] == 0]
    notes = [
        f"{len(unfillable)} of {len(summary)} roles at {code} cannot be filled by anyone in post now.",
        "Nearest staff: those with a route that covers the role first, by that route's years, then by "
        "level-steps missing. Profiles are specialism and career-level defaults, not assessed individuals.",
        "Experience for equivalence routes is credited from years since start date (a lower bound).",
        "training_hours: courses (training_resources.csv) for the surge competencies still missing after the "
        "route; blank where no course reaches the level.",
    ]
    return RolesGapsResult(code, summary if query.include_fillable else unfillable, detail, notes)


def run(
    store: Store | None, query: RolesQuery, scope: Scope = NATIONAL
) -> RolesMatchResult | RolesGapsResult:
    """Either part of the job by its query: a match needs no database, the gaps read the organisation's staff."""
    if isinstance(query, RolesMatchQuery):
        return run_match(query)
    if store is None:
        raise ValueError("the roles gaps need a store")
    return run_gaps(store, query, scope)
