"""The calibrate job: planning rates measured from the loaded censuses, and the scenario block they make.

`run(store, query, scope)` reads the censuses in the query's window (every organisation, so that a move between
trusts can be told from leaving the NHS), links people by pseudonym, estimates the rates and builds the
scenario block (analytics/calibrate.py). The scope limits who is counted, not who is followed. `hcs calibrate`
parses its options into a CalibrateQuery and renders the CalibrateResult (report/calibration.py writes the
YAML). Rules: docs/calibration.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from hcsworkforce.analytics.calibrate import (
    DEFINITIONS,
    INTERVAL_LEVEL,
    MIN_PEOPLE,
    CalibrationBlock,
    RateEstimate,
    estimate_rates,
    link_censuses,
    scenario_block,
    transition_counts,
)
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.reference import published as published_ref
from hcsworkforce.services import access
from hcsworkforce.settings import get_settings
from hcsworkforce.store import published as store_published

STAFF_COLUMNS = (
    "census_date",
    "staff_key",
    "organisation_code",
    "specialism_id",
    "career_level",
    "fte",
    "age",
)
# region_code is read only for a regional scope: looking it up for two million rows costs a fraction of a second
LEAVER_COLUMNS = ("census_date", "staff_key", "end_date", "leaving_reason")


PUBLISHED_MISSING = (
    "No published turnover of healthcare scientists is loaded (hcs import-published FILE): the fallback is "
    "the illustrative defaults."
)


@dataclass(frozen=True)
class CalibrateQuery:
    """The census window (both ends inclusive; default every census loaded), who counts as a leaver, and the
    fallbacks for rates that rest on too few people."""

    start: date | None = None
    end: date | None = None
    definition: str = "staff_group"  # analytics.calibrate.DEFINITIONS: organisation, nhs or staff_group
    min_people: int = MIN_PEOPLE
    interval_level: float = INTERVAL_LEVEL
    # Counts of fewer events are suppressed. None: the installation's setting where the output crosses
    # organisations, nothing for an organisation's view of itself.
    suppress_below: int | None = None
    # Fall back on the loaded NHS staff turnover tables (published_turnover()) before the illustrative defaults.
    published: bool = False


@dataclass
class CalibrateResult:
    query: CalibrateQuery
    scope: Scope
    censuses: list[date]
    transitions: list[dict[str, Any]]
    estimates: list[RateEstimate]
    block: CalibrationBlock
    notes: list[str] = field(default_factory=list)
    suppress_below: int = 0  # the threshold applied
    # The query asked for the published fallback but no turnover of healthcare scientists is loaded.
    published_missing: bool = False

    @property
    def title(self) -> str:
        where = "England" if self.scope.kind == "national" else f"{self.scope.kind} {self.scope.code}"
        return f"Planning rates measured from {len(self.censuses)} censuses, {where}"

    def records(self) -> list[dict[str, Any]]:
        """The main flat table (the CSV): one row per rate estimated."""
        return self.estimate_rows()

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [
            ("Scenario rates", self.choice_rows()),
            ("Estimates", self.estimate_rows()),
            ("Transitions", self.transitions),
        ]

    def estimate_rows(self) -> list[dict[str, Any]]:
        return [e.to_row() for e in self.estimates]

    def choice_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "parameter": c.path,
                "value": round(c.value, 6),
                "sd": None if c.sd is None else round(c.sd, 6),
                "provenance": c.kind,
                "source": c.source,
                "lower": None if c.interval is None else round(c.interval[0], 6),
                "upper": None if c.interval is None else round(c.interval[1], 6),
                "at_risk_people": c.at_risk_people,
                "note": c.note,
            }
            for c in self.block.choices
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "censuses": [d.isoformat() for d in self.censuses],
            "definition": self.query.definition,
            "scope": {"kind": self.scope.kind, "code": self.scope.code},
            "interval_level": self.query.interval_level,
            "min_people": self.query.min_people,
            "suppress_below": self.suppress_below,
            "transitions": [
                {**r, "from": r["from"].isoformat(), "to": r["to"].isoformat()} for r in self.transitions
            ],
            "estimates": self.estimate_rows(),
            "rates": self.choice_rows(),
            "scenario": self.block.scenario,
            "notes": self.notes,
        }


def check_query(query: CalibrateQuery) -> None:
    problems = []
    if query.definition not in DEFINITIONS:
        problems.append(
            Problem(
                "is not a leaver definition",
                column="--definition",
                value=query.definition,
                expected=", ".join(DEFINITIONS),
            )
        )
    if query.start and query.end and query.start > query.end:
        problems.append(
            Problem(
                "is after --to", column="--from", value=query.start.isoformat(), expected="an earlier date"
            )
        )
    if query.min_people < 1:
        problems.append(Problem("must be at least 1", column="--min-people", value=str(query.min_people)))
    if query.suppress_below is not None and query.suppress_below < 0:
        problems.append(
            Problem("must be 0 or more", column="--suppress-below", value=str(query.suppress_below))
        )
    if problems:
        raise UserInputError(problems)


def window(store: Any, start: date | None, end: date | None) -> list[date]:
    """The censuses from ``start`` to ``end`` (inclusive); at least two, or a message saying what is loaded."""
    loaded = sorted(store.census_dates())
    dates = [d for d in loaded if (start is None or d >= start) and (end is None or d <= end)]
    if len(dates) < 2:
        shown = ", ".join(d.isoformat() for d in loaded) or "none"
        raise UserInputError(
            Problem(
                f"calibration needs at least two censuses in the window; {len(dates)} found",
                value=f"{start or 'first'} to {end or 'last'}",
                expected=f"a window holding two or more of the censuses loaded: {shown}",
            )
        )
    return dates


def _scope_organisations(staff: pl.DataFrame, scope: Scope) -> set[str] | None:
    if scope.kind == "national":
        return None
    rows = staff.filter(scope.filter_expr())
    orgs = set(rows["organisation_code"].unique().to_list())
    if not orgs:
        raise UserInputError(Problem("has no staff in the censuses of the window", value=str(scope.code)))
    return orgs


def _suppress_transitions(rows: list[dict[str, Any]], threshold: int) -> list[dict[str, Any]]:
    if threshold <= 0:
        return rows
    return [
        {k: (None if isinstance(v, int) and 0 < v < threshold else v) for k, v in r.items()} for r in rows
    ]


def run(store: Any, query: CalibrateQuery, scope: Scope = NATIONAL) -> CalibrateResult:
    """Measure the planning rates over the query's census window and build the scenario block."""
    if not store.is_initialised():
        raise UserInputError("the database is empty: run `hcs import FILE` for two or more censuses first")
    check_query(query)
    threshold = (
        access.suppression_for(scope, get_settings().suppress_below)
        if query.suppress_below is None
        else query.suppress_below
    )
    published = published_turnover(store, scope) if query.published else None
    dates = window(store, query.start, query.end)
    columns = (*STAFF_COLUMNS, "region_code") if scope.kind == "region" else STAFF_COLUMNS
    staff = store.staff_history(dates, columns=columns)
    leavers = store.leavers_history(dates, columns=LEAVER_COLUMNS)
    organisations = _scope_organisations(staff, scope)
    tr = link_censuses(staff, leavers, definition=query.definition, organisations=organisations)
    estimates = estimate_rates(tr, level=query.interval_level, suppress_below=threshold)
    block = scenario_block(
        tr,
        estimates,
        min_people=query.min_people,
        level=query.interval_level,
        published=published,
    )
    notes = [*tr.notes, *block.notes]
    if published is None:
        notes.append("No published turnover tables given: rates on too few people fall back to the defaults")
    if threshold:
        notes.append(f"Counts of 1 to {threshold - 1} events are suppressed and not used")
    return CalibrateResult(
        query=query,
        scope=scope,
        censuses=dates,
        transitions=_suppress_transitions(transition_counts(tr), threshold),
        estimates=estimates,
        block=block,
        notes=notes,
        suppress_below=threshold,
        published_missing=query.published and published is None,
    )


