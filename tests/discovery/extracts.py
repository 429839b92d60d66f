"""Hand-built whole-trust ESR extracts for the discovery tests, and the mapping to the discovery frame contract.

Layout sources: the columns, their ESR and NHS England warehouse names and the value shapes (hierarchy
strings such as '412 RGT Blood Sciences L6', 'Band 8 - Range C', 'Review Body Band 8 - Range D', assignment
categories Permanent / Fixed Term Temp / Bank / Honorary, title lines before the header) follow
docs/esr-extracts.md, which cites shared/reference/nhs_data_layouts.md ([P] NHSDigital/absence-rates for the
warehouse names `Unique Nhs Identifier`, `Asg Number`, `ODS code`, `Grade`; ESR staff groups as written,
including the truncated 'Add Prof Scientific and Technic'). Staff groups are the NHS Data Dictionary's. Job
role values outside the Healthcare Scientists staff group, and the hierarchy levels, are illustrative: ESR's
job role list per staff group was not retrieved. Identifiers are made up; they are pseudonymised on reading,
as the importer does.

`to_frame` stands in for the importer (which another engineer is rewriting): it applies the documented rules
(docs/esr-extracts.md: who is a healthcare scientist, bands, categories, career level from the job role or
the band) to produce the frame that analytics.discovery takes.
"""

from __future__ import annotations

import csv
import io
import re

import polars as pl

from hcsworkforce import reference
from hcsworkforce.analytics.discovery import FRAME_SCHEMA, normalise_text
from hcsworkforce.ingest.pseudonymise import pseudonymise

TEST_KEY = b"discovery tests, not a real key"

