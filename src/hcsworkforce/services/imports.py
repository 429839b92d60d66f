"""The import job: read and validate a staff-in-post report (its leavers report, establishment), then load it
as one census, atomically. The CLI (`hcs import`), the web upload and the API all come through here, and so
do the rules of who loads what (a trust adds its own rows to a census that exists) and where uploads wait."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Sequence
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
    ESTABLISHMENT_ALIASES,
    EXTRACT_ALIASES,
    EsrOptions,
    census_date_in,
    file_sha256,
    norm_header,
    read_establishment,
    read_report,
    validate_extract,
)
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services import access, cache
from hcsworkforce.store import CensusConflict, CensusLoad, Store
from hcsworkforce.store.published import effective_trusts

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ImportQuery:
    """One import: a staff-in-post report, optionally its leavers report and an establishment file.

    `census_date`: the census's date, else the report's own (an import with neither is refused). `organisation`
    (the CLI's --organisation): replace only that organisation's rows; an organisation user's scope sets it.
    `confirm`: an organisation's re-upload that would halve its staff or drop its establishment goes ahead.
    The *_name fields are the names the user gave the files (an upload is kept under a name of ours)."""

    path: Path
    census_date: date | None = None
    leavers: Path | None = None
    establishment: Path | None = None
    organisation: str | None = None
    confirm: bool = False
    actor: str | None = None
    file_name: str | None = None
    leavers_file_name: str | None = None
    establishment_file_name: str | None = None
    options: EsrOptions | None = None  # local ESR rules (CLI only: not carried by a queued job)

    def to_params(self) -> dict[str, Any]:
        """The queued job's parameters (JSON): paths of the kept uploads, never their contents."""
        return {
            "path": str(self.path),
            "file_name": self.file_name,
            "establishment_path": str(self.establishment) if self.establishment else None,
            "establishment_file_name": self.establishment_file_name,
            "leavers_path": str(self.leavers) if self.leavers else None,
            "leavers_file_name": self.leavers_file_name,
            "census_date": self.census_date.isoformat() if self.census_date else None,
            "confirm": self.confirm,
            "actor": self.actor,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ImportQuery:
        def path(key: str) -> Path | None:
            return Path(params[key]) if params.get(key) else None

        return cls(
            path=Path(params["path"]),
            census_date=date.fromisoformat(params["census_date"]) if params.get("census_date") else None,
            leavers=path("leavers_path"),
            establishment=path("establishment_path"),
            confirm=bool(params.get("confirm")),
            actor=params.get("actor"),
            file_name=params.get("file_name"),
            leavers_file_name=params.get("leavers_file_name"),
            establishment_file_name=params.get("establishment_file_name"),
        )

    def files(self) -> list[Path]:
        return [p for p in (self.path, self.establishment, self.leavers) if p is not None]


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
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """What `hcs import --format json` prints and an import job's result holds."""
        return {
            "census_date": self.census_date.isoformat(),
            "rows": self.rows,
            "assignments_in_post": self.assignments_in_post,
            "people_in_post": self.people_in_post,
            "leaver_rows": self.leaver_rows,
            "establishment_rows": self.establishment_rows,
            "organisations": self.organisations,
            "replaced": self.replaced,
            "census_date_from": self.census_date_from,
            "bank_assignments": self.bank_assignments,
            "findings": self.findings,
        }

    def records(self) -> list[dict[str, Any]]:
        """The data-quality findings, one row each (their examples are in to_json)."""
        return [{k: v for k, v in f.items() if k != "examples"} for f in self.findings]

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        summary = {k: v for k, v in self.to_json().items() if k != "findings"}
        return [("Import", [summary]), ("Data-quality findings", self.records())]


def run(store: Store, query: ImportQuery, scope: Scope = NATIONAL) -> ImportResult:
    """Validate and load one import in the caller's scope; on any problem nothing is written (UserInputError).

    A national caller (the CLI) creates or replaces a census, or with query.organisation one organisation's
    rows of it. An organisation user replaces only their own organisation's rows of a census that exists (the
    one chosen, else the report's own date, else the latest), and a re-upload that would halve their staff or
    drop their establishment waits for query.confirm. A region user loads nothing (access.check_upload)."""
    access.check_upload(scope)
    trust = scope.kind == "organisation"
    dates = store.census_dates() if store.is_initialised() else []
    result = import_extract(
        query.path,
        store,
        census_date=query.census_date,
        establishment=query.establishment,
        leavers=query.leavers,
        actor=query.actor,
        display_name=query.file_name,
        establishment_display_name=query.establishment_file_name,
        leavers_display_name=query.leavers_file_name,
        organisation=scope.code if trust else query.organisation,
        options=query.options,
        create_census=not trust,
        default_census=dates[-1] if trust and dates else None,
        confirm_changes=query.confirm or not trust,
    )
    cache.clear_caches()
    return result


def run_job(store: Store, params: dict[str, Any], scope: Scope, progress: Progress) -> dict[str, Any]:
    """The queued import (services/jobs.py): load the kept uploads, then remove them whatever happened."""
    query = ImportQuery.from_params(params)
    progress(0.1, "Reading and checking the extract")
    try:
        return run(store, query, scope).to_json()
    finally:
        # The upload held personal data; once it is loaded (or refused) the copy on disk has no further use.
        for p in query.files():
            p.unlink(missing_ok=True)


# -- what is kept of a refused file ------------------------------------------------------------------------
# A refused import's problems are kept in the job's result and the import log, where people other than the
# uploader may read them (other users of the organisation, national users, whoever reads the database). The
# value of a problem is kept only where its column cannot hold personal data: the codes and categories of the
# column contract (ingest/extract.py). Identifiers (employee and assignment numbers), dates of birth, ages,
# every other date, gender, names, free text and any column we do not know are withheld; the row, column,
# message and expected form stay, so the uploader can find the cell in their own file. The uploader at the
# command line sees every value (UserInputError as raised); the web shows what is stored.
WITHHELD = "(withheld)"
SHAREABLE_COLUMNS = frozenset(
    {
        "organisation_code",
        "organisation_name",
        "region",
        "specialism",
        "area_of_work",
        "career_level",
        "job_role",
        "staff_group",
        "occupation_code",
        "afc_band",
        "fte",
        "funded_fte",
        "assignment_category",
        "assignment_status",
        "primary_assignment",
        "contracted_hours",
        "census_date",
        "training_programme",
    }
)


def _header_columns() -> dict[str, str]:
    """Every header spelling the contract accepts (folded as the reader folds them) -> its column. A spelling
    that two columns share counts as shareable only when both are."""
    found: dict[str, str] = {}
    for aliases in (EXTRACT_ALIASES, ESTABLISHMENT_ALIASES):
        for column, names in aliases.items():
            for name in (column, *names):
                before = found.setdefault(name, column)
                if before != column and not {before, column} <= SHAREABLE_COLUMNS:
                    found[name] = "(ambiguous)"
    return found


_HEADER_COLUMN = _header_columns()


def stored_problem(problem: Problem) -> Problem:
    """The problem as it may be stored: its value withheld unless its column is a code or a category."""
    if problem.value in (None, ""):
        return problem
    column = _HEADER_COLUMN.get(norm_header(problem.column or ""))
    return problem if column in SHAREABLE_COLUMNS else replace(problem, value=WITHHELD)


def stored_problems(problems: Sequence[Problem]) -> list[Problem]:
    """The problems of a refused import as the job result and the import log keep them (stored_problem)."""
    return [stored_problem(p) for p in problems]


# -- the census a trust adds to ----------------------------------------------------------------------------
def censuses_to_add_to(store: Store) -> list[date]:
    """The censuses that exist, latest first: an organisation user adds their rows to one of these."""
    return sorted(store.census_dates(), reverse=True) if store.is_initialised() else []


def census_choice_problem(store: Store, scope: Scope, census_date: date | None) -> str | None:
    """Why an organisation user cannot add rows to this census (None when they can, or for a national user).

    Checked again when the job runs (import_extract, create_census False); the form asks first."""
    if scope.kind != "organisation":
        return None
    existing = censuses_to_add_to(store)
    if not existing:
        return "There is no census to add your rows to yet: a national user creates it"
    if census_date is not None and census_date not in existing:
        return "Choose one of the censuses that exist"
    return None


# -- where uploads wait ------------------------------------------------------------------------------------
# An upload is kept in a private folder of the data directory until its queued import has read it (run_job
# removes it). Files chosen on a form that came back with an error are kept too (staged, for an hour) so the
# user need not choose them again; a browser cannot refill a file input. Each staged file is named by its
# owner's id and a random token, so a token names nobody else's file.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".txt")
STAGED_MAX_AGE_SECONDS = 3600


def uploads_folder(data_dir: Path) -> Path:
    """The private folder uploads wait in: owner-only (0700), tightened if it was made otherwise."""
    folder = data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)
    return folder


def new_upload_path(data_dir: Path, file_name: str | None) -> Path:
    """A new private file for an upload named file_name; only CSV and XLSX files are taken."""
    suffix = Path(file_name or "upload.csv").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UserInputError(f"{file_name!r} is not a CSV or XLSX file (expected .csv or .xlsx)")
    fd, name = tempfile.mkstemp(dir=uploads_folder(data_dir), suffix=suffix)
    os.close(fd)
    return Path(name)


def check_upload_size(file_name: str | None, size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise UserInputError(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    if size == 0:
        raise UserInputError(f"{file_name!r} is empty")


def new_staged_path(data_dir: Path, user_id: int) -> tuple[str, Path]:
    """A token and a new file to keep a chosen file in for its owner; staged files over an hour old go."""
    folder = uploads_folder(data_dir)
    now = time.time()
    for old in folder.glob("staged-*"):
        if now - old.stat().st_mtime > STAGED_MAX_AGE_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    path = folder / f"staged-{user_id}-{token}"
    # Made here, owner-only (0600), so the copy written into it keeps that mode whatever the umask.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return token, path


def staged_path(data_dir: Path, user_id: int, token: str) -> Path | None:
    """The user's own staged file that the token names, if it is still there."""
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        return None
    path = data_dir / "uploads" / f"staged-{user_id}-{token}"
    return path if path.is_file() else None


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
    store: Store,
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
        _log_rejected(store, source, e)
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
    census_existed = census in store.census_dates()
    replaced = census_existed
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
        census_existed=census_existed,
    )
    try:
        if organisation is None:
            store.replace_census(load, actor=actor)
        else:
            store.replace_organisation(load, organisation, actor=actor)
    except CensusConflict as e:  # two imports of one new census at once: this one wrote nothing
        _log_rejected(store, source, e)
        raise
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


def _log_rejected(store: Store, source: str, error: UserInputError) -> None:
    """The import log's line for a refused import: its first problems, as they may be stored."""
    problems = stored_problems(error.problems[:50])
    store.log_rejected_import(source, None, error.total, {"problems": [p.to_dict() for p in problems]})


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
    store: Store, census: date, organisation: str, valid: Any, has_establishment: bool, name: str
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


def _no_such_census(census: date, store: Store, name: str) -> None:
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
