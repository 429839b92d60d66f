"""Reading workforce extracts and user files; validation with located errors."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from hcsworkforce.errors import UserInputError


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


def import_extract(
    path: Path,
    store: Any,
    *,
    census_date: date | None = None,
    establishment: Path | None = None,
    actor: str | None = None,
    display_name: str | None = None,
    establishment_display_name: str | None = None,
    organisation: str | None = None,
) -> ImportResult:
    """Validate an extract (and establishment) completely, then load it as one census, atomically.

    On any problem nothing is written (bar a 'rejected' line in the import log) and UserInputError carries
    every problem found, capped, with the total.

    With `organisation`, only that organisation's rows of the census are replaced (a trust loading its own
    extract into a shared database); a row of any other organisation is a problem.
    """
    from hcsworkforce.ingest.extract import file_sha256, read_establishment, validate_extract
    from hcsworkforce.ingest.reader import read_table
    from hcsworkforce.store import CensusLoad

    census = census_date or date.today()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    name = display_name or path.name
    try:
        raw = read_table(path, name)
        timings["parse"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        valid = validate_extract(raw, census, organisation=organisation)
        est = (
            read_establishment(establishment, establishment_display_name, organisation)
            if establishment
            else None
        )
        timings["validate"] = time.perf_counter() - t1
    except UserInputError as e:
        store.log_rejected_import(name, None, e.total, {"problems": [p.to_dict() for p in e.problems[:50]]})
        raise
    t2 = time.perf_counter()
    store.migrate() if not store.is_initialised() else None
    replaced = census in store.census_dates()
    if organisation is not None:
        replaced = replaced and organisation in set(
            store.staff(census)["organisation_code"].unique().to_list()
        )
    load = CensusLoad(
        census_date=census,
        staff=valid.staff,
        leavers=valid.leavers,
        establishment=est.frame if est else None,
        organisations=valid.organisations.select("code", "name", "region_code", "known"),
        source_file=name,
        file_sha256=file_sha256(path),
        establishment_file=(establishment_display_name or establishment.name) if establishment else None,
        has_leaver_data=valid.has_leaver_data,
        data_quality={
            "findings": valid.findings,
            "file": name,
            "encoding": raw.encoding,
            "delimiter": raw.delimiter,
        },
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
    )