# Cambridge University Hospitals (RGT, East of England): every staff group, two title lines before the header,
# so the first assignment is on spreadsheet row 4.
RGT_STAFF_IN_POST = """\
Staff in Post - Assignment Details
Report Date: 31/03/2025
Employee Number,Assignment Number,Organisation,Staff Group,Occupation Code,Job Role,Area of Work,Position Title,Pay Band,Contracted Wte,Assignment Category,Assignment Status,Primary Assignment
20100001,20100001-1,412 RGT Blood Sciences L6,Healthcare Scientists,UAA,Consultant Healthcare Scientist,Clinical Biochemistry,Consultant Clinical Scientist - Biochemistry,Band 8 - Range C,1,Permanent,Active Assignment,Yes
20100002,20100002-1,412 RGT Audiology L6,Healthcare Scientists,,Clinical Scientist,Audiology,Principal Clinical Scientist,Band 8 - Range B,1,Permanent,Active Assignment,Yes
20100003,20100003-1,412 RGT Blood Sciences L6,Healthcare Scientists,,Biomedical Scientist,Haematology,Biomedical Scientist,Band 6,1,Permanent,Active Assignment,Yes
20100004,20100004-1,412 RGT Blood Sciences L6,Healthcare Scientists,,Biomedical Scientist,Haematology,Biomedical Scientist,Band 5,0,Bank,Active Assignment,Yes
20100005,20100005-1,412 RGT Medical Physics L6,Healthcare Scientists,,Consultant Healthcare Scientist,Medical Physics,Head of Healthcare Science,Band 9,1,Permanent,Active Assignment,Yes
20100006,20100006-1,412 RGT Cardiology L6,Healthcare Scientists,,Trainee Scientist,Cardiac Science,Trainee Clinical Scientist (STP),Band 6,1,Fixed Term Temp,Active Assignment,Yes
20100007,20100007-1,412 RGT Blood Sciences L6,Healthcare Scientists,,Healthcare Science Assistant,Blood Sciences,Medical Laboratory Assistant,Band 2,0.8,Permanent,Active Assignment,Yes
20100007,20100007-2,412 RGT Blood Sciences L6,Healthcare Scientists,,Healthcare Science Assistant,Blood Sciences,Medical Laboratory Assistant,Band 2,0,Bank,Active Assignment,No
20100008,20100008-1,412 RGT Radiotherapy L6,Healthcare Scientists,,Consultant Healthcare Scientist,Radiotherapy Physics,Consultant Clinical Scientist,Band 8 - Range D,0,Honorary,Active Assignment,Yes
20100009,20100009-1,412 RGT Blood Sciences L6,Add Prof Scientific and Technic,UAA,Consultant Healthcare Scientist,Blood Sciences,Consultant Clinical Scientist - Blood Sciences,Band 8 - Range C,1,Permanent,Active Assignment,Yes
20100010,20100010-1,412 RGT Cardiology L6,Add Prof Scientific and Technic,,Technician,Cardiology,Clinical Physiologist,Band 5,1,Permanent,Active Assignment,Yes
20100011,20100011-1,412 RGT Audiology L6,Allied Health Professionals,,Audiologist,Audiology,Audiologist,Band 6,1,Permanent,Active Assignment,Yes
20100012,20100012-1,412 RGT Pathology L5,Additional Clinical Services,,Support Worker,Pathology,Medical Laboratory Assistant,Band 2,1,Permanent,Active Assignment,Yes
20100013,20100013-1,412 RGT Audiology L6,Additional Clinical Services,,Support Worker,Audiology,Audiology Support Worker,Band 3,1,Permanent,Active Assignment,Yes
20100014,20100014-1,412 RGT Cardiology L6,Additional Clinical Services,,Healthcare Assistant,Cardiac Physiology,Healthcare Assistant,Band 2,1,Permanent,Active Assignment,Yes
20100015,20100015-1,412 RGT Clinical Engineering L6,Estates and Ancillary,,Technician,Biomedical Engineering,EBME Technician,Band 4,1,Permanent,Active Assignment,Yes
20100016,20100016-1,412 RGT Clinical Engineering L6,Estates and Ancillary,,Porter,Biomedical Engineering,Porter,Band 2,1,Permanent,Active Assignment,Yes
20100017,20100017-1,412 RGT Pathology L5,Administrative and Clerical,,Medical Secretary,Pathology,Pathology Secretary,Band 4,1,Permanent,Active Assignment,Yes
20100018,20100018-1,412 RGT Ward C7 L6,Nursing and Midwifery Registered,,Staff Nurse,Cardiology,Staff Nurse,Band 5,1,Permanent,Active Assignment,Yes
20100019,20100019-1,412 RGT Respiratory L6,Nursing and Midwifery Registered,,Nurse Specialist,Respiratory Physiology,Respiratory Nurse Specialist,Band 7,1,Permanent,Maternity & Adoption,Yes
20100020,20100020-1,412 RGT Corporate Nursing L4,Nursing and Midwifery Registered,,Nurse Manager,Corporate Nursing,Deputy Chief Nurse,Band 8 - Range D,1,Permanent,Active Assignment,Yes
20100020,20100020-2,412 RGT Nurse Bank L4,Nursing and Midwifery Registered,,Staff Nurse,Corporate Nursing,Bank Staff Nurse,Band 5,0,Bank,Active Assignment,No
20100021,20100021-1,412 RGT Surgery L5,Nursing and Midwifery Registered,,Matron,Surgery,Matron,Band 8 - Range A,1,Permanent,Active Assignment,Yes
20100022,20100022-1,412 RGT Nurse Bank L4,Nursing and Midwifery Registered,,Staff Nurse,Haematology,Staff Nurse,Band 5,0,Bank,Active Assignment,Yes
20100023,20100023-1,412 RGT Therapies L5,Allied Health Professionals,,Physiotherapist,Respiratory,Physiotherapist,Band 6,1,Permanent,Active Assignment,Yes
20100024,20100024-1,412 RGT Therapies L5,Allied Health Professionals,,Physiotherapist,Physiotherapy,Consultant Physiotherapist,Band 8 - Range C,1,Permanent,Active Assignment,Yes
20100025,20100025-1,412 RGT Imaging L5,Allied Health Professionals,,Radiographer - Diagnostic,Nuclear Medicine,Radiographer,Band 6,1,Permanent,Active Assignment,Yes
20100026,20100026-1,412 RGT Pathology L5,Medical and Dental,,Consultant,Chemical Pathology,Consultant Chemical Pathologist,Consultant,1,Permanent,Active Assignment,Yes
20100027,20100027-1,412 RGT Pathology L5,Medical and Dental,,Consultant,Microbiology,Consultant Microbiologist,Consultant,1,Permanent,Active Assignment,Yes
20100028,20100028-1,412 RGT Digital L4,Administrative and Clerical,,Manager,Clinical Informatics,Clinical Informatics Lead,Band 8 - Range A,1,Permanent,Active Assignment,Yes
20100029,20100029-1,412 RGT Pharmacy L5,Add Prof Scientific and Technic,,Pharmacist,Radiopharmacy,Radiopharmacist,Band 8 - Range A,1,Permanent,Active Assignment,Yes
20100030,20100030-1,412 RGT Audiology L6,Administrative and Clerical,,Receptionist,Audiology,Audiology Receptionist,Band 2,1,Permanent,Active Assignment,Yes
20100031,20100031-1,412 RGT Pathology L5,Additional Clinical Services,,Phlebotomist,Phlebotomy,Phlebotomist,Band 2,1,Permanent,Active Assignment,Yes
20100032,20100032-1,412 RGT Clinical Genetics L5,Administrative and Clerical,,Manager,Genetics,Genetic Counsellor,Band 7,1,Permanent,Active Assignment,Yes
20100033,20100033-1,412 RGT Ward 7 L6,Additional Clinical Services,,Healthcare Assistant,Ward 7 Haematology,Healthcare Assistant,Band 2,1,Permanent,Active Assignment,Yes
20100034,20100034-1,412 RGT Business Intelligence L4,Administrative and Clerical,,Analyst,Business Intelligence,Data Scientist,Band 7,1,Permanent,Active Assignment,Yes
20100035,20100035-1,412 RGT Corporate L3,Administrative and Clerical,,PA,Corporate Services,PA to the Chief Scientific Officer,Band 4,1,Permanent,Active Assignment,Yes
20100036,20100036-1,412 RGT Corporate L3,Administrative and Clerical,,Manager,Healthcare Science,Healthcare Science Business Manager,Band 7,1,Permanent,Active Assignment,Yes
20100037,20100037-1,412 RGT Medical Physics L6,Add Prof Scientific and Technic,,Technician,Medical Physics,Medical Physics Technician,Band 5,1,Permanent,Active Assignment,Yes
20100038,20100038-1,412 RGT Research L4,Add Prof Scientific and Technic,,Scientist,Research and Development,Research Scientist,Band 6,1,Fixed Term Temp,Active Assignment,Yes
20100039,20100039-1,412 RGT Pathology L5,Additional Clinical Services,,Support Worker,Pathology,Haematology Support Worker,Band 3,1,Permanent,Active Assignment,Yes
20100040,20100040-1,412 RGT Cardiology L6,Healthcare Scientists,,Healthcare Scientist,Cardiac Science,Cardiac Physiologist,Band 7,1,Permanent,Active Assignment,Yes
20100041,20100041-1,412 RGT Clinical Engineering L6,Healthcare Scientists,,Clinical Scientist,Clinical Engineering,Head of Clinical Engineering,Band 8 - Range C,1,Permanent,Active Assignment,Yes
20100042,20100042-1,412 RGT Therapies L5,Allied Health Professionals,,Physiotherapist,Physiotherapy,Honorary Physiotherapist,Band 6,0,Honorary,Active Assignment,Yes
"""

