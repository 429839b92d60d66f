"""Small extracts whose profile is worked out by hand in test_profile.py."""

from __future__ import annotations

from pathlib import Path

HEADER = (
    "Employee Number,Assignment Number,Organisation,Specialism,Career Level,Pay Band,Contracted WTE,"
    "Date of Birth,Gender,Hire Date,Termination Date,Leaving Reason"
)

# Census 2024-03-31; the 12-month window is 2023-04-01 .. 2024-03-31.
HAND_ROWS = [
    "P1,1,RGT,Clinical Biochemistry,practitioner,Band 5,1.0,1990-06-01,F,2015-01-01,,",
    "P2,1,RGT,Clinical Biochemistry,practitioner,Band 6,0.5,1965-03-31,M,2010-01-01,,",
    "P3,1,RGT,Clinical Biochemistry,clinical_scientist,Band 7,1.0,1968-04-01,F,2023-06-01,,",
    "P4,1,RGT,Audiology,assistant,Band 3,0.8,2000-01-01,F,2020-01-01,,",
    "P4,2,RGT,Clinical Biochemistry,assistant,Band 3,0.2,2000-01-01,F,2020-01-01,,",
    "P5,1,ZZZ01,Audiology,practitioner,Band 5,1.0,1980-01-01,M,2018-01-01,,",
    "L1,1,RGT,Clinical Biochemistry,practitioner,Band 5,1.0,1960-01-01,M,2000-01-01,2023-09-30,Retirement Age",
    "L2,1,RGT,Clinical Biochemistry,practitioner,Band 5,1.0,1995-01-01,F,2023-05-01,2023-12-31,Voluntary Resignation",
    "L3,1,RGT,Audiology,assistant,Band 3,1.0,1990-01-01,F,2019-01-01,2022-12-31,Voluntary Resignation",
]
HAND_ESTABLISHMENT = """organisation_code,specialism,career_level,funded_fte
RGT,Clinical Biochemistry,practitioner,2.0
RGT,Clinical Biochemistry,clinical_scientist,0.5
RGT,Audiology,assistant,1.0
ZZZ01,Audiology,practitioner,1.0
"""
CENSUS = "2024-03-31"


def write_extract(path: Path, rows: list[str], header: str = HEADER, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


def hand_files(tmp: Path) -> tuple[Path, Path]:
    return write_extract(tmp / "extract.csv", HAND_ROWS), _write(
        tmp / "establishment.csv", HAND_ESTABLISHMENT
    )


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
