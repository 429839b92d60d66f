"""`hcs synth --layout esr`: the reports look as docs/esr-extracts.md says ESR writes them, and the answer key
(--truth) equals an independent count of the files made with the csv module.

Layout source: docs/esr-extracts.md (the contract), built from shared/reference/nhs_data_layouts.md [P/U]."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from hcsworkforce import reference
from tests.synth.conftest import RATIO, STAFF, Made, hcs
from tests.synth.esr_count import ESR_HEADER, LEAVER_EXTRA, count, person_of, read_report

DATE = re.compile(r"^\d{2}/\d{2}/\d{4} 00:00:00$")
PAY_BAND = re.compile(r"^Band [1-7]$|^Band 8 - Range [A-D]$|^Band 9$")
HIERARCHY = re.compile(r"^(\d{3}) (\S+) (.+) L(\d)$")
STAFF_GROUPS = {
    "Healthcare Scientists",
    "Nursing and Midwifery Registered",
    "Allied Health Professionals",
    "Add Prof Scientific and Technic",
    "Additional Clinical Services",
    "Administrative and Clerical",
    "Estates and Ancillary",
    "Medical and Dental",
    "Students",
}
STATUSES = {
    "Active Assignment",
    "Maternity & Adoption",
    "Career Break",
    "Internal Secondment",
    "External Secondment",
    "Suspend Assignment",
    "Acting Up",
}


def _day(text: str) -> datetime:
    return datetime.strptime(text, "%d/%m/%Y 00:00:00")


def test_title_lines_and_headers(esr_files: Made) -> None:
    sip, leavers = read_report(esr_files.sip), read_report(esr_files.leavers)
    assert sip.titles == ["Staff in Post", "Report Date: 31/03/2025"]
    assert leavers.titles == ["Leavers", "Period: 01/04/2024 to 31/03/2025"]
    assert sip.header == ESR_HEADER
    assert leavers.header == ESR_HEADER + LEAVER_EXTRA
    assert esr_files.sip.read_text().splitlines()[2].startswith("Employee Number,Assignment Number,")


def test_values_have_esr_shapes(esr_files: Made) -> None:
    sip, leavers = read_report(esr_files.sip), read_report(esr_files.leavers)
    trusts = reference.trusts()
    vpd = {org: o["vpd_code"] for org, o in esr_files.truth["organisations"].items()}
    primaries: Counter[str] = Counter()
    for r in sip.rows + leavers.rows:
        m = HIERARCHY.match(r["Organisation"])
        assert m, r["Organisation"]
        assert m.group(2) in trusts and int(m.group(1)) == vpd[m.group(2)]
        assert r["Staff Group"] in STAFF_GROUPS
        assert r["Gender"] in ("Female", "Male")
        assert r["Assignment Status"] in STATUSES
        assert r["Primary Assignment"] in ("Yes", "No")
        emp, asg = r["Employee Number"], r["Assignment Number"]
        assert asg == emp or re.fullmatch(rf"{emp}-[23]", asg), (emp, asg)
        assert (asg == emp) == (r["Primary Assignment"] == "Yes")
        for col in ("Date of Birth", "Hire Date"):
            assert DATE.match(r[col]), (col, r[col])
        assert r["Latest Start Date"] == "" or DATE.match(r["Latest Start Date"])
        start = r["Latest Start Date"] or r["Hire Date"]
        assert _day(r["Date of Birth"]) < _day(r["Hire Date"]) <= _day(start)
        if r["Pay Band"]:
            assert PAY_BAND.match(r["Pay Band"]), r["Pay Band"]
            assert r["Grade"] == "Review Body " + r["Pay Band"]
        else:
            assert r["Staff Group"] in ("Medical and Dental", "Students") and r["Grade"]
        assert r["Contracted Wte"] == r["FTE"]
        hours = 40.0 if r["Staff Group"] == "Medical and Dental" else 37.5
        assert float(r["Contracted Hours"]) == pytest.approx(float(r["FTE"]) * hours, abs=0.006)
        if r["Assignment Category"] in ("Bank", "Honorary"):
            assert float(r["FTE"]) == 0.0
        else:
            assert r["Assignment Category"] in ("Permanent", "Fixed Term Temp") and float(r["FTE"]) > 0
        code = r["Occupation Code"]
        if r["Staff Group"] == "Healthcare Scientists":
            assert code == "" or re.fullmatch(r"U[A-Z0-9]{2}", code), code
        else:
            assert not code.startswith("U"), code
    for r in sip.rows:
        primaries[r["Employee Number"]] += r["Primary Assignment"] == "Yes"
    assert set(primaries.values()) == {1}  # every person has exactly one primary assignment
    report_day = datetime(2025, 3, 31)
    for r in leavers.rows:
        assert datetime(2024, 4, 1) <= _day(r["Termination Date"]) <= report_day
        assert r["Leaving Reason"] and r["Leaver Destination"] in (
            "NHS Organisation",
            "No Employment",
            "Private Health/Social Care",
            "Unknown",
        )
    in_post = {r["Employee Number"] for r in sip.rows}
    assert not in_post & {r["Employee Number"] for r in leavers.rows}


def test_uaa_is_only_a_blood_sciences_consultant() -> None:
    """UAA is the one U-matrix code seen (Consultant Healthcare Scientist, Blood Sciences): where written, it
    must mean that, since the importer may take the career level from it. (A larger population than the
    files', with no other staff: a 600-person file may hold no Blood Sciences consultant.)"""
    from hcsworkforce.synth.esr import esr_reports

    reports = esr_reports(staff=20_000, seed=5, orgs=20, other_staff_ratio=0.0)
    sip = reports.staff_in_post
    uaa = sip.filter(sip["occupation_code"] == "UAA")
    assert uaa.height > 0
    blood = {s.name for s in reference.specialisms().values() if s.theme == "Blood Sciences"}
    assert set(uaa["band"].unique()) <= {"8c", "8d", "9"}
    assert set(uaa["dept"].unique()) == {"Blood Sciences"}
    assert (
        set(uaa["position_title"].str.split(" - ").list.last().unique()) - {"Head of Healthcare Science"}
        <= blood
    )


def test_answer_key_equals_an_independent_count(esr_files: Made) -> None:
    counted = count(read_report(esr_files.sip), read_report(esr_files.leavers))
    truth = esr_files.truth["organisations"]
    assert set(counted) == {o for o, t in truth.items() if t["staff_in_post_rows"] or t["leavers_rows"]}
    for org, c in counted.items():
        t = truth[org]
        for key in (
            "hcs_headcount",
            "hcs_assignments",
            "hcs_people_with_two_assignments",
            "hcs_in_post_not_available",
            "hcs_bank_assignments",
            "hcs_honorary_assignments",
            "hcs_leavers",
            "staff_in_post_rows",
            "leavers_rows",
            "other_staff_rows",
            "other_staff_rows_by_staff_group",
            "forgotten_rows",
            "decoy_rows",
        ):
            assert c[key] == t[key], (org, key)
        assert c["hcs_fte"] == pytest.approx(t["hcs_fte"], abs=1e-6)
        assert (
            c["hcs_bank_or_honorary_only_people"] == t["hcs_bank_only_people"] + t["hcs_honorary_only_people"]
        )
    england = esr_files.truth["england"]
    assert england["hcs_headcount"] == STAFF  # --staff is the healthcare scientists in post
    assert england["forgotten_rows"] > 0 and england["decoy_rows"] > 0
    assert england["hcs_bank_only_people"] > 0 and england["hcs_honorary_only_people"] > 0
    assert england["hcs_people_with_two_assignments"] > 0 and england["hcs_in_post_not_available"] > 0


def test_other_staff_ratio_and_staff_group_mix(esr_files: Made) -> None:
    counted = count(read_report(esr_files.sip), read_report(esr_files.leavers))
    others = sum(c["other_staff_people"] for c in counted.values())
    assert others / STAFF == pytest.approx(RATIO, abs=0.05)
    groups: Counter[str] = Counter()
    for c in counted.values():
        groups.update(c["other_staff_rows_by_staff_group"])
    total = sum(groups.values())
    expected = {  # roughly the NHS headcount mix (invented, docs/synthetic-data.md)
        "Nursing and Midwifery Registered": 0.27,
        "Additional Clinical Services": 0.22,
        "Administrative and Clerical": 0.22,
        "Medical and Dental": 0.10,
        "Allied Health Professionals": 0.07,
        "Estates and Ancillary": 0.07,
        "Add Prof Scientific and Technic": 0.04,
        "Students": 0.01,
    }
    assert set(groups) == set(expected)
    for group, share in expected.items():
        assert groups[group] / total == pytest.approx(share, abs=0.03), group


def test_hierarchy_names_no_trust_but_its_own(esr_files: Made) -> None:
    """The importer takes the first token that is a trust code (or shaped like one): no department word may
    look like one, or rows would land in the wrong trust."""
    trusts = set(reference.trusts())
    for r in read_report(esr_files.sip).rows:
        _vpd, _ods, *rest = r["Organisation"].split(" ")
        for token in rest:
            assert token not in trusts and not re.fullmatch(r"R[A-Z0-9]{2}", token), r["Organisation"]


def test_healthcare_scientist_coding(esr_files: Made) -> None:
    rows = [r for r in read_report(esr_files.sip).rows if r["Staff Group"] == "Healthcare Scientists"]
    roles = {r["Job Role"] for r in rows}
    for role in ("Consultant Healthcare Scientist", "Clinical Scientist", "Biomedical Scientist",
                 "Healthcare Science Practitioner", "Healthcare Science Associate", "Healthcare Science Assistant",
                 "Medical Laboratory Assistant", "Technician - Healthcare Scientists", "Trainee Scientist",
                 "Trainee Practitioner", "Healthcare Scientist"):  # fmt: skip
        assert role in roles, role
    names = {s.name for s in reference.specialisms().values()}
    areas = Counter(r["Area of Work"] in names for r in rows)
    assert areas[True] > 0.8 * len(rows)  # mostly one MSC specialism
    vague = {r["Area of Work"] for r in rows} - names
    assert vague and vague <= {"Pathology", "Blood Sciences", "Cellular Pathology", "Immunology",
                               "Clinical Physiology", "Biomedical Science", "Phlebotomy"}  # fmt: skip
    heads = [r for r in rows if r["Position Title"] == "Head of Healthcare Science"]
    assert heads and len({r["Organisation"].split(" ")[1] for r in heads}) == len(heads)  # one per trust


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path, esr_files: Made) -> None:
    from tests.synth.conftest import _make

    again = _make(tmp_path, "esr")
    assert again.sip.read_bytes() == esr_files.sip.read_bytes()
    assert again.leavers.read_bytes() == esr_files.leavers.read_bytes()
    assert again.truth == esr_files.truth
    other = _make(tmp_path / "other", "esr", seed=8)
    assert other.sip.read_bytes() != esr_files.sip.read_bytes()


