"""A projection scenario as data: typed, validated records with every unknown key rejected.

A scenario names its parameters; where it leaves one out, the sourced defaults in reference/data/planning_*.csv
apply when the projection compiles it. Rates are per year; a rate may carry its own spread (``{value, sd}``)
or take the scenario-wide default spread from ``uncertainty``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from hcsworkforce.reference import (
    career_levels,
    read_table,
    resolve_career_level,
    resolve_specialism,
    resolve_training_programme,
    specialisms,
    training_programmes,
)

QUALIFIED_LEVELS = ("assistant", "associate", "practitioner", "clinical_scientist", "consultant")
TRAINEE_LEVELS = ("trainee_practitioner", "trainee_clinical_scientist", "trainee_consultant")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _number_to_rate(v: Any) -> Any:
    # A bare number is the common case ("leaver_rate: 0.1"); a mapping gives a spread as well.
    if isinstance(v, int | float) and not isinstance(v, bool):
        return {"value": v}
    return v


class _RateModel(_Strict):
    value: float
    sd: float | None = Field(default=None, ge=0, description="Standard deviation across Monte Carlo runs")


Rate = Annotated[_RateModel, BeforeValidator(_number_to_rate)]


def _probability(v: float, what: str) -> float:
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{what} must be between 0 and 1")
    return v


def _level_id(text: str) -> str:
    level = resolve_career_level(text)
    if level is None:
        raise ValueError(f"not a career level (expected one of {', '.join(career_levels())})")
    return level


def _specialism_id(text: str) -> str:
    sid, candidates = resolve_specialism(text)
    if sid is None:
        hint = f"; did you mean one of {', '.join(candidates[:5])}?" if candidates else ""
        raise ValueError(f"not a specialism in the reference taxonomy{hint}")
    return sid


class EntryAge(_Strict):
    """Entry ages as a normal distribution cut to working ages: age when first counted in the stock."""

    mean_years: float = Field(ge=16, le=75)
    sd_years: float = Field(default=0.0, ge=0, le=20)


class LeaverRates(_Strict):
    """Leaving the NHS HCS workforce (not retirement), as a share of the stock per year."""

    value: float | None = Field(default=None, description="One rate for every level")
    sd: float | None = Field(default=None, ge=0)
    by_level: dict[str, Rate] = Field(default_factory=dict)
    by_specialism: dict[str, Rate] = Field(default_factory=dict)
    estimate_from_leavers: bool = Field(
        default=False, description="Estimate rates by level from the imported leavers where there are enough"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, v: Any) -> Any:
        return _number_to_rate(v)

    @field_validator("value")
    @classmethod
    def _check_value(cls, v: float | None) -> float | None:
        return None if v is None else _probability(v, "a leaver rate")

    @field_validator("by_level")
    @classmethod
    def _check_levels(cls, v: dict[str, _RateModel]) -> dict[str, _RateModel]:
        out = {}
        for k, r in v.items():
            out[_level_id(k)] = r
            _probability(r.value, f"leaver rate for {k}")
        return out

    @field_validator("by_specialism")
    @classmethod
    def _check_specialisms(cls, v: dict[str, _RateModel]) -> dict[str, _RateModel]:
        out = {}
        for k, r in v.items():
            out[_specialism_id(k)] = r
            _probability(r.value, f"leaver rate for {k}")
        return out


class Retirement(_Strict):
    """Retirement probability by single year of age (level-independent); ``{}`` takes the defaults."""

    probability_by_age: dict[int, float] | None = Field(
        default=None,
        description="Age -> probability per year; each value holds until the next age given (ages before the first: 0)",
    )
    scale: Rate = Field(
        default_factory=lambda: _RateModel(value=1.0), description="Multiplier on every probability"
    )

    @field_validator("probability_by_age")
    @classmethod
    def _check(cls, v: dict[int, float] | None) -> dict[int, float] | None:
        if v is None:
            return v
        for age, p in v.items():
            if not 16 <= age <= 120:
                raise ValueError(f"age {age} is outside 16-120")
            _probability(p, f"retirement probability at age {age}")
        return dict(sorted(v.items()))


class Progression(_Strict):
    """Moves up one qualified level a year without a commissioned programme, by the level moved from."""

    rate_per_year: dict[str, Rate] = Field(default_factory=dict)

    @field_validator("rate_per_year")
    @classmethod
    def _check(cls, v: dict[str, _RateModel]) -> dict[str, _RateModel]:
        out = {}
        for k, r in v.items():
            level = _level_id(k)
            if level not in QUALIFIED_LEVELS[:-1]:
                raise ValueError(
                    f"{k}: progression is from assistant, associate, practitioner or clinical_scientist"
                )
            _probability(r.value, f"progression rate for {k}")
            out[level] = r
        return out


class TrainingStream(_Strict):
    """Commissioned training places: completers join ``exit_level`` in the year commissioned + duration."""

    programme: str
    specialism: str
    commissions: float | list[float] | dict[int, float] = Field(
        description="Places a year: one number for every year, a list from start_year (last value repeats), "
        "or year -> places"
    )
    duration_years: float | None = Field(default=None, gt=0, le=10)
    completion_rate: Rate | None = None
    exit_level: str | None = None
    entry_age: EntryAge | None = None
    region: str | None = Field(default=None, description="Region code; default: split by the current stock")

    @field_validator("programme")
    @classmethod
    def _programme(cls, v: str) -> str:
        pid = resolve_training_programme(v)
        if pid is None or pid == "none":
            raise ValueError(f"not a training programme (expected one of {', '.join(training_programmes())})")
        return pid

    @field_validator("specialism")
    @classmethod
    def _specialism(cls, v: str) -> str:
        return _specialism_id(v)

    @field_validator("exit_level")
    @classmethod
    def _exit(cls, v: str | None) -> str | None:
        if v is None:
            return v
        level = _level_id(v)
        if level not in QUALIFIED_LEVELS:
            raise ValueError("exit_level must be a qualified level (assistant .. consultant)")
        return level

    @field_validator("commissions")
    @classmethod
    def _commissions(
        cls, v: float | list[float] | dict[int, float]
    ) -> float | list[float] | dict[int, float]:
        values = v.values() if isinstance(v, dict) else v if isinstance(v, list) else [v]
        if any(x < 0 for x in values):
            raise ValueError("commissions cannot be negative")
        if isinstance(v, list) and not v:
            raise ValueError("commissions list is empty")
        return v

    @field_validator("completion_rate")
    @classmethod
    def _completion(cls, v: _RateModel | None) -> _RateModel | None:
        if v is not None:
            _probability(v.value, "a completion rate")
        return v

    @model_validator(mode="after")
    def _exit_known(self) -> TrainingStream:
        if self.exit_level is None and not training_programmes()[self.programme].exit_level:
            raise ValueError(f"programme {self.programme} has no default exit level: give exit_level")
        return self

    def places_in_year(self, year: int, start_year: int) -> float:
        c = self.commissions
        if isinstance(c, dict):
            return float(c.get(year, 0.0))
        if isinstance(c, list):
            i = year - start_year
            return float(c[min(i, len(c) - 1)]) if i >= 0 else 0.0
        return float(c)


class Recruitment(_Strict):
    """Joiners other than training completers, as a share of each cell's stock a year."""

    rate_per_year: Rate | None = Field(default=None, description="One rate for every qualified level")
    by_level: dict[str, Rate] = Field(default_factory=dict)
    entry_age: EntryAge | None = None

    @field_validator("by_level")
    @classmethod
    def _check(cls, v: dict[str, _RateModel]) -> dict[str, _RateModel]:
        out = {}
        for k, r in v.items():
            level = _level_id(k)
            if level not in QUALIFIED_LEVELS:
                raise ValueError(f"{k}: recruits join qualified levels only")
            _probability(r.value, f"rate for {k}")
            out[level] = r
        return out


