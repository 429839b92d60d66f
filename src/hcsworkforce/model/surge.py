"""Records for a surge (or absence) scenario: who is away, what the surge needs, what must keep running.

The records are pydantic models so a YAML file or an API body is checked once, with every problem located by
key. Cross-references (a role's competencies, a floor's specialism) need the competency framework and the
specialism taxonomy, so `hcsworkforce.ingest.surge_file` checks them after these records validate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Share = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=1)]
NonNegativeNumber = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
PositiveNumber = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)]
NonNegativeInt = Annotated[int, Field(strict=True, ge=0)]
Level = Annotated[int, Field(strict=True, ge=0, le=4)]
Identifier = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=300)]

Travel = Literal["same_organisation", "same_region", "anywhere"]
FloorBasis = Literal["available", "in_post"]

# How users write the travel rule; all fold to the three values the engine knows.
TRAVEL_ALIASES: dict[str, str] = {
    "same_organisation": "same_organisation",
    "same_organization": "same_organisation",
    "same_org": "same_organisation",
    "organisation": "same_organisation",
    "local": "same_organisation",
    "same_region": "same_region",
    "region": "same_region",
    "regional": "same_region",
    "anywhere": "anywhere",
    "national": "anywhere",
    "any": "anywhere",
}

# Priorities are resolved to this many decimal places, so that the optimiser can work in whole numbers.
PRIORITY_DECIMALS = 3


class _Record(BaseModel):
    # Unknown keys are errors: a misspelt `max_release_shares` must not silently mean "no cap".
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class CompetencyIn(_Record):
    """A competency defined (or redefined) in the scenario."""

    id: Identifier
    name: Name
    domain: str = ""
    levels: list[str] | None = Field(default=None, description="Descriptors of levels 0..4 (five entries)")

    @field_validator("levels")
    @classmethod
    def _five_levels(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(v) != 5:
            raise ValueError(f"levels needs five descriptors (levels 0 to 4), not {len(v)}")
        return v


class TrainingResourceIn(_Record):
    """A course. `competency` + `to_level` for one competency, or `covers` for several at once."""

    id: Identifier
    title: Name
    provider: str = ""
    hours: NonNegativeNumber
    competency: Identifier | None = None
    to_level: Annotated[int, Field(strict=True, ge=1, le=4)] | None = None
    covers: dict[Identifier, Annotated[int, Field(strict=True, ge=1, le=4)]] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> TrainingResourceIn:
        single = self.competency is not None or self.to_level is not None
        if single and self.covers is not None:
            raise ValueError("give either competency + to_level, or covers, not both")
        if self.covers is None and (self.competency is None or self.to_level is None):
            raise ValueError("needs competency and to_level (or covers: {competency: level, ...})")
        if self.covers is not None and not self.covers:
            raise ValueError("covers is empty")
        return self

    def lifts(self) -> dict[str, int]:
        """Competency -> the level this course brings a person to."""
        if self.covers is not None:
            return dict(self.covers)
        assert self.competency is not None and self.to_level is not None
        return {self.competency: self.to_level}


class PostIn(_Record):
    """Posts of one role at one site: a count, or derived from beds and a staffing ratio (WHO surge method)."""

    site: Annotated[str, Field(min_length=3, max_length=6, pattern=r"^[A-Za-z0-9]+$")]
    count: NonNegativeInt | None = None
    priority: PositiveNumber = 1.0
    beds: NonNegativeNumber | None = None
    hours_per_patient_per_24h: PositiveNumber | None = None
    shift_hours: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=24)] = 8.0
    rota_factor: PositiveNumber = 1.0

    @field_validator("site")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()

    @field_validator("priority")
    @classmethod
    def _resolution(cls, v: float) -> float:
        scaled = v * 10**PRIORITY_DECIMALS
        if abs(scaled - round(scaled)) > 1e-6 or round(scaled) < 1:
            raise ValueError(
                f"priority is resolved to {PRIORITY_DECIMALS} decimal places and must be at least 0.001"
            )
        return v

    @model_validator(mode="after")
    def _one_form(self) -> PostIn:
        by_beds = self.beds is not None or self.hours_per_patient_per_24h is not None
        if self.count is not None and by_beds:
            raise ValueError("give either count, or beds + hours_per_patient_per_24h, not both")
        if self.count is None and (self.beds is None or self.hours_per_patient_per_24h is None):
            raise ValueError("needs count, or beds and hours_per_patient_per_24h")
        return self

    def resolved_count(self) -> int:
        """Posts at this site. From beds: beds x hours per patient per 24 h / shift length x rota factor,
        rounded up, as the WHO ESFT/HWFE calculators turn staffing ratios into 8-hour shift-equivalents."""
        if self.count is not None:
            return self.count
        assert self.beds is not None and self.hours_per_patient_per_24h is not None
        need = self.beds * self.hours_per_patient_per_24h / self.shift_hours * self.rota_factor
        return math.ceil(need - 1e-9)


class RoleIn(_Record):
    """A surge role and its posts. A role whose id is in the reference framework may omit `requires`."""

    id: Identifier
    name: str | None = None
    description: str = ""
    requires: dict[Identifier, Level] | None = None
    posts: list[PostIn] = Field(default_factory=list)


class FloorIn(_Record):
    """An essential service's floor: the share of a team's FTE that must stay (per organisation x specialism)."""

    specialism: Name
    min_share: Share
    organisations: (
        list[Annotated[str, Field(min_length=3, max_length=6, pattern=r"^[A-Za-z0-9]+$")]] | None
    ) = None
    note: str = ""

    @field_validator("organisations")
    @classmethod
    def _upper(cls, v: list[str] | None) -> list[str] | None:
        return [o.upper() for o in v] if v is not None else None


class ProfileIn(_Record):
    """A default competency level for a specialism and career level ('*' = every level, capped)."""

    specialism: Name
    career_level: str = "*"
    competency: Identifier
    level: Level


class SurgeScenario(_Record):
    """A surge or absence scenario. With no roles (or no posts) it is a back-up and back-fill question."""

    name: Name
    description: str = ""
    absence_rate: Share = 0.0
    absent_staff_file: str | None = None
    training_budget_hours: NonNegativeNumber = 0.0
    travel: Travel = "same_region"
    max_release_share: Share = 1.0
    floor_basis: FloorBasis = "available"
    floors: list[FloorIn] = Field(default_factory=list)
    competencies: list[CompetencyIn] = Field(default_factory=list)
    training_resources: list[TrainingResourceIn] = Field(default_factory=list)
    profiles: list[ProfileIn] = Field(default_factory=list)
    roles: list[RoleIn] = Field(default_factory=list)

    @field_validator("travel", mode="before")
    @classmethod
    def _travel_alias(cls, v: object) -> object:
        if isinstance(v, str):
            return TRAVEL_ALIASES.get(v.strip().lower().replace(" ", "_").replace("-", "_"), v)
        return v

    def posts(self) -> list[ResolvedPost]:
        """Every (role, site, priority) with its count, in file order; zero counts dropped."""
        out: list[ResolvedPost] = []
        for role in self.roles:
            for post in role.posts:
                n = post.resolved_count()
                if n > 0:
                    out.append(ResolvedPost(role_id=role.id, site=post.site, count=n, priority=post.priority))
        return out

    @property
    def is_backup(self) -> bool:
        """No surge posts: the scenario asks only who falls below floor and who can cover."""
        return not self.posts()


@dataclass(frozen=True)
class ResolvedPost:
    role_id: str
    site: str
    count: int
    priority: float
