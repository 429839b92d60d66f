"""The import job: read and validate a staff-in-post report (its leavers report, establishment), then load it
as one census, atomically. The CLI (`hcs import`), the web upload and the API all come through here."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from hcsworkforce.analytics.discovery import (
    LIKELY_SCHEMA,
    ORGANISATION_COUNT_SCHEMA,
    finding_for_likely_hcs,
    likely_hcs,
    organisation_leadership,
)
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.extract import (
    EsrOptions,
    census_date_in,
    file_sha256,
    read_establishment,
    read_report,
    validate_extract,
)
from hcsworkforce.model.scope import Scope
from hcsworkforce.store import CensusLoad
from hcsworkforce.store.published import effective_trusts


@dataclass
class ImportResult:
    census_date: date
    rows: int
    assignments_in_post: int
    people_in_post: int
    leaver_rows: int
    establishment_rows: int
    organisations: int
    findings: list[dict[str, Any]]
    timings_seconds: dict[str, float] = field(default_factory=dict)
    replaced: bool = False
    census_date_from: str = "given"
    bank_assignments: int = 0


# Findings of a separate leavers report worth keeping beside the staff-in-post report's own.
_LEAVERS_REPORT_CHECKS = ("healthcare_scientists_found", "other_staff_groups")


def resolve_census_date(given: date | None, raw: Any, default: date | None = None) -> tuple[date, str]:
    """The census date and where it came from: the user, else the file; never today (docs/esr-extracts.md)."""
    found, where, problems = census_date_in(raw)
    if problems:
        raise UserInputError(problems)
    if given is not None:
        if found is not None and found != given:
            raise UserInputError(
                Problem(
                    f"the census date you gave ({given.isoformat()}) differs from the file's "
                    f"({found.isoformat()}, from {where})",
                    file=raw.file,
                    value=given.isoformat(),
                    expected=f"--census-date {found.isoformat()}, or leave it out to use the file's date",
                )
            )
        return given, "given"
    if found is not None:
        return found, str(where)
    if default is not None:
        return default, "the latest census"
    raise UserInputError(
        Problem(
            "the census date is not in the file (no census or report date column, no 'Report Date' title line)",
            file=raw.file,
            expected="--census-date YYYY-MM-DD: the date the staff in post are counted on (the report's date)",
        )
    )


def import_extract(
    path: Path,
    store: Any,
    *,
    census_date: date | None = None,
    establishment: Path | None = None,
    leavers: Path | Sequence[Path] | None = None,
    actor: str | None = None,
    display_name: str | None = None,
    establishment_display_name: str | None = None,
    leavers_display_name: str | Sequence[str] | None = None,
    organisation: str | None = None,
    options: EsrOptions | None = None,
    create_census: bool = True,
    confirm_changes: bool = True,
    default_census: date | None = None,
) -> ImportResult:
    """Validate a staff-in-post report (its leavers report, establishment) completely, then load one census.

    On any problem nothing is written (bar a 'rejected' line in the import log) and UserInputError carries
    every problem found in every file, capped, with the total. The census date is the one given, else the
    file's own; an import with neither is refused (never dated today).

    With `organisation`, only that organisation's rows of the census are replaced (a trust loading its own
    extract into a shared database); a row of any other organisation is a problem. With create_census False
    the census must already exist (a trust user may add to a census, not create one that others see). With
    confirm_changes False, an organisation's re-upload that would more than halve its staff in post or drop
    its establishment is refused with what would change (ChangeNeedsConfirmation), until confirmed.
    `default_census` is the date used where neither the user nor the file gives one (a trust's upload: the
    latest census).
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    name = display_name or path.name
    leaver_paths = [leavers] if isinstance(leavers, Path) else list(leavers or [])
    names = (
        [leavers_display_name] if isinstance(leavers_display_name, str) else list(leavers_display_name or [])
    )
    leaver_names = [names[i] if i < len(names) else p.name for i, p in enumerate(leaver_paths)]
    source = " + ".join([name, *leaver_names])
    try:
        raw = read_report(path, name)
        raw_leavers = [read_report(p, n) for p, n in zip(leaver_paths, leaver_names, strict=True)]
        timings["parse"] = time.perf_counter() - t0
        census, census_from = resolve_census_date(census_date, raw, default_census)
        if not create_census and census not in store.census_dates():
            _no_such_census(census, store, name)
        t1 = time.perf_counter()
        # Organisations resolve against the trusts list in effect (refreshed from ODS etr.csv, else shipped).
        known = effective_trusts(store) if store.is_initialised() else None
        options = replace(options or EsrOptions(), trusts=known)
        valid, valid_leavers = _validate_both(raw, raw_leavers, census, organisation, options)
        est = (
            read_establishment(establishment, establishment_display_name, organisation)
            if establishment
            else None
        )
        timings["validate"] = time.perf_counter() - t1
    except UserInputError as e:
        store.log_rejected_import(source, None, e.total, {"problems": [p.to_dict() for p in e.problems[:50]]})
        raise
    valid = _with_leavers_reports(valid, valid_leavers)
    t_disc = time.perf_counter()
    counts, likely = _discover(valid.discovery, organisation)
    valid.findings.append(finding_for_likely_hcs(likely))
    timings["discover"] = time.perf_counter() - t_disc
    if organisation is not None and not confirm_changes:
        _confirm_big_changes(store, census, organisation, valid, est is not None, source)
    t2 = time.perf_counter()
    store.migrate() if not store.is_initialised() else None
    replaced = census in store.census_dates()
    if organisation is not None:
        replaced = replaced and organisation in set(
            store.staff(census)["organisation_code"].unique().to_list()
        )
    digest = file_sha256(path)
    for p in leaver_paths:  # one digest for the set of files, in the column's 64 characters
        digest = hashlib.sha256((digest + file_sha256(p)).encode()).hexdigest()
    load = CensusLoad(
        census_date=census,
        staff=valid.staff,
        leavers=valid.leavers,
        establishment=est.frame if est else None,
        organisations=valid.organisations.select("code", "name", "region_code", "known"),
        source_file=source,
        file_sha256=digest,
        establishment_file=(establishment_display_name or establishment.name) if establishment else None,
        has_leaver_data=valid.has_leaver_data,
        data_quality={
            "findings": valid.findings,
            "file": source,
            "census_date_from": census_from,
            "encoding": raw.encoding,
            "delimiter": raw.delimiter,
        },
        bank=valid.bank,
        statuses=valid.statuses,
        leadership_counts=counts,
        likely_hcs=likely,
    )
    if organisation is None:
        store.replace_census(load, actor=actor)
    else:
        store.replace_organisation(load, organisation, actor=actor)
    timings["load"] = time.perf_counter() - t2
    return ImportResult(
        census_date=census,
        rows=valid.rows,
        assignments_in_post=valid.staff.height,
        people_in_post=valid.staff["staff_key"].n_unique(),
        leaver_rows=valid.leavers.height,
        establishment_rows=est.rows if est else 0,
        organisations=valid.organisations.height,
        findings=valid.findings,
        timings_seconds=timings,
        replaced=replaced,
        census_date_from=census_from,
        bank_assignments=valid.bank.height,
    )