class Supply(_Strict):
    leaver_rate: LeaverRates = Field(default_factory=LeaverRates)
    retirement: Retirement = Field(default_factory=Retirement)
    progression: Progression = Field(default_factory=Progression)
    training: list[TrainingStream] = Field(default_factory=list)
    international_recruits: Recruitment = Field(default_factory=Recruitment)
    returners: Recruitment = Field(default_factory=Recruitment)
    domestic_recruits: Recruitment = Field(default_factory=Recruitment)


class Development(_Strict):
    """A service development adding funded FTE from a year (ramped in over ``ramp_years``)."""

    name: str
    specialism: str
    fte: float
    from_year: int
    ramp_years: int = Field(default=1, ge=1, le=20)
    career_level: str | None = Field(default=None, description="Default: split by the baseline level mix")
    region: str | None = None

    @field_validator("specialism")
    @classmethod
    def _specialism(cls, v: str) -> str:
        return _specialism_id(v)

    @field_validator("career_level")
    @classmethod
    def _level(cls, v: str | None) -> str | None:
        return None if v is None else _level_id(v)


class WisnBaseline(_Strict):
    """WISN required staff as the demand baseline for one specialism (replacing establishment or FTE)."""

    specialism: str
    required_fte: float | None = Field(default=None, ge=0)
    file: str | None = Field(default=None, description="A WISN YAML file (path relative to the scenario)")
    career_level: str | None = None

    @field_validator("specialism")
    @classmethod
    def _specialism(cls, v: str) -> str:
        return _specialism_id(v)

    @field_validator("career_level")
    @classmethod
    def _level(cls, v: str | None) -> str | None:
        return None if v is None else _level_id(v)

    @model_validator(mode="after")
    def _one(self) -> WisnBaseline:
        if (self.required_fte is None) == (self.file is None):
            raise ValueError("give exactly one of required_fte or file")
        return self


