"""Records for the WHO WISN method: one cadre's working time, workload and allowances, and its result.

The input records are pydantic models so that a YAML file (or an API body) is checked once, with every
problem located by key; the engine in `hcsworkforce.analytics.wisn` only ever sees valid records.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Strict numbers: a quoted "15" or a YAML `yes` is far more likely a mistake than an intended number.
NonNegativeNumber = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
PositiveNumber = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)]
DaysPerYear = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=366)]
DaysPerWeek = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=7)]
WeeksPerYear = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=53)]
HoursPerDay = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=24)]
Name = Annotated[str, Field(min_length=1, max_length=200)]

TimeUnit = Literal["minutes", "hours", "days"]
Period = Literal["day", "week", "month", "year"]


class _Record(BaseModel):
    # Unknown keys are errors: a misspelt `sick_leaves` must not silently count as no sick leave.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class AvailableWorkingTime(_Record):
    """The working year of one full-time member of the cadre. Every count is in days."""

    working_days_per_year: DaysPerYear | None = None
    working_days_per_week: DaysPerWeek | None = None
    weeks_per_year: WeeksPerYear | None = None
    hours_per_day: HoursPerDay
    public_holidays: NonNegativeNumber
    annual_leave: NonNegativeNumber
    sick_leave: NonNegativeNumber
    other_leave: NonNegativeNumber = 0.0

    @model_validator(mode="after")
    def _one_way_to_count_working_days(self) -> AvailableWorkingTime:
        by_year = self.working_days_per_year is not None
        by_week = self.working_days_per_week is not None or self.weeks_per_year is not None
        if by_year and by_week:
            raise ValueError(
                "give working_days_per_year, or working_days_per_week with weeks_per_year, not both"
            )
        if not by_year and not by_week:
            raise ValueError(
                "give working_days_per_year, or working_days_per_week with weeks_per_year (e.g. 5 and 52)"
            )
        if by_week and (self.working_days_per_week is None or self.weeks_per_year is None):
            missing = "weeks_per_year" if self.weeks_per_year is None else "working_days_per_week"
            raise ValueError(f"working_days_per_week and weeks_per_year go together: {missing} is missing")
        possible_days = (
            self.working_days_per_year
            if self.working_days_per_year is not None
            else float(self.working_days_per_week or 0) * float(self.weeks_per_year or 0)
        )
        absent_days = self.public_holidays + self.annual_leave + self.sick_leave + self.other_leave
        if absent_days >= possible_days:
            raise ValueError(
                f"holidays and leave ({absent_days:g} days) leave no working time "
                f"out of {possible_days:g} possible working days"
            )
        return self


class HealthServiceActivity(_Record):
    """An activity every member of the cadre does and whose volume is recorded (e.g. ECGs a year)."""

    name: Name
    annual_workload: NonNegativeNumber
    unit_time_minutes: PositiveNumber | None = None
    unit_time_hours: PositiveNumber | None = None
    rate_per_hour: PositiveNumber | None = None

    @model_validator(mode="after")
    def _exactly_one_activity_standard(self) -> HealthServiceActivity:
        given = [
            k
            for k in ("unit_time_minutes", "unit_time_hours", "rate_per_hour")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            found = "none" if not given else ", ".join(given)
            raise ValueError(
                f"give exactly one activity standard: unit_time_minutes, unit_time_hours or rate_per_hour "
                f"(found {found})"
            )
        return self


class SupportActivity(_Record):
    """Work every member does that is not recorded (meetings, CPD, QC): a category allowance (CAS)."""

    name: Name
    time: NonNegativeNumber
    unit: TimeUnit
    per: Period


class AdditionalActivity(_Record):
    """Work only some members do (service management, supervision): an individual allowance (IAS)."""

    name: Name
    time: NonNegativeNumber
    unit: TimeUnit
    per: Period
    staff: PositiveNumber  # how many of the cadre do it; each does `time` per `per`


class WisnCadre(_Record):
    """Everything WISN needs for one cadre (a professional category in one unit or department)."""

    cadre: Name
    existing_staff: NonNegativeNumber
    available_working_time: AvailableWorkingTime
    health_service_activities: Annotated[list[HealthServiceActivity], Field(min_length=1)]
    support_activities: list[SupportActivity] = Field(default_factory=list)
    additional_activities: list[AdditionalActivity] = Field(default_factory=list)


@dataclass(frozen=True)
class HealthServiceResult:
    name: str
    annual_workload: float
    unit_time_hours: float
    standard_workload_per_year: float  # how many of this activity one member can do in a year
    staff_needed: float


@dataclass(frozen=True)
class SupportResult:
    name: str
    time: float
    unit: str
    per: str
    category_allowance_percent: float


@dataclass(frozen=True)
class AdditionalResult:
    name: str
    time: float
    unit: str
    per: str
    staff: float
    individual_allowance_hours_per_year: float  # across all the staff who do it


@dataclass(frozen=True)
class WisnResult:
    """One cadre's staffing need. `wisn_ratio` and `workload_pressure` are None when nothing is required."""

    cadre: str
    available_working_time_days: float
    available_working_time_hours: float
    staff_for_health_services: float
    category_allowance_factor: float
    individual_allowance_factor: float
    required_staff: float
    existing_staff: float
    wisn_difference: float
    wisn_ratio: float | None
    workload_pressure: str | None
    health_service_activities: list[HealthServiceResult] = field(default_factory=list)
    support_activities: list[SupportResult] = field(default_factory=list)
    additional_activities: list[AdditionalResult] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The headline figures as one flat record (no per-activity lists): a table or CSV row."""
        return {
            k: v
            for k, v in asdict(self).items()
            if k not in ("health_service_activities", "support_activities", "additional_activities")
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