def published_turnover(store: Any, scope: Scope) -> pl.DataFrame | None:
    """The loaded NHS staff turnover tables as calibration's fallback: the healthcare scientists' rows only
    (reference/data/published_staff_groups.csv says which published staff groups are healthcare science;
    a group that only contains it is never used), suppressed cells left out.

    Organisation rows measure leaving the organisation; national and regional rows by staff group measure
    leaving the staff group (NHS England's definitions, shared/reference/nhs_data_layouts.md). A trust or
    region uses its own rows where the tables have them. Each period is taken as 12 months (the annual
    turnover tables); the source says so. None when no turnover table is loaded."""
    if not store_published.periods(store, "turnover"):
        return None
    rows = store_published.read_published(store, "turnover")
    hcs = [
        g
        for g in rows["staff_group"].drop_nulls().unique().to_list()
        if published_ref.healthcare_science("staff_group_1", g) == "yes"
        or published_ref.healthcare_science("staff_group_2", g) == "yes"
    ]
    rows = rows.filter(
        pl.col("staff_group").is_in(hcs)
        & ~pl.col("leavers_suppressed")
        & ~pl.col("denominator_suppressed")
        & pl.col("leavers").is_not_null()
        & pl.col("denominator").is_not_null()
    )
    if scope.kind == "organisation":
        own = rows.filter(pl.col("org_code") == scope.code)
        rows = own if own.height else rows.filter(pl.col("data_level") == "national")
    elif scope.kind == "region":
        own = rows.filter((pl.col("data_level") == "region") & (pl.col("region_code") == scope.code))
        rows = own if own.height else rows.filter(pl.col("data_level") == "national")
    else:
        rows = rows.filter(pl.col("data_level") == "national")
    if rows.height == 0:
        return None
    return rows.select(
        pl.when(pl.col("data_level") == "organisation")
        .then(pl.lit("organisation"))
        .otherwise(pl.lit("staff_group"))
        .alias("definition"),
        pl.lit(None, dtype=pl.String).alias("career_level"),
        pl.col("leavers"),
        pl.col("denominator"),
        pl.lit(12.0).alias("period_months"),
        pl.concat_str(
            pl.lit("NHS staff turnover ("),
            pl.col("publication").fill_null("published table"),
            pl.lit(", "),
            pl.col("period_label").fill_null(pl.col("period").cast(pl.String)),
            pl.lit(", "),
            pl.col("staff_group"),
            pl.lit("; taken as 12 months)"),
        ).alias("source"),
    )