# Royal Papworth (RGM, East of England): ESR headers, no title lines (the header is row 1).
RGM_STAFF_IN_POST = """\
Employee Number,Assignment Number,Organisation,Staff Group,Occupation Code,Job Role,Area of Work,Position Title,Pay Band,Contracted Wte,Assignment Category,Assignment Status,Primary Assignment
30200001,30200001-1,655 RGM Cardiac Physiology L6,Healthcare Scientists,,Clinical Scientist,Cardiac Science,Lead Healthcare Scientist - Cardiac Science,Band 8 - Range B,1,Permanent,Active Assignment,Yes
30200002,30200002-1,655 RGM Respiratory Physiology L6,Healthcare Scientists,,Consultant Healthcare Scientist,Respiratory and Sleep Science,Consultant Clinical Scientist,Band 8 - Range D,1,Permanent,Active Assignment,Yes
30200003,30200003-1,655 RGM Cardiac Physiology L6,Healthcare Scientists,,Healthcare Science Practitioner,Cardiac Science,Cardiac Physiologist,Band 5,1,Permanent,Active Assignment,Yes
30200004,30200004-1,655 RGM Cardiac Physiology L6,Healthcare Scientists,,Healthcare Science Practitioner,Cardiac Science,Cardiac Physiologist,Band 6,1,Permanent,Active Assignment,Yes
30200005,30200005-1,655 RGM Respiratory Physiology L6,Healthcare Scientists,,Healthcare Science Associate,Respiratory and Sleep Science,Associate Practitioner - Sleep,Band 4,1,Permanent,Active Assignment,Yes
30200006,30200006-1,655 RGM Pathology L5,Healthcare Scientists,,Biomedical Scientist,Blood Sciences,Biomedical Scientist,Band 6,1,Permanent,Active Assignment,Yes
30200007,30200007-1,655 RGM Cardiac Theatres L6,Add Prof Scientific and Technic,,Technician,Cardiac Theatres,Clinical Perfusionist,Band 7,1,Permanent,Active Assignment,Yes
30200008,30200008-1,655 RGM Critical Care L6,Nursing and Midwifery Registered,,Staff Nurse,Critical Care,Staff Nurse,Band 5,1,Permanent,Active Assignment,Yes
30200009,30200009-1,655 RGM Critical Care L6,Nursing and Midwifery Registered,,Staff Nurse,Critical Care,Staff Nurse,Band 6,1,Permanent,Active Assignment,Yes
30200010,30200010-1,655 RGM Critical Care L6,Nursing and Midwifery Registered,,Nurse Consultant,Critical Care,Nurse Consultant,Band 8 - Range C,1,Permanent,Active Assignment,Yes
30200011,30200011-1,655 RGM Ward 3 L6,Nursing and Midwifery Registered,,Staff Nurse,Cardiology,Staff Nurse,Band 5,1,Permanent,Active Assignment,Yes
30200012,30200012-1,655 RGM Ward 3 L6,Nursing and Midwifery Registered,,Staff Nurse,Cardiology,Staff Nurse,Band 5,0.6,Permanent,Active Assignment,Yes
30200013,30200013-1,655 RGM Ward 3 L6,Nursing and Midwifery Registered,,Sister/Charge Nurse,Cardiology,Ward Sister,Band 7,1,Permanent,Active Assignment,Yes
30200014,30200014-1,655 RGM Therapies L5,Allied Health Professionals,,Physiotherapist,Physiotherapy,Physiotherapist,Band 6,1,Permanent,Active Assignment,Yes
"""

