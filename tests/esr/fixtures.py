"""A hand-built whole-trust ESR staff-in-post report and its leavers report, in the layout ESR writes.

Layout: docs/esr-extracts.md, from shared/reference/nhs_data_layouts.md ([P] ESR and NHS England warehouse
column names as read by NHS England's own pipeline, NHSDigital/absence-rates; [U] the title lines of an ESR BI
export). Every staff group is in it; only the healthcare scientists load. Each row says why it is there.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

SIP_HEADER = [
    "Employee Number",
    "Assignment Number",
    "Organisation",
    "Position Title",
    "Job Role",
    "Occupation Code",
    "Staff Group",
    "Area of Work",
    "Pay Band",
    "Grade",
    "Assignment Category",
    "Assignment Status",
    "Primary Assignment",
    "Contracted Wte",
    "FTE",
    "Contracted Hours",
    "Date of Birth",
    "Gender",
    "Hire Date",
    "Latest Start Date",
]
RGT = "412 RGT Blood Sciences L6"
RGT_CARDIO = "412 RGT Cardiology L5"
RJ1 = "419 RJ1 Medical Physics L6"
HCS = "Healthcare Scientists"
T = " 00:00:00"

# (why, row values in SIP_HEADER order)
SIP_ROWS: list[tuple[str, list[str]]] = [
    (
        "clinical scientist, biochemistry",
        [
            "10000001",
            "10000001",
            RGT,
            "Principal Clinical Scientist",
            "Clinical Scientist",
            "UAA",
            HCS,
            "Clinical Biochemistry",
            "Band 8 - Range A",
            "Review Body Band 8 - Range A",
            "Permanent",
            "Active Assignment",
            "Yes",
            "1.0000",
            "1.0000",
            "37.50",
            "14/02/1975" + T,
            "Female",
            "01/09/2005" + T,
            "01/09/2005" + T,
        ],
    ),
    (
        "BMS in Blood Sciences: theme, specialism not known",
        [
            "10000002",
            "10000002",
            RGT,
            "Biomedical Scientist",
            "Biomedical Scientist",
            "",
            HCS,
            "Blood Sciences",
            "Band 6",
            "Review Body Band 6",
            "Permanent",
            "Active Assignment",
            "Yes",
            "1.0000",
            "1.0000",
            "37.50",
            "03/07/1988" + T,
            "Male",
            "01/10/2012" + T,
            "01/10/2012" + T,
        ],
    ),
    (
        "practitioner, primary post",
        [
            "10000003",
            "10000003",
            RGT_CARDIO,
            "Cardiac Physiologist",
            "Healthcare Science Practitioner",
            "",
            HCS,
            "Cardiac Physiology",
            "Band 5",
            "Review Body Band 5",
            "Permanent",
            "Active Assignment",
            "Yes",
            "0.6000",
            "0.6000",
            "22.50",
            "21/11/1995" + T,
            "Female",
            "01/02/2019" + T,
            "01/02/2019" + T,
        ],
    ),
    (
        "same person, bank post: counted apart",
        [
            "10000003",
            "10000003-2",
            RGT_CARDIO,
            "Bank Cardiac Physiologist",
            "Healthcare Science Practitioner",
            "",
            HCS,
            "Cardiac Physiology",
            "Band 5",
            "Review Body Band 5",
            "Bank",
            "Active Assignment",
            "No",
            "0.0000",
            "0.0000",
            "0.00",
            "21/11/1995" + T,
            "Female",
            "01/02/2019" + T,
            "01/05/2021" + T,
        ],
    ),
    (
        "honorary, 0 FTE: counted apart",
        [
            "10000004",
            "10000004",
            RGT,
            "Honorary Clinical Scientist",
            "Clinical Scientist",
            "",
            HCS,
            "Clinical Immunology",
            "Band 7",
            "",
            "Honorary",
            "Active Assignment",
            "Yes",
            "0.0000",
            "0.0000",
            "0.00",
            "30/06/1970" + T,
            "Male",
            "01/01/2020" + T,
            "01/01/2020" + T,
        ],
    ),
    (
        "generic Healthcare Scientist at 8c: consultant by band",
        [
            "10000005",
            "10000005",
            RJ1,
            "Head of Radiotherapy Physics",
            "Healthcare Scientist",
            "",
            HCS,
            "Radiotherapy Physics",
            "Band 8 - Range C",
            "Review Body Band 8 - Range C",
            "Permanent",
            "Active Assignment",
            "Yes",
            "1.0000",
            "1.0000",
            "37.50",
            "05/05/1968" + T,
            "Male",
            "01/04/1999" + T,
            "01/04/2010" + T,
        ],
    ),
    (
        "technician at band 3: assistant by band",
        [
            "10000006",
            "10000006",
            RJ1,
            "Medical Physics Technician",
            "Technician - Healthcare Scientists",
            "",
            HCS,
            "Medical Physics",
            "Band 3",
            "Review Body Band 3",
            "Fixed Term Temp",
            "Active Assignment",
            "Yes",
            "1.0000",
            "1.0000",
            "37.50",
            "12/12/2000" + T,
            "Male",
            "01/08/2022" + T,
            "01/08/2022" + T,
        ],
    ),
    (
        "STP trainee",
        [
            "10000007",
            "10000007",
            RJ1,
            "Trainee Clinical Scientist (STP)",
            "Trainee Scientist",
            "",
            HCS,
            "Nuclear Medicine",
            "Band 6",
            "Review Body Band 6",
            "Fixed Term Temp",
            "Active Assignment",
            "Yes",
            "1.0000",
            "1.0000",
            "37.50",
            "29221",
            "Female",
            "01/09/2022" + T,
            "01/09/2022" + T,
        ],
    ),
    (
        "on maternity leave: in post, not available",
        [
            "10000008",
            "10000008",
            RGT,
            "Biomedical Scientist",
            "Biomedical Scientist",
            "",
            HCS,
            "Haematology",
            "Band 6",
            "Review Body Band 6",
            "Permanent",
            "Maternity & Adoption",
            "Yes",
            "0.8000",
            "0.8000",
            "30.00",
            "09/09/1990" + T,
            "Female",
            "01/03/2015" + T,
            "01/03/2015" + T,
        ],
    ),
    (
        "MLA coded in the U matrix outside the HCS staff group: in by occupation code",
        [
            "10000009",
            "10000009",
            RGT,
            "Medical Laboratory Assistant",
            "Medical Laboratory Assistant",
            "U9Z",
            "Additional Clinical Services",
            "Pathology",
            "Band 2",
            "Review Body Band 2",
            "Permanent",
            "Active Assignment",
            "Yes",
            "1.0000",
            "1.0000",
            "37.50",
            "01/01/1985" + T,
            "Female",
            "01/06/2016" + T,
            "01/06/2016" + T,
        ],
    ),
    (
        "nurse: other staff group, 0 FTE would be refused for HCS",
        [
            "20000001",
            "20000001",
            "412 RGT Ward 7 L6",
            "Staff Nurse",
            "Staff Nurse",
            "N0A",
            "Nursing and Midwifery Registered",
            "Nursing - Adult",
            "Band 5",
            "Review Body Band 5",
            "Permanent",
            "Active Assignment",
            "Yes",
            "0.0000",
            "0.0000",
            "0.00",
            "01/01/1990" + T,
            "Female",
            "01/01/2015" + T,
            "01/01/2015" + T,
        ],
    ),
    (
        "pathology secretary: other staff group",
        [
            "20000002",
            "20000002",
            RGT,
            "Pathology Secretary",
            "Administrator",
            "G0A",
            "Administrative and Clerical",
            "Pathology",
            "Band 3",
            "Review Body Band 3",
            "Permanent",
            "Active Assignment",
            "Yes",
            "1.0000",
            "1.0000",
            "37.50",
            "not known",
            "Female",
            "01/01/2010" + T,
            "01/01/2010" + T,
        ],
    ),
    (
        "porter: other staff group",
        [
            "20000003",
            "20000003",
            RJ1,
            "Porter",
            "Porter",
            "H0A",
            "Estates and Ancillary",
            "Portering",
            "Band 2",
            "",
            "Permanent",
            "Active Assignment",
            "Yes",
            "1.0000",
            "1.0000",
            "37.50",
            "01/01/1970" + T,
            "Male",
            "01/01/2000" + T,
            "01/01/2000" + T,
        ],
    ),
    (
        "physiotherapist: other staff group",
        [
            "20000004",
            "20000004",
            RJ1,
            "Physiotherapist",
            "Physiotherapist",
            "S0A",
            "Allied Health Professionals",
            "Physiotherapy",
            "Band 6",
            "Review Body Band 6",
            "Permanent",
            "Active Assignment",
            "Yes",
            "1.0000",
            "1.0000",
            "37.50",
            "01/01/1985" + T,
            "Female",
            "01/01/2012" + T,
            "01/01/2012" + T,
        ],
    ),
]

LEAVERS_HEADER = [
    "Employee Number",
    "Assignment Number",
    "Organisation",
    "Position Title",
    "Job Role",
    "Staff Group",
    "Area of Work",
    "Pay Band",
    "Assignment Category",
    "Contracted Wte",
    "Date of Birth",
    "Gender",
    "Hire Date",
    "Termination Date",
    "Leaving Reason",
    "Leaver Destination",
]
LEAVERS_ROWS: list[tuple[str, list[str]]] = [
    (
        "HCS retirement",
        [
            "10000090",
            "10000090",
            RGT,
            "Clinical Scientist",
            "Clinical Scientist",
            HCS,
            "Clinical Biochemistry",
            "Band 7",
            "Permanent",
            "1.0000",
            "01/10/1960" + T,
            "Female",
            "01/09/1990" + T,
            "30/09/2023" + T,
            "Retirement Age",
            "No Employment",
        ],
    ),
    (
        "HCS moved to another trust",
        [
            "10000091",
            "10000091",
            RJ1,
            "Clinical Technologist",
            "Healthcare Science Practitioner",
            HCS,
            "Clinical Engineering",
            "Band 5",
            "Permanent",
            "1.0000",
            "01/10/1994" + T,
            "Male",
            "01/09/2018" + T,
            "31/01/2024" + T,
            "Voluntary Resignation - Relocation",
            "NHS Organisation",
        ],
    ),
    (
        "nurse leaver: other staff group",
        [
            "20000090",
            "20000090",
            RGT,
            "Staff Nurse",
            "Staff Nurse",
            "Nursing and Midwifery Registered",
            "Nursing - Adult",
            "Band 5",
            "Permanent",
            "1.0000",
            "01/10/1980" + T,
            "Female",
            "01/09/2010" + T,
            "31/12/2023" + T,
            "Voluntary Resignation - Work Life Balance",
            "NHS Organisation",
        ],
    ),
]

CENSUS = "2024-03-31"


def _csv(header: list[str], rows: list[list[str]], title: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for line in title:
        w.writerow([line])
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_reports(
    tmp: Path,
    sip: list[list[str]] | None = None,
    title: list[str] | None = None,
    leavers: list[list[str]] | None = None,
) -> tuple[Path, Path]:
    sip_path, leavers_path = tmp / "staff_in_post.csv", tmp / "leavers.csv"
    sip_rows = sip if sip is not None else [r for _why, r in SIP_ROWS]
    sip_title = title if title is not None else ["Staff in Post", "Report Date: 31/03/2024", ""]
    sip_path.write_text(_csv(SIP_HEADER, sip_rows, sip_title), encoding="utf-8")
    leaver_rows = leavers if leavers is not None else [r for _why, r in LEAVERS_ROWS]
    leavers_path.write_text(
        _csv(LEAVERS_HEADER, leaver_rows, ["Leavers", "Period: 01/04/2023 to 31/03/2024", ""]),
        encoding="utf-8",
    )
    return sip_path, leavers_path


def independent_count(sip: Path, leavers: Path) -> dict[str, object]:
    """Counts made from the files with the csv module alone, by the rules docs/esr-extracts.md states."""

    def rows(path: Path) -> list[dict[str, str]]:
        lines = path.read_text(encoding="utf-8").splitlines()
        start = next(i for i, ln in enumerate(lines) if ln.startswith("Employee Number"))
        return list(csv.DictReader(lines[start:]))

    def is_hcs(r: dict[str, str]) -> bool:
        return r["Staff Group"] == HCS or r.get("Occupation Code", "").startswith("U")

    sip_rows = rows(sip)
    in_post = [r for r in sip_rows if is_hcs(r) and r["Assignment Category"] not in ("Bank", "Honorary")]
    others: dict[str, int] = {}
    for r in sip_rows:
        if not is_hcs(r):
            others[r["Staff Group"]] = others.get(r["Staff Group"], 0) + 1
    return {
        "headcount": len({r["Employee Number"] for r in in_post}),
        "assignments": len(in_post),
        "fte": round(sum(float(r["Contracted Wte"]) for r in in_post), 6),
        "bank_or_honorary": sum(
            1 for r in sip_rows if is_hcs(r) and r["Assignment Category"] in ("Bank", "Honorary")
        ),
        "leavers": sum(1 for r in rows(leavers) if is_hcs(r)),
        "others": others,
    }
