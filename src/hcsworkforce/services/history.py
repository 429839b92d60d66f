"""The history job: many censuses. Loading a monthly history from a manifest (`hcs import-history`), and reading
the profile of every census in a period, census by census or in one pass, for trends, funnels and the pack.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from hcsworkforce.analytics.profile import profile
from hcsworkforce.analytics.profile_history import needed_columns
from hcsworkforce.analytics.profile_history import profile_history as profile_frames
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services.absence import (
    AbsenceImport,
    attach_absence,
    import_absences,
    join_absence,
    months_back,
)
from hcsworkforce.services.imports import import_extract
from hcsworkforce.store import Store


# -- which censuses ----------------------------------------------------------------------------------------------
def census_dates_between(store: Store, start: date | None, end: date | None) -> list[date]:
    """The loaded censuses from start to end (inclusive), oldest first; none is a mistake worth saying."""
    dates = [d for d in store.census_dates() if (start is None or d >= start) and (end is None or d <= end)]
    if not dates:
        loaded = ", ".join(d.isoformat() for d in store.census_dates()) or "none"
        raise UserInputError(f"no census in the period asked for (censuses loaded: {loaded})")
    return dates


def resolve_census(store: Store, census_date: date | None) -> dict[str, Any]:
    """The census row of a date (the latest by default), or a message naming the censuses loaded."""
    if not store.is_initialised():
        raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
    info = store.census_info(census_date)
    if info is None:
        dates = ", ".join(d.isoformat() for d in store.census_dates()) or "none"
        when = census_date.isoformat() if census_date else "any date"
        raise UserInputError(f"no census dated {when} (censuses loaded: {dates})")
    return dict(info)


# -- the profile of many censuses --------------------------------------------------------------------------------
@dataclass
class CensusRows:
    census_date: date
    rows: list[dict[str, Any]]  # profile records, unsuppressed


def profile_history(
    store: Store,
    by: list[str],
    *,
    start: date | None,
    end: date | None,
    scope: Scope,
    with_absence: bool = False,
) -> list[CensusRows]:
    """The profile of every census between start and end (inclusive), oldest first, census by census."""
    out = []
    for d in census_dates_between(store, start, end):
        info = store.census_info(d)
        rows = profile(
            store.staff(d, scope),
            store.leavers(d, scope),
            store.establishment(d, scope),
            by,
            d,
            has_leaver_data=bool(info and info["has_leaver_data"]),
            suppress_below=0,
        )
        if with_absence:
            attach_absence(store, rows, by, d, scope)
        out.append(CensusRows(d, rows))
    return out


@dataclass
class ProfileHistory:
    """The profile of many censuses as one frame: census_date, the `by` dimensions, the metrics."""

    censuses: list[date]
    by: list[str]
    frame: pl.DataFrame

    def rows(self, census_date: date) -> list[dict[str, Any]]:
        return self.frame.filter(pl.col("census_date") == census_date).drop("census_date").to_dicts()


@dataclass
class HistoryData:
    """Staff, leavers and establishment of many censuses, read once, for as many profiles as are wanted."""

    censuses: list[date]
    staff: pl.DataFrame
    leavers: pl.DataFrame
    establishment: pl.DataFrame
    leaver_data: dict[date, bool]

    def only(self, census: date) -> HistoryData:
        """The same data cut to one census: a funnel is a cross-section, so profiling 36 censuses for it
        would be wasted work."""
        keep = pl.col("census_date") == census
        return HistoryData(
            censuses=[census],
            staff=self.staff.filter(keep),
            leavers=self.leavers.filter(keep),
            establishment=self.establishment.filter(keep),
            leaver_data={census: self.leaver_data.get(census, True)},
        )

    def profile(self, by: list[str]) -> ProfileHistory:
        frame = profile_frames(self.staff, self.leavers, self.establishment, by, leaver_data=self.leaver_data)
        return ProfileHistory(self.censuses, list(by), frame)


def read_history(
    store: Store,
    *,
    start: date | None = None,
    end: date | None = None,
    scope: Scope = NATIONAL,
    by: Sequence[str] = (),
) -> HistoryData:
    """Every census between start and end in one read per table (only the columns a profile needs)."""
    dates = census_dates_between(store, start, end)
    by = list(by)
    return HistoryData(
        censuses=dates,
        staff=store.staff_history(dates, scope, columns=needed_columns(by)),
        leavers=store.leavers_history(dates, scope, columns=needed_columns(by, leavers=True)),
        establishment=store.establishment_history(dates, scope),
        leaver_data={d: bool((store.census_info(d) or {}).get("has_leaver_data")) for d in dates},
    )


def profile_history_frame(
    store: Store,
    by: list[str],
    *,
    start: date | None,
    end: date | None,
    scope: Scope,
    with_absence: bool = False,
) -> ProfileHistory:
    """The profile of every census between start and end (inclusive), read and computed in one pass: the
    figures of `profile_history` (census by census), as one frame."""
    history = read_history(store, start=start, end=end, scope=scope, by=by).profile(by)
    if with_absence:
        history.frame = join_absence(store, history.frame, history.by, history.censuses, scope)
    return history


def organisation_rows(store: Store, census_date: date, *, with_absence: bool = False) -> list[dict[str, Any]]:
    """Every organisation's profile on one census (by region and organisation), read nationally: peers need
    everyone, and what is shown of them is decided by the access rules."""
    by = ["region", "organisation"]
    rows = read_history(store, start=census_date, end=census_date, by=by).profile(by).rows(census_date)
    if with_absence:
        attach_absence(store, rows, by, census_date, NATIONAL)
    return rows


# -- loading a monthly history -----------------------------------------------------------------------------------
@dataclass
class HistoryEntry:
    census_date: date
    extract: Path
    establishment: Path | None
    absence: Path | None
    # ESR layout: the leavers reports of the 12 months to this census (one a month in a synthetic history).
    leavers: tuple[Path, ...] = ()


def _with_leavers_reports(
    entries: list[HistoryEntry], listed: list[dict[str, Any]], base: Path
) -> list[HistoryEntry]:
    """Give each census the leavers reports of the 12 months to it, so its 12-month leaver figures see them."""
    monthly = [
        (date.fromisoformat(str(c["census_date"])), base / c["leavers"]) for c in listed if c.get("leavers")
    ]
    if not monthly:
        return entries
    out = []
    for e in entries:
        start = months_back(e.census_date, 11) - timedelta(days=1)  # the same month-end a year before
        reports = tuple(p for d, p in monthly if start < d <= e.census_date)
        out.append(dataclasses.replace(e, leavers=reports))
    return out


def read_manifest(path: Path) -> tuple[list[HistoryEntry], list[dict[str, Any]]]:
    """The censuses (and planted shifts) listed in a manifest.json written by `hcs synth --months`."""
    if path.is_dir():
        path = path / "manifest.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserInputError(Problem("file not found", file=str(path), expected="a manifest.json")) from None
    except json.JSONDecodeError as e:
        raise UserInputError(Problem(f"not JSON ({e.msg}, line {e.lineno})", file=str(path))) from None
    base = path.parent
    entries = []
    problems = []
    for k, c in enumerate(data.get("censuses") or []):
        try:
            d = date.fromisoformat(str(c["census_date"]))
        except (KeyError, ValueError):
            problems.append(
                Problem(
                    f"census {k + 1}: census_date is missing or not a date",
                    file=str(path),
                    value=str(c.get("census_date")),
                    expected="YYYY-MM-DD",
                )
            )
            continue
        if "extract" not in c:
            problems.append(Problem(f"census {k + 1}: no extract named", file=str(path)))
            continue
        entries.append(
            HistoryEntry(
                d,
                base / c["extract"],
                base / c["establishment"] if c.get("establishment") else None,
                base / c["absence"] if c.get("absence") else None,
            )
        )
    if problems:
        raise UserInputError(problems)
    if not entries:
        raise UserInputError(Problem("the manifest lists no censuses", file=str(path)))
    entries = _with_leavers_reports(entries, data.get("censuses") or [], base)
    return entries, list(data.get("shifts") or [])


Progress = Callable[[HistoryEntry, Any, AbsenceImport | None], None]


def import_history(
    store: Store, entries: Sequence[HistoryEntry], *, progress: Progress | None = None
) -> list[Any]:
    """Import every census (and its absence extract) in one process: one migration, one key, one connection
    pool. Each census is validated in full and loaded atomically, as `hcs import` does it."""
    if not store.is_initialised():
        store.migrate()
    results = []
    for e in entries:
        res = import_extract(
            e.extract, store, census_date=e.census_date, establishment=e.establishment, leavers=e.leavers
        )
        absent = import_absences(e.absence, store, census_date=e.census_date) if e.absence else None
        results.append(res)
        if progress is not None:
            progress(e, res, absent)
    return results


# -- the job: `hcs import-history` -------------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryQuery:
    manifest: Path  # manifest.json written by `hcs synth --months`, or the folder holding it


@dataclass
class HistoryResult:
    censuses: list[dict[str, Any]]  # one per census loaded
    shifts: list[dict[str, Any]]  # the changes planted in a synthetic history
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"censuses": self.censuses, "shifts": self.shifts}

    def records(self) -> list[dict[str, Any]]:
        return self.censuses

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Censuses", self.censuses), ("Planted shifts", self.shifts)]


def run(
    store: Store, query: HistoryQuery, scope: Scope = NATIONAL, *, progress: Progress | None = None
) -> HistoryResult:
    """Load every census of a manifest (national: a history is loaded whole)."""
    if scope.kind != "national":
        raise UserInputError("a monthly history is loaded whole, by a national user")
    entries, shifts = read_manifest(query.manifest)
    rows: list[dict[str, Any]] = []

    def each(e: HistoryEntry, res: Any, absent: AbsenceImport | None) -> None:
        rows.append(
            {
                "census_date": e.census_date,
                "people_in_post": res.people_in_post,
                "leaver_rows": res.leaver_rows,
                "absence_episodes": absent.episodes if absent else None,
            }
        )
        if progress is not None:
            progress(e, res, absent)

    import_history(store, entries, progress=each)
    notes = [
        f"planted in this synthetic history: {s.get('kind')} at {s.get('organisation')} from {s.get('start')}"
        for s in shifts
    ]
    return HistoryResult(censuses=rows, shifts=shifts, notes=notes)
