"""The absence job: the monthly sickness absence rate from the absence extracts loaded against censuses
(`hcs absence`), loading an extract (`hcs import-absence`), and the census month's rate for trends, funnels
and the surge deployment. Definitions: docs/trends.md, section 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from hcsworkforce.analytics.absence import absence_rate
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.absence_file import read_absence_file
from hcsworkforce.model.frames import DIMENSION_COLUMNS, LEAVER_SCHEMA
from hcsworkforce.model.labels import label
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services import access
from hcsworkforce.services.imports import stored_problems
from hcsworkforce.store import Store
from hcsworkforce.store.tables_absence import absence_census_dates, load_absences, replace_absences

# The dimensions whose codes get a readable name beside them in tables.
NAMED_DIMENSIONS = ("specialism", "region", "division", "career_level")
ABSENCE_FIGURES = ("fte_days_lost", "fte_days_available", "absence_rate", "staff_absent", "headcount")
NOT_LOADED = "run `hcs import-absence FILE --census-date DATE` first"


def month_of(d: date) -> date:
    return d.replace(day=1)


def months_back(d: date, k: int) -> date:
    """The first day of the month k months before d's (k < 0: after)."""
    idx = d.year * 12 + d.month - 1 - k
    return date(idx // 12, idx % 12 + 1, 1)


# -- reading ---------------------------------------------------------------------------------------------------
def census_people(store: Store, census_date: date, scope: Scope | None = None) -> pl.DataFrame:
    """Everyone in one census (in post, and leavers of its 12 months), one row per assignment, with end_date."""
    staff = store.staff(census_date, scope).with_columns(
        pl.lit(None, dtype=pl.Date).alias("end_date"), pl.lit(None, dtype=pl.String).alias("leaving_reason")
    )
    leavers = store.leavers(census_date, scope)
    return pl.concat([staff.select(list(LEAVER_SCHEMA)), leavers.select(list(LEAVER_SCHEMA))])


def has_absence(store: Store) -> bool:
    """Is any absence extract loaded (a store migrated before absences existed has none)?"""
    return bool(absence_census_dates(store))


def absence_sources(store: Store, scope: Scope | None = None) -> dict[date, tuple[date, pl.DataFrame]]:
    """Month -> (the census whose absence extract reports it, that census's episodes).

    A month is reported by the census dated in it where that census has an absence extract; otherwise by the
    latest census whose extract covers it (its episodes start by then and the month is within the census's
    12 months, for which the census lists everyone who was in post).
    """
    dates = absence_census_dates(store)
    loaded = set(store.census_dates())
    out: dict[date, tuple[date, pl.DataFrame]] = {}
    own: set[date] = set()
    for d in dates:  # oldest first, so a later census overwrites an earlier one's cover
        if d not in loaded:
            continue  # the census was deleted; its absences have nobody to weigh them against
        ep = load_absences(store, d, scope)
        first = ep["absence_start"].min() if ep.height else None
        lo = max(month_of(first) if isinstance(first, date) else month_of(d), months_back(d, 11))
        m = lo
        while m <= month_of(d):
            if m not in own:
                out[m] = (d, ep)
            m = months_back(m, -1)
        out[month_of(d)] = (d, ep)
        own.add(month_of(d))
    return out


def absence_history(
    store: Store,
    by: Sequence[str] = (),
    *,
    scope: Scope = NATIONAL,
    start: date | None = None,
    end: date | None = None,
    months: Sequence[date] | None = None,
) -> pl.DataFrame:
    """Monthly absence rate by `by`, from every loaded absence extract (columns of analytics.absence's
    absence_rate plus `census_date`, the census that reported the month). `months` (first days) limits it."""
    sources = absence_sources(store, scope)
    wanted = sorted(
        m
        for m in sources
        if (start is None or m >= month_of(start))
        and (end is None or m <= month_of(end))
        and (months is None or m in set(months))
    )
    by_census: dict[date, list[date]] = {}
    for m in wanted:
        by_census.setdefault(sources[m][0], []).append(m)
    parts = []
    for d, ms in sorted(by_census.items()):
        ep = sources[ms[0]][1]
        people = census_people(store, d, scope)
        if people.height == 0:
            continue
        rates = absence_rate(ep, people, by=list(by), start=min(ms), end=max(ms))
        rates = rates.filter(pl.col("month").is_in(ms)).with_columns(pl.lit(d).alias("census_date"))
        parts.append(rates)
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts, how="diagonal_relaxed").sort("month")