# Guy's and St Thomas' (RJ1, London): NHS England's warehouse names (Unique Nhs Identifier, Asg Number,
# ODS code, Grade, FTE) and no allied health professionals in the file.
RJ1_STAFF_IN_POST = """\
Unique Nhs Identifier,Asg Number,ODS code,Staff Group,Occupation Code,Job Role,Area of Work,Position Title,Grade,FTE,Assignment Category
9000000001,1,RJ1,Healthcare Scientists,,Consultant Healthcare Scientist,Genomics,Consultant Clinical Scientist - Genomics,Review Body Band 8 - Range D,1,Permanent
9000000002,1,RJ1,Healthcare Scientists,,Clinical Scientist,Genomics,Clinical Scientist,Review Body Band 7,1,Permanent
9000000003,1,RJ1,Healthcare Scientists,,Clinical Scientist,Genomics,Clinical Scientist,Review Body Band 7,1,Permanent
9000000004,1,RJ1,Healthcare Scientists,,Biomedical Scientist,Histopathology,Biomedical Scientist,Review Body Band 6,1,Permanent
9000000005,1,RJ1,Healthcare Scientists,,Biomedical Scientist,Histopathology,Biomedical Scientist,Review Body Band 5,1,Permanent
9000000006,1,RJ1,Administrative and Clerical,,Director,Healthcare Science,Director of Healthcare Science,Review Body Band 9,1,Permanent
9000000007,1,RJ1,Nursing and Midwifery Registered,,Staff Nurse,Haematology,Staff Nurse,Review Body Band 5,1,Permanent
9000000008,1,RJ1,Medical and Dental,,Consultant,Histopathology,Consultant Histopathologist,Consultant,1,Permanent
"""