class Demand(_Strict):
    baseline: Literal["auto", "establishment", "current_fte"] = Field(
        default="auto", description="auto: the establishment where one is loaded, else current FTE"
    )
    growth: Rate = Field(default_factory=lambda: _RateModel(value=0.0), description="Growth rate per year")
    growth_by_specialism: dict[str, Rate] = Field(default_factory=dict)
    developments: list[Development] = Field(default_factory=list)
    wisn: list[WisnBaseline] = Field(default_factory=list)

    @field_validator("growth_by_specialism")
    @classmethod
    def _check(cls, v: dict[str, _RateModel]) -> dict[str, _RateModel]:
        return {_specialism_id(k): r for k, r in v.items()}


class Uncertainty(_Strict):
    """Default spreads (standard deviations across runs) for rates that do not give their own ``sd``.

    ``None`` means: the sd in the reference defaults for parameters taken from them, else no spread.
    """

    leaver_rate_sd: float | None = Field(default=None, ge=0)
    retirement_scale_sd: float | None = Field(default=None, ge=0)
    progression_rate_sd: float | None = Field(default=None, ge=0)
    completion_rate_sd: float | None = Field(default=None, ge=0)
    recruitment_rate_sd: float | None = Field(default=None, ge=0)
    demand_growth_sd: float | None = Field(default=None, ge=0)


def _commissionable(key: str) -> str:
    """A programme id (or name/alias), or a career route id that narrows a programme (apprenticeship_l6_bms)."""
    pid = resolve_training_programme(key)
    if pid is not None and pid != "none":
        return pid
    routes = {r["id"]: r["programme"] for r in read_table("career_routes") if r["programme"] != "none"}
    if key in routes:
        return key
    raise ValueError(
        f"{key!r} is not a training programme or career route "
        f"(expected one of {', '.join(p for p in training_programmes() if p != 'none')})"
    )


def _places(v: float, what: str) -> float:
    if v < 0:
        raise ValueError(f"{what} cannot be negative: {v:g}")
    return v


