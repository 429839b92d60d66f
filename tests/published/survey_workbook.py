"""Writes a small NHS Staff Survey detailed spreadsheet (XLSX) in the published layout.

Layout as shared/reference/nhs_data_layouts.md describes the detailed spreadsheets [P]: a contents sheet, then
a sheet per section ("YOUR JOB Q1-3" ...) with title rows and about four rows of question text above the header
row; identity columns ODS code, Organisation name, Benchmarking group, Region, ICS/STP, Weighting; response
columns such as "Q2a % Often"; '-' where a result is suppressed; merged organisations under "01T/01V". The
People Promise sheet has a score (0-10) per element and theme, as the 2024 benchmark reports show them. The
figures are invented and hand-checkable; the "Responses" column is where the sheet gives a base.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

OPTIONS = ("Never", "Rarely", "Sometimes", "Often", "Always")
IDENTITY = [
    "ODS code",
    "Organisation name",
    "Benchmarking group",
    "Region",
    "ICS/STP",
    "Weighting",
    "Responses",
]


def write_survey_workbook(path: Path, *, year: int = 2024, bad_percent: bool = False) -> Path:
    wb = Workbook()
    contents = wb.active
    assert contents is not None
    contents.title = "Contents"
    contents.append([f"{year} NHS Staff Survey: detailed spreadsheets"])
    contents.append(["YOUR JOB Q1-3", "Questions 1 to 3"])

    ws = wb.create_sheet("YOUR JOB Q1-3")
    ws.append([f"{year} NHS Staff Survey - organisation results"])
    ws.append(["Section: Your job"])
    ws.append([None] * len(IDENTITY) + ["Q2a How often, if at all, do you look forward to going to work?"])
    ws.append([None] * len(IDENTITY) + ["Base: all staff responding"])
    ws.append([*IDENTITY, *(f"Q2a % {o}" for o in OPTIONS), "Q3a % Agree"])
    ws.append(
        [
            "RGT",
            "Cambridge University Hospitals",
            "Acute and Acute & Community Trusts",
            "East of England",
            "Cambridgeshire and Peterborough",
            "Weighted",
            1200,
            2.5,
            7.5,
            30.0,
            40.0,
            20.0,
            55.0,
        ]
    )
    ws.append(
        [
            "RJ1",
            "Guy's and St Thomas'",
            "Acute and Acute & Community Trusts",
            "London",
            "South East London",
            "Weighted",
            2000,
            5.0,
            10.0,
            35.0,
            30.0,
            20.0 if not bad_percent else 120.0,
            "-",
        ]
    )
    ws.append(
        [
            "01T/01V",
            "A merged organisation",
            "Acute Specialist Trusts",
            "North West",
            "Cheshire and Merseyside",
            "Weighted",
            8,
            "-",
            "-",
            "-",
            "-",
            "-",
            "-",
        ]
    )
    ws.append(
        [
            "",
            "National average",
            "All organisations",
            "",
            "",
            "Weighted",
            600000,
            3.0,
            8.0,
            32.0,
            37.0,
            20.0,
            58.0,
        ]
    )

    pp = wb.create_sheet("People Promise")
    pp.append([f"{year} NHS Staff Survey - People Promise element and theme results (0-10)"])
    pp.append(
        [
            "ODS code",
            "Organisation name",
            "Responses",
            "We are compassionate and inclusive",
            "We are a team",
            "Staff Engagement",
            "Morale",
        ]
    )
    pp.append(["RGT", "Cambridge University Hospitals", 1200, 7.63, 7.09, 6.95, 6.0])
    pp.append(["RJ1", "Guy's and St Thomas'", 2000, 7.2, 6.8, 6.7, "-"])
    wb.save(path)
    return path