def absence_rate_for(store: Store, census_date: date, scope: Scope = NATIONAL) -> float:
    """The sickness absence rate (FTE days lost / FTE days available) of the census month, for a scope.

    The surge deployment can take its scenario's absence rate from here:
    ``scenario.absence_rate = absence_rate_for(store, census_date, scope)``.
    """
    rows = absence_history(store, [], scope=scope, months=[month_of(census_date)])
    if rows.height == 0:
        raise UserInputError(f"no sickness absence loaded for {census_date.strftime('%B %Y')}: {NOT_LOADED}")
    return float(rows["absence_rate"][0])


def suppress_absence(record: dict[str, Any], threshold: int) -> None:
    """Null an absence row that could reveal fewer than `threshold` people (staff absent or headcount)."""
    small = any(0 < (record.get(k) or 0) < threshold for k in ("staff_absent", "headcount"))
    record["suppressed"] = bool(threshold and small)
    if record["suppressed"]:
        for k in ABSENCE_FIGURES:
            record[k] = None


def attach_absence(store: Store, rows: list[dict[str, Any]], by: list[str], d: date, scope: Scope) -> None:
    """Add absence_rate (and its counts) to one census's profile rows, from the census month's absence."""
    hist = absence_history(store, by, scope=scope, months=[month_of(d)])
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    if hist.height:
        for r in hist.to_dicts():
            found[tuple(r.get(DIMENSION_COLUMNS[k]) for k in by)] = r
    for row in rows:
        a = found.get(tuple(row[k] for k in by), {})
        for k in ("absence_rate", "fte_days_lost", "fte_days_available", "staff_absent"):
            row[k] = a.get(k)


def join_absence(
    store: Store, frame: pl.DataFrame, by: list[str], censuses: Sequence[date], scope: Scope
) -> pl.DataFrame:
    """Each census's profile row gets the absence of its census month (attach_absence for every census)."""
    cols = ("absence_rate", "fte_days_lost", "fte_days_available", "staff_absent")
    frame = frame.with_columns(pl.col("census_date").dt.truncate("1mo").alias("_month"))
    hist = absence_history(store, by, scope=scope, months=sorted({month_of(d) for d in censuses}))
    if hist.height == 0:
        return frame.drop("_month").with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in cols)
    found = hist.select(
        pl.col("month").alias("_month"),
        *(pl.col(DIMENSION_COLUMNS[d]).cast(frame.schema[d]).alias(d) for d in by),
        *(pl.col(c) for c in cols),
    )
    return frame.join(found, on=["_month", *by], how="left", nulls_equal=True).drop("_month")


def check_absence_loaded(store: Store) -> None:
    if not has_absence(store):
        raise UserInputError(
            f"absence_rate needs a sickness absence extract, and none is loaded: {NOT_LOADED}"
        )


# -- the job: the monthly rate ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class AbsenceQuery:
    by: tuple[str, ...] = ()
    start: date | None = None  # first month (any date in it)
    end: date | None = None  # last month
    region: str | None = None  # narrows the caller's scope
    organisation: str | None = None
    suppress_below: int = 5  # for outputs that cross organisations


@dataclass
class AbsenceResult:
    by: list[str]
    scope: Scope
    suppress_below: int
    months: list[dict[str, Any]]  # one record per month and group
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        first, last = self.months[0]["month"], self.months[-1]["month"]
        return (
            f"Sickness absence rate by {', '.join(self.by) or 'month'}, {access.describe(self.scope)}, "
            f"{first:%B %Y} to {last:%B %Y}"
        )

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "suppress_below": self.suppress_below, "months": self.months}

    def records(self) -> list[dict[str, Any]]:
        return self.months

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Absence", self.months)]


