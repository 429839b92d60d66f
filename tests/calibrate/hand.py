"""Three monthly censuses of ten people whose every transition is counted by hand (test_link.py says how).

Written as the importer reads them: ESR staff-in-post exports with their own header names (docs/esr-extracts.md,
"Columns": Employee Number, Assignment Number, Organisation, Pay Band, Contracted WTE, Date of Birth, Hire Date,
Termination Date, Leaving Reason; the same layout as tests/foundation/fixtures.py), one file per census with
that census's leavers of its 12 months in the same file (termination date filled). The frames the store would
hand back are built from the same rows, so the engine tests and the store tests check one history.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from hcsworkforce.model.frames import LEAVER_SCHEMA, STAFF_SCHEMA

CENSUSES = (date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31))
HEADER = (
    "Employee Number,Assignment Number,Organisation,Specialism,Career Level,Pay Band,Contracted WTE,"
    "Date of Birth,Gender,Hire Date,Termination Date,Leaving Reason"
)
LEVEL_BAND = {
    "assistant": "Band 3",
    "practitioner": "Band 5",
    "clinical_scientist": "Band 7",
    "consultant": "Band 8c",
    "trainee_clinical_scientist": "Band 6",
    "trainee_practitioner": "Band 4",
}
# person -> (date of birth, {census index: (organisation, specialism, career level)})
PEOPLE: dict[str, tuple[str, dict[int, tuple[str, str, str]]]] = {
    # stays at RGT all three months
    "P1": ("1984-05-01", {k: ("RGT", "Clinical Biochemistry", "practitioner") for k in range(3)}),
    # progresses practitioner -> clinical scientist between January and February
    "P2": (
        "1988-01-01",
        {
            0: ("RGT", "Clinical Biochemistry", "practitioner"),
            1: ("RGT", "Clinical Biochemistry", "clinical_scientist"),
            2: ("RGT", "Clinical Biochemistry", "clinical_scientist"),
        },
    ),
    # leaves in February (voluntary resignation)
    "P3": ("1998-07-01", {0: ("RGT", "Clinical Biochemistry", "assistant")}),
    # consultant aged 62, retires in March
    "P4": ("1961-06-01", {0: ("RGT", "Audiology", "consultant"), 1: ("RGT", "Audiology", "consultant")}),
    # moves from RGT to RRK in February (a leaver of RGT, not of the NHS)
    "P5": (
        "1990-02-01",
        {
            0: ("RGT", "Clinical Biochemistry", "practitioner"),
            1: ("RRK", "Clinical Biochemistry", "practitioner"),
            2: ("RRK", "Clinical Biochemistry", "practitioner"),
        },
    ),
    # changes specialism in March
    "P6": (
        "1979-03-01",
        {
            0: ("RRK", "Audiology", "clinical_scientist"),
            1: ("RRK", "Audiology", "clinical_scientist"),
            2: ("RRK", "Clinical Biochemistry", "clinical_scientist"),
        },
    ),
    # STP trainee who qualifies in March
    "P7": (
        "1997-09-01",
        {
            0: ("RRK", "Audiology", "trainee_clinical_scientist"),
            1: ("RRK", "Audiology", "trainee_clinical_scientist"),
            2: ("RRK", "Audiology", "clinical_scientist"),
        },
    ),
    # leaves in February and comes back in March (a returner)
    "P8": ("1995-11-01", {0: ("RRK", "Audiology", "assistant"), 2: ("RRK", "Audiology", "assistant")}),
    # joins RGT in February
    "P9": (
        "1999-04-01",
        {
            1: ("RGT", "Clinical Biochemistry", "practitioner"),
            2: ("RGT", "Clinical Biochemistry", "practitioner"),
        },
    ),
    # joins RRK in March as a PTP trainee
    "P10": ("2003-08-01", {2: ("RRK", "Audiology", "trainee_practitioner")}),
}
# person -> (organisation, specialism, level, termination date, leaving reason): the leaver records
LEAVINGS = {
    "P3": (
        "RGT",
        "Clinical Biochemistry",
        "assistant",
        date(2024, 2, 15),
        "Voluntary Resignation - Relocation",
    ),
    "P4": ("RGT", "Audiology", "consultant", date(2024, 3, 10), "Retirement Age"),
    "P5": (
        "RGT",
        "Clinical Biochemistry",
        "practitioner",
        date(2024, 2, 20),
        "Voluntary Resignation - Promotion",
    ),
    "P8": ("RRK", "Audiology", "assistant", date(2024, 2, 10), "Voluntary Resignation - Work Life Balance"),
}


def _age(dob: str, on: date) -> int:
    b = date.fromisoformat(dob)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def _programme(level: str) -> str:
    return {"trainee_clinical_scientist": "stp", "trainee_practitioner": "ptp"}.get(level, "none")


def write_census_files(folder: Path) -> list[tuple[date, Path]]:
    """One ESR-layout CSV per census: everyone in post, then the leavers of its 12 months."""
    out = []
    for k, census in enumerate(CENSUSES):
        rows = [HEADER]
        for person, (dob, posts) in PEOPLE.items():
            if k in posts:
                org, spec, level = posts[k]
                # a new post is a new assignment: P5's at RRK, P8's on coming back
                asg = "2" if (person == "P5" and org == "RRK") or (person == "P8" and k == 2) else "1"
                rows.append(
                    f"{person},{asg},{org},{spec},{level},{LEVEL_BAND[level]},1.0,{dob},F,2015-01-01,,"
                )
        for person, (org, spec, level, end, reason) in LEAVINGS.items():
            if end <= census:
                dob = PEOPLE[person][0]
                rows.append(
                    f"{person},1,{org},{spec},{level},{LEVEL_BAND[level]},1.0,{dob},F,2015-01-01,{end.isoformat()},{reason}"
                )
        path = folder / f"sip_{census.isoformat()}.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        out.append((census, path))
    return out


def _spec_id(name: str) -> str:
    return name.lower().replace(" ", "_")


def frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The same history as the store returns it (staff_key = the employee number, unpseudonymised here)."""
    staff, leavers = [], []
    for k, census in enumerate(CENSUSES):
        for person, (dob, posts) in PEOPLE.items():
            if k in posts:
                org, spec, level = posts[k]
                staff.append(_row(census, person, org, spec, level, dob))
        for person, (org, spec, level, end, reason) in LEAVINGS.items():
            if end <= census:
                row = _row(census, person, org, spec, level, PEOPLE[person][0])
                leavers.append({**row, "end_date": end, "leaving_reason": reason})
    return pl.DataFrame(staff, schema=STAFF_SCHEMA), pl.DataFrame(leavers, schema=LEAVER_SCHEMA)


def _row(census: date, person: str, org: str, spec: str, level: str, dob: str) -> dict[str, object]:
    return {
        "census_date": census,
        "staff_key": person,
        "assignment_key": person,
        "organisation_code": org,
        "region_code": "Y61" if org == "RGT" else "Y60",
        "specialism_id": _spec_id(spec),
        "division_id": None,
        "career_level": level,
        "afc_band": LEVEL_BAND[level].removeprefix("Band "),
        "fte": 1.0,
        "age": _age(dob, census),
        "gender": "F",
        "start_date": date(2015, 1, 1),
        "training_programme": _programme(level),
        "expected_completion": None,
    }