HEADERS = {
    "employee number": "person",
    "unique nhs identifier": "person",
    "assignment number": "assignment",
    "asg number": "assignment",
    "organisation": "organisation",
    "ods code": "ods_code",
    "staff group": "staff_group",
    "occupation code": "occupation_code",
    "job role": "job_role",
    "area of work": "area_of_work",
    "position title": "position_title",
    "pay band": "band",
    "grade": "band",
    "assignment category": "category",
}
CATEGORIES = {
    "permanent": "permanent",
    "fixed term temp": "fixed_term",
    "bank": "bank",
    "honorary": "honorary",
}
# Career level from the job role (docs/esr-extracts.md); None means "from the band".
JOB_ROLE_LEVELS = {
    "consultant healthcare scientist": "consultant",
    "clinical scientist": "clinical_scientist",
    "biomedical scientist": "practitioner",
    "healthcare science practitioner": "practitioner",
    "healthcare science associate": "associate",
    "healthcare science assistant": "assistant",
    "trainee scientist": "trainee_clinical_scientist",
    "healthcare scientist": None,
}
BAND_LEVELS = {"2": "assistant", "3": "assistant", "4": "associate", "5": "practitioner", "6": "practitioner"}
BAND_LEVELS |= {"7": "clinical_scientist", "8a": "clinical_scientist", "8b": "clinical_scientist"}
BAND_LEVELS |= {"8c": "consultant", "8d": "consultant", "9": "consultant"}
_ESR_BAND = re.compile(r"band\s*([1-9])(?:\s*-\s*range\s*([a-d]))?$")


def afc_band(text: str | None) -> str | None:
    """'Band 8 - Range C' / 'Review Body Band 7' / 'Band 5' -> '8c' / '7' / '5'; a medical grade -> None."""
    if not text:
        return None
    m = _ESR_BAND.search(text.strip().lower())
    if not m:
        return reference.resolve_band(text)
    return reference.resolve_band(m.group(1) + (m.group(2) or ""))


def _organisation(row: dict[str, str]) -> str:
    if row.get("ods_code"):
        return row["ods_code"].strip().upper()
    tokens = row["organisation"].split()
    return next(t for t in tokens if t in reference.trusts())


def _level(row: dict[str, str], band: str | None) -> str | None:
    role = normalise_text(row.get("job_role") or "")
    level = JOB_ROLE_LEVELS.get(role)
    if level is None and role in JOB_ROLE_LEVELS:
        return BAND_LEVELS.get(band or "")
    return level


def to_frame(text: str) -> pl.DataFrame:
    """The discovery frame of one ESR-shaped CSV report, one row per assignment, `__row` as a spreadsheet
    shows it."""
    lines = text.splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.count(",") >= 3)
    reader = csv.DictReader(io.StringIO("\n".join(lines[header_at:])))
    records = []
    for k, raw in enumerate(reader):
        row = {
            HEADERS[h.strip().lower()]: (v or "").strip()
            for h, v in raw.items()
            if h.strip().lower() in HEADERS
        }
        band = afc_band(row.get("band"))
        staff_group = row.get("staff_group") or None
        occupation = row.get("occupation_code") or None
        is_hcs = normalise_text(staff_group or "") == "healthcare scientists" or (
            occupation or ""
        ).startswith("U")
        records.append(
            {
                "__row": header_at + 2 + k,
                "organisation_code": _organisation(row),
                "staff_group": staff_group,
                "occupation_code": occupation,
                "job_role": row.get("job_role") or None,
                "area_of_work": row.get("area_of_work") or None,
                "position_title": row.get("position_title") or None,
                "afc_band": band,
                "person_key": pseudonymise([row["person"]], TEST_KEY)[0],
                "is_hcs": is_hcs,
                "career_level": _level(row, band) if is_hcs else None,
                "category": CATEGORIES.get((row.get("category") or "").lower(), "other")
                if row.get("category")
                else None,
            }
        )
    return pl.DataFrame(records, schema=FRAME_SCHEMA)


def organisations_frame() -> pl.DataFrame:
    """code and region_code of every trust, from the shipped ODS list (as the store's organisations table)."""
    trusts = reference.trusts()
    return pl.DataFrame(
        {"code": list(trusts), "region_code": [t.region_code for t in trusts.values()]},
        schema={"code": pl.String, "region_code": pl.String},
    )
