"""An independent count of synthetic ESR reports, with the standard library's csv module only (no polars, no
numpy, nothing of synth.esr), so the answer key the generator writes is checked against the files themselves.

The layout read here is the contract of docs/esr-extracts.md (title lines, then ESR's headers; or NHS
England's warehouse names with no title lines), written out literally below rather than imported.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ESR_HEADER = [
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
WAREHOUSE_HEADER = [
    "Unique Nhs Identifier",
    "Asg Number",
    "ODS code",
    "Staff Group",
    "Occupation Code",
    "Job Role",
    "Area of Work",
    "Grade",
    "Assignment Category",
    "Assignment Status",
    "Primary Assignment",
    "FTE",
    "Age",
    "Gender",
    "Hire Date",
    "Latest Start Date",
]
LEAVER_EXTRA = ["Termination Date", "Leaving Reason", "Leaver Destination"]
HCS = "Healthcare Scientists"
SUBSTANTIVE = {"Permanent", "Fixed Term Temp"}
NOT_AVAILABLE = {
    "Maternity & Adoption",
    "Career Break",
    "Internal Secondment",
    "External Secondment",
    "Suspend Assignment",
}
# Words that say "healthcare science" in a job role, position title or area of work (a hand-made list for
# the test: the planted forgotten-group rows carry one, no other non-HCS row may).
EVIDENCE = re.compile(
    r"physiolog|scientist|laborator|patholog|audiolog|clinical engineering|healthcare science|biomedical"
    r"|haematolog|biochem|microbiolog|cardiac|cardiology|medical physics|phlebotom|perfusion",
    re.IGNORECASE,
)


@dataclass
class Report:
    titles: list[str]
    header: list[str]
    rows: list[dict[str, str]]


def read_report(path: Path) -> Report:
    """Title lines (if any), the header row (the first that starts with a person column), and the rows."""
    with path.open(newline="", encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    at = next(i for i, r in enumerate(lines) if r and r[0] in ("Employee Number", "Unique Nhs Identifier"))
    header = lines[at]
    return Report(
        [",".join(r) for r in lines[:at]],
        header,
        [dict(zip(header, r, strict=True)) for r in lines[at + 1 :]],
    )


def org_of(row: dict[str, str]) -> str:
    """The ODS code: its own column (warehouse) or the second token of ESR's hierarchy string."""
    return row["ODS code"] if "ODS code" in row else row["Organisation"].split(" ")[1]


def person_of(row: dict[str, str]) -> str:
    return row.get("Employee Number") or row["Unique Nhs Identifier"]


def fte_of(row: dict[str, str]) -> float:
    return float(row.get("Contracted Wte") or row["FTE"])


def count(sip: Report, leavers: Report) -> dict[str, dict[str, object]]:
    """Per organisation, the figures the answer key gives, counted from the two files."""
    out: dict[str, dict[str, object]] = defaultdict(dict)
    people: dict[str, set[str]] = defaultdict(set)
    fte: dict[str, float] = defaultdict(float)
    assignments: Counter[str] = Counter()
    per_person: Counter[tuple[str, str]] = Counter()
    bank: Counter[str] = Counter()
    honorary: Counter[str] = Counter()
    hcs_any: dict[str, set[str]] = defaultdict(set)
    unavailable: Counter[str] = Counter()
    other: dict[str, Counter[str]] = defaultdict(Counter)
    other_people: dict[str, set[str]] = defaultdict(set)
    evidence: Counter[str] = Counter()
    decoy: Counter[str] = Counter()
    rows: Counter[str] = Counter()
    for r in sip.rows:
        org, who = org_of(r), person_of(r)
        rows[org] += 1
        if r["Staff Group"] == HCS:
            hcs_any[org].add(who)
            if r["Assignment Category"] in SUBSTANTIVE:
                people[org].add(who)
                fte[org] += fte_of(r)
                assignments[org] += 1
                per_person[(org, who)] += 1
                if r["Primary Assignment"] == "Yes" and r["Assignment Status"] in NOT_AVAILABLE:
                    unavailable[org] += 1
            elif r["Assignment Category"] == "Bank":
                bank[org] += 1
            elif r["Assignment Category"] == "Honorary":
                honorary[org] += 1
        else:
            other[org][r["Staff Group"]] += 1
            other_people[org].add(who)
            text = " ".join((r["Job Role"], r.get("Position Title", ""), r["Area of Work"]))
            if EVIDENCE.search(text) or r["Occupation Code"].startswith("T"):
                if r["Staff Group"] == "Medical and Dental":
                    decoy[org] += 1
                else:
                    evidence[org] += 1
    hcs_leavers: dict[str, set[str]] = defaultdict(set)
    for r in leavers.rows:
        if r["Staff Group"] == HCS and r["Assignment Category"] in SUBSTANTIVE:
            hcs_leavers[org_of(r)].add(person_of(r))
    lv_rows = Counter(org_of(r) for r in leavers.rows)
    for org in set(rows) | set(lv_rows):
        out[org] = {
            "hcs_headcount": len(people[org]),
            "hcs_fte": round(fte[org], 3),
            "hcs_assignments": assignments[org],
            "hcs_people_with_two_assignments": sum(
                1 for (o, _), n in per_person.items() if o == org and n > 1
            ),
            "hcs_in_post_not_available": unavailable[org],
            "hcs_bank_assignments": bank[org],
            "hcs_honorary_assignments": honorary[org],
            "hcs_bank_or_honorary_only_people": len(hcs_any[org] - people[org]),
            "hcs_leavers": len(hcs_leavers[org]),
            "staff_in_post_rows": rows[org],
            "leavers_rows": lv_rows[org],
            "other_staff_rows": sum(other[org].values()),
            "other_staff_people": len(other_people[org]),
            "other_staff_rows_by_staff_group": dict(other[org]),
            "forgotten_rows": evidence[org],
            "decoy_rows": decoy[org],
        }
    return dict(out)