def _discover(frame: pl.DataFrame, organisation: str | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Leadership counts per organisation and the likely healthcare scientists in other staff groups
    (docs/discovery.md), from every in-post row of the report; a trust's load keeps its own only."""
    if frame.height == 0:
        return pl.DataFrame(schema=ORGANISATION_COUNT_SCHEMA), pl.DataFrame(schema=LIKELY_SCHEMA)
    if organisation is not None:
        frame = frame.filter(pl.col("organisation_code") == organisation)
    return organisation_leadership(frame), likely_hcs(frame)


class ChangeNeedsConfirmation(UserInputError):
    """An organisation's re-upload would change its figures a lot: say what, and load only once confirmed."""


def _confirm_big_changes(
    store: Any, census: date, organisation: str, valid: Any, has_establishment: bool, name: str
) -> None:
    if not store.is_initialised() or census not in store.census_dates():
        return
    scope = Scope("organisation", organisation)
    before = store.staff(census, scope)["staff_key"].n_unique()
    after = valid.staff["staff_key"].n_unique()
    had_establishment = store.establishment(census, scope).height > 0
    changes = []
    if before and after < before / 2:
        changes.append(
            f"{organisation}'s healthcare scientists in post would go from {before:,} to {after:,} "
            f"({(after - before) / before:+.0%})"
        )
    if had_establishment and not has_establishment:
        changes.append(f"{organisation}'s establishment (funded posts) would be removed")
    if changes:
        raise ChangeNeedsConfirmation(
            Problem(
                "this upload would replace your census rows with much less: " + "; ".join(changes),
                file=name,
                expected="confirm that this is intended (tick 'Yes, replace them' or pass --confirm), "
                "or upload the whole staff-in-post report and the establishment",
            )
        )


def _no_such_census(census: date, store: Any, name: str) -> None:
    have = ", ".join(d.isoformat() for d in sorted(store.census_dates())[-5:]) or "none yet"
    raise UserInputError(
        Problem(
            f"there is no census dated {census.isoformat()} to add your organisation's rows to",
            file=name,
            value=census.isoformat(),
            expected=f"the date of a census that exists ({have}); only a national user creates a census",
        )
    )


def _validate_both(
    raw: Any, raw_leavers: Sequence[Any], census: date, organisation: str | None, options: EsrOptions
) -> tuple[Any, list[Any]]:
    """Validate the report and its leavers reports; every problem of every file is raised together."""
    errors: list[UserInputError] = []
    valid = None
    reports = []
    try:
        valid = validate_extract(raw, census, organisation=organisation, options=options)
    except UserInputError as e:
        errors.append(e)
    for rl in raw_leavers:
        try:
            reports.append(
                validate_extract(rl, census, organisation=organisation, options=options, mode="leavers")
            )
        except UserInputError as e:
            errors.append(e)
    if errors:
        raise UserInputError([p for e in errors for p in e.problems], sum(e.total for e in errors))
    return valid, reports


def _with_leavers_reports(valid: Any, reports: Sequence[Any]) -> Any:
    """The staff-in-post report's rows with the leavers reports' leavers, each assignment once; of the
    reports' own findings, one per kind with the counts added up (a monthly history brings twelve)."""
    if not reports:
        return valid
    extra = (
        pl.concat([r.leavers for r in reports], how="vertical_relaxed")
        .unique("assignment_key", keep="first", maintain_order=True)
        .filter(~pl.col("assignment_key").is_in(valid.leavers["assignment_key"].implode()))
    )
    orgs = pl.concat([valid.organisations, *(r.organisations for r in reports)]).unique("code", keep="first")
    kept: dict[str, dict[str, Any]] = {}
    for f in (f for r in reports for f in r.findings if f["check"] in _LEAVERS_REPORT_CHECKS):
        check = "leavers_report_" + f["check"]
        if check not in kept:
            kept[check] = {**f, "check": check}
        else:
            what = "healthcare scientists" if "healthcare" in check else "other staff groups"
            count = kept[check]["count"] + f["count"]
            kept[check].update(
                count=count, detail=f"{count:,} rows of {what} in the leavers reports", examples=[]
            )
    plural = "s" if len(reports) > 1 else ""
    suffix = f"; {extra.height:,} leaver rows from the leavers report{plural}"
    findings = [
        {**f, "detail": f["detail"] + suffix} if f["check"] == "summary" else f for f in valid.findings
    ]
    return replace(
        valid,
        leavers=pl.concat([valid.leavers, extra], how="vertical_relaxed"),
        organisations=orgs,
        has_leaver_data=True,
        findings=findings + list(kept.values()),
    )