def test_default_layout_is_one_constant_and_canonical_is_unchanged(tmp_path: Path) -> None:
    from datetime import date

    from hcsworkforce.cli.synth import DEFAULT_LAYOUT
    from hcsworkforce.synth.workforce import synthesise, write

    common = ["--staff", "200", "--seed", "3", "--organisations", "4"]
    assert hcs("synth", *common, "--out", str(tmp_path / "default.csv")) == 0
    assert hcs("synth", *common, "--layout", DEFAULT_LAYOUT, "--out", str(tmp_path / "named.csv")) == 0
    assert (tmp_path / "default.csv").read_bytes() == (tmp_path / "named.csv").read_bytes()
    assert hcs("synth", *common, "--layout", "canonical", "--out", str(tmp_path / "canonical.csv")) == 0
    write(synthesise(staff=200, seed=3, census_date=date(2025, 3, 31), orgs=4), tmp_path / "direct.csv")
    assert (tmp_path / "canonical.csv").read_bytes() == (tmp_path / "direct.csv").read_bytes()


def test_primary_assignment_carries_the_person(esr_files: Made) -> None:
    """A person's assignments agree on who they are (date of birth, gender, organisation)."""
    seen: dict[str, tuple[str, str, str]] = {}
    for r in read_report(esr_files.sip).rows:
        who = (r["Date of Birth"], r["Gender"], r["Organisation"].split(" ")[1])
        assert seen.setdefault(person_of(r), who) == who