class ProgrammeCommissioning(_Strict):
    """What a programme's extra places cost and how many can be bought (national, per year)."""

    cost_per_place_gbp: float | None = Field(default=None, ge=0)
    capacity_per_year: float | dict[int, float] | None = Field(
        default=None,
        description="National places a year (all specialisms, including the scenario's own commissions): "
        "one number, or year -> places (years not listed: the reference default)",
    )
    capacity_by_specialism: dict[str, float] = Field(
        default_factory=dict, description="Places a year in one specialism (including its own commissions)"
    )
    specialisms: list[str] | None = Field(
        default=None, description="Default: every specialism the programme serves (career_routes.csv)"
    )

    @field_validator("capacity_per_year")
    @classmethod
    def _capacity(cls, v: float | dict[int, float] | None) -> float | dict[int, float] | None:
        if isinstance(v, dict):
            return {y: _places(c, f"capacity_per_year for {y}") for y, c in sorted(v.items())}
        return None if v is None else _places(v, "capacity_per_year")

    @field_validator("capacity_by_specialism")
    @classmethod
    def _by_specialism(cls, v: dict[str, float]) -> dict[str, float]:
        return {_specialism_id(k): _places(c, f"capacity_by_specialism for {k}") for k, c in v.items()}

    @field_validator("specialisms")
    @classmethod
    def _check(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else [_specialism_id(s) for s in v]


class Commissioning(_Strict):
    """Options for ``hcs commission``: which programmes may be bought, at what cost, within what capacity."""

    target_year: int | None = Field(default=None, description="Default: the last year of the horizon")
    percentile: float = Field(default=50, gt=0, lt=100)
    programmes: dict[str, ProgrammeCommissioning] = Field(
        default_factory=lambda: {
            p: ProgrammeCommissioning()
            for p in ("apprenticeship_l2", "apprenticeship_l4", "ptp", "stp", "hsst")
        },
        description="Programme ids, or career route ids that narrow a programme to the specialisms it serves",
    )
    unmet_gap_penalty_gbp_per_fte: float | None = Field(
        default=None,
        gt=0,
        description="None: close as much of the gap as capacity allows, then at least cost. A price: buy a "
        "place only where it closes gap more cheaply than this price per FTE left unmet",
    )
    allocation: Literal["fair", "efficient"] = Field(
        default="fair",
        description="Who gets places when capacity is short. fair: the least unmet FTE, then the smallest "
        "largest share of any specialism's gap left unmet at each career level, then the least cost. "
        "efficient: the places go where one place closes most FTE (may leave whole specialisms with none)",
    )
    fair_unmet_tolerance: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="fair only: the share more unmet FTE, per career level, than the least possible that "
        "the fair plan may leave to spread places; 0 keeps the least unmet exactly (within 1e-4)",
    )

    @field_validator("programmes")
    @classmethod
    def _check(cls, v: dict[str, ProgrammeCommissioning]) -> dict[str, ProgrammeCommissioning]:
        return {_commissionable(k): p for k, p in v.items()}


class ProvenanceRecord(_Strict):
    """Where one scenario value came from: measured from the censuses (``hcs calibrate``), a published figure,
    or a default of the given verification; with what it rests on. It does not change any number."""

    kind: Literal["measured", "published", "illustrative", "unverified", "partial", "verified", "scenario"]
    source: str = ""
    method: str = ""
    events: int | None = Field(default=None, ge=0)
    at_risk_people: int | None = Field(default=None, ge=0)
    exposure_person_years: float | None = Field(default=None, ge=0)
    interval: tuple[float, float] | None = None
    interval_level: float | None = Field(default=None, gt=0, lt=1)
    note: str = ""


class Scenario(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    start_year: int = Field(ge=1990, le=2100)
    horizon_years: int = Field(default=10, ge=1, le=50)
    runs: int = Field(default=1, ge=1, le=200_000)
    seed: int = Field(default=0, ge=0)
    census_date: dt.date | None = Field(
        default=None, description="Which census in the store; default the latest"
    )
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    supply: Supply = Field(default_factory=Supply)
    demand: Demand = Field(default_factory=Demand)
    commissioning: Commissioning = Field(default_factory=Commissioning)
    provenance: dict[str, ProvenanceRecord] = Field(
        default_factory=dict,
        description="Key path (supply.leaver_rate.by_level.practitioner) -> where its value came from",
    )

    @model_validator(mode="after")
    def _target_in_horizon(self) -> Scenario:
        t = self.commissioning.target_year
        if t is not None and not self.start_year < t <= self.end_year:
            raise ValueError(
                f"commissioning.target_year {t} is outside the projection "
                f"({self.start_year + 1}-{self.end_year}): it must come after start_year"
            )
        return self

    @property
    def end_year(self) -> int:
        return self.start_year + self.horizon_years

    def resolved(self) -> dict[str, Any]:
        """The scenario with every default filled in, as plain JSON data.

        An empty ``provenance`` is left out, so scenarios written before it existed keep their hash.
        """
        out = self.model_dump(mode="json")
        if not out["provenance"]:
            del out["provenance"]
        return out

    def provenance_of(self, path: str) -> str | None:
        """The kind of source the scenario records for a key path (or its parent paths), if any."""
        parts = path.split(".")
        for n in range(len(parts), 0, -1):
            record = self.provenance.get(".".join(parts[:n]))
            if record is not None:
                return record.kind
        return None

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of the resolved scenario: equal hashes, equal inputs."""
        return scenario_hash(self.resolved())


def scenario_hash(resolved: dict[str, Any]) -> str:
    text = json.dumps(resolved, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def all_specialism_ids() -> list[str]:
    return list(specialisms())