def absence_records(rows: pl.DataFrame, by: Sequence[str], *, suppress_below: int) -> list[dict[str, Any]]:
    """Flat records, dimensions named as the user named them, suppressed where they cross organisations."""
    out = []
    for r in rows.to_dicts():
        rec: dict[str, Any] = {"month": r["month"]}
        for d in by:
            rec[d] = r.get(DIMENSION_COLUMNS[d])
            if d in NAMED_DIMENSIONS:
                rec[f"{d}_name"] = label(d, rec[d])
        for k in ABSENCE_FIGURES:
            rec[k] = r.get(k)
        rec["census_date"] = r.get("census_date")
        suppress_absence(rec, suppress_below)
        out.append(rec)
    return out


def run(store: Store, query: AbsenceQuery, scope: Scope = NATIONAL) -> AbsenceResult:
    """Sickness absence rate per calendar month, by any dimension, for the view's scope."""
    if query.suppress_below < 0:
        raise UserInputError(f"--suppress-below {query.suppress_below} must be 0 or more")
    if not store.is_initialised():
        raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
    vs = access.view_scope(store, scope, query.region, query.organisation)
    threshold = access.suppression_for(scope, query.suppress_below)
    rows = absence_history(store, query.by, scope=vs, start=query.start, end=query.end)
    if rows.height == 0:
        raise UserInputError(f"no sickness absence loaded for the period and scope asked for: {NOT_LOADED}")
    notes = [
        "Absence rate = FTE days lost / FTE days available in the month, calendar days, as NHS Digital's "
        "NHS Sickness Absence Rates count them (docs/trends.md).",
        "census_date: the census whose absence extract reports the month.",
    ]
    if threshold:
        notes.append(f"Groups with fewer than {threshold} people absent or in post are suppressed.")
    return AbsenceResult(
        by=list(query.by),
        scope=vs,
        suppress_below=threshold,
        months=absence_records(rows, query.by, suppress_below=threshold),
        notes=notes,
    )


# -- loading an extract ----------------------------------------------------------------------------------------
@dataclass
class AbsenceImport:
    census_date: date
    file: str
    episodes: int
    staff_absent: int
    replaced: bool


def census_assignments(store: Store, census_date: date) -> pl.DataFrame:
    """Everyone in the census (in post, and leavers of its 12 months), one row per assignment, as the absence
    checks and the absence rate want them."""
    cols = ["staff_key", "assignment_key", "organisation_code", "start_date", "end_date"]
    staff = store.staff(census_date).with_columns(pl.lit(None, dtype=pl.Date).alias("end_date"))
    return pl.concat([staff.select(cols), store.leavers(census_date).select(cols)])


def import_absences(
    path: Path, store: Store, *, census_date: date, display_name: str | None = None
) -> AbsenceImport:
    """Validate an absence extract completely against the census dated census_date, then load it in one
    transaction (replacing any absence extract loaded for that census). On any problem nothing is written
    but a 'rejected' line in the import log."""
    name = display_name or path.name
    if not store.is_initialised() or census_date not in store.census_dates():
        dates = ", ".join(d.isoformat() for d in store.census_dates()) if store.is_initialised() else ""
        raise UserInputError(
            Problem(
                f"no census dated {census_date.isoformat()} is loaded, so the absences cannot be checked "
                "against its staff",
                file=name,
                expected=f"the date of a loaded census ({dates or 'none loaded yet: run `hcs import` first'})",
            )
        )
    with store.engine.connect() as conn:
        if not store.engine.dialect.has_table(conn, "absences"):
            store.migrate()  # the absences table arrives with a migration of its own
    assignments = census_assignments(store, census_date)
    try:
        episodes = read_absence_file(path, assignments, name)
    except UserInputError as e:
        store.log_rejected_import(
            # Staff and assignment numbers, absence dates and reasons are personal: their values are withheld.
            name,
            None,
            e.total,
            {"kind": "absence", "problems": [p.to_dict() for p in stored_problems(e.problems[:50])]},
        )
        raise
    org = assignments.select("assignment_key", "organisation_code").unique("assignment_key")
    episodes = episodes.join(org, on="assignment_key", how="left")
    replaced = census_date in absence_census_dates(store)
    replace_absences(store, census_date, episodes, name)
    return AbsenceImport(
        census_date=census_date,
        file=name,
        episodes=episodes.height,
        staff_absent=episodes["staff_key"].n_unique(),
        replaced=replaced,
    )
