"""Likely healthcare scientists in other staff groups: exactly which rows of a hand-built extract are listed."""

from __future__ import annotations

import polars as pl
import pytest

from hcsworkforce.analytics.discovery import (
    FRAME_SCHEMA,
    finding_for_likely_hcs,
    likely_hcs,
    load_terms,
    shipped_terms,
)
from hcsworkforce.reference import read_table
from tests.discovery.extracts import RGM_STAFF_IN_POST, RGT_STAFF_IN_POST, RJ1_STAFF_IN_POST, to_frame

# Hand-checked against RGT_STAFF_IN_POST (spreadsheet rows; the header is row 3 after two title lines).
RGT_LISTED = {
    14: "strong",  # Add Prof Sci & Tech, position title 'Clinical Physiologist'
    15: "strong",  # AHP 'Audiologist'
    16: "strong",  # Additional Clinical Services 'Medical Laboratory Assistant' in Pathology
    17: "possible",  # 'Audiology Support Worker' in Audiology: one term, twice
    18: "possible",  # Healthcare Assistant whose only evidence is the area of work 'Cardiac Physiology'
    19: "strong",  # Estates 'EBME Technician' in Biomedical Engineering
    37: "strong",  # Admin & Clerical 'Genetic Counsellor' in Genetics
    42: "strong",  # Add Prof Sci & Tech 'Medical Physics Technician'
    43: "possible",  # 'Research Scientist', job role 'Scientist': a generic word
    44: "strong",  # 'Haematology Support Worker' in Pathology: two different terms
}
# Rows a reviewer would laugh to see listed, and why they are not.
RGT_NOT_LISTED = {
    20: "Estates porter in Biomedical Engineering (negative: porter)",
    21: "Pathology Secretary (negative: secretary)",
    22: "nurse on a Cardiology ward (no evidence; negative: nurse)",
    23: "Respiratory Nurse Specialist in Respiratory Physiology (negative: nurse)",
    24: "Deputy Chief Nurse",
    28: "Physiotherapist (not a physiologist)",
    30: "Radiographer in Nuclear Medicine (negative: radiographer)",
    31: "Consultant Chemical Pathologist (Medical and Dental is never listed)",
    32: "Consultant Microbiologist (Medical and Dental)",
    33: "Clinical Informatics Lead (clinical informatics is too broad, ignored)",
    34: "Pharmacist in Radiopharmacy (negative job role: pharmacist)",
    35: "Audiology Receptionist (negative: receptionist)",
    36: "Phlebotomist (negative)",
    38: "Healthcare Assistant on Ward 7 Haematology (negative: ward)",
    39: "Data Scientist (negative)",
    40: "PA to the Chief Scientific Officer (negative: pa)",
    41: "Healthcare Science Business Manager (negative: business manager)",
}
RGT_HCS_ROWS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 45, 46]


@pytest.fixture(scope="module")
def rgt() -> pl.DataFrame:
    return to_frame(RGT_STAFF_IN_POST)


def test_exactly_the_hand_checked_rows_are_listed_with_their_strength(rgt: pl.DataFrame) -> None:
    out = likely_hcs(rgt)
    assert dict(zip(out["__row"].to_list(), out["strength"].to_list(), strict=True)) == RGT_LISTED


def test_false_cases_and_hcs_rows_are_not_listed(rgt: pl.DataFrame) -> None:
    listed = set(likely_hcs(rgt)["__row"].to_list())
    assert not listed & set(RGT_NOT_LISTED), {r: RGT_NOT_LISTED[r] for r in listed & set(RGT_NOT_LISTED)}
    assert not listed & set(RGT_HCS_ROWS)
    # Row numbers are as a spreadsheet shows them: the first assignment is on row 4, after the header on row 3.
    assert set(rgt["__row"].to_list()) == set(range(4, 4 + rgt.height))


def test_evidence_names_every_piece(rgt: pl.DataFrame) -> None:
    out = {r["__row"]: r for r in likely_hcs(rgt).iter_rows(named=True)}
    assert out[14]["evidence"] == (
        "position title 'Clinical Physiologist' names a healthcare science role (Physiological Sciences)"
    )
    assert out[15]["evidence"] == (
        "job role 'Audiologist' names the Audiology specialism; "
        "position title 'Audiologist' names the Audiology specialism; "
        "area of work 'Audiology' is an HCS specialism"
    )
    assert out[15]["matched_fields"] == ["job_role", "position_title", "area_of_work"]
    assert out[15]["specialism_ids"] == ["audiology"]
    assert out[16]["evidence"] == (
        "position title 'Medical Laboratory Assistant' names a healthcare science role "
        "(Healthcare Science Assistant, Life Sciences); area of work 'Pathology' names an HCS theme (Life Sciences)"
    )
    assert out[16]["career_level"] == "assistant"
    assert out[18]["evidence"] == "area of work 'Cardiac Physiology' is an HCS specialism (Cardiac Science)"
    assert out[18]["specialism_ids"] == ["cardiac_science"]
    assert out[43]["evidence"] == (
        "job role 'Scientist' could name a healthcare science role; "
        "position title 'Research Scientist' could name a healthcare science role ('scientist')"
    )
    assert out[44]["specialism_ids"] == ["haematology_and_transfusion_science"]
    assert out[14]["staff_group"] == "Add Prof Scientific and Technic"


def test_other_trusts_and_the_warehouse_layout() -> None:
    rgm = likely_hcs(to_frame(RGM_STAFF_IN_POST))
    assert rgm.select("__row", "strength", "specialism_ids").rows() == [
        (8, "strong", ["clinical_perfusion_science"])
    ]
    rj1 = likely_hcs(to_frame(RJ1_STAFF_IN_POST))
    assert rj1.select("__row", "strength", "matched_fields").rows() == [
        (7, "strong", ["position_title", "area_of_work"])
    ]
    assert rj1["evidence"][0] == (
        "position title 'Director of Healthcare Science' names a healthcare science role ('healthcare science'); "
        "area of work 'Healthcare Science' names healthcare science"
    )


def _frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    base = {k: None for k in FRAME_SCHEMA} | {"is_hcs": False, "person_key": "p", "organisation_code": "RGT"}
    return pl.DataFrame([base | {"__row": i + 2} | r for i, r in enumerate(rows)], schema=FRAME_SCHEMA)


def test_occupation_code_in_the_u_matrix_is_strong_evidence() -> None:
    # is_hcs false with a U code happens when a local rule file takes a row out; the code is still evidence.
    out = likely_hcs(_frame([{"staff_group": "Administrative and Clerical", "occupation_code": "uaa"}]))
    assert out["strength"].to_list() == ["strong"]
    assert out["evidence"][0] == "occupation code 'uaa' is in the U matrix (healthcare science)"


def test_rows_in_the_hcs_workforce_and_medical_staff_are_never_listed() -> None:
    frame = _frame(
        [
            {"staff_group": "Healthcare Scientists", "is_hcs": True, "position_title": "Clinical Scientist"},
            {"staff_group": "Medical and Dental", "position_title": "Clinical Scientist"},
            {"staff_group": "medical & dental", "position_title": "Audiologist"},
            {"staff_group": None, "position_title": "Audiologist"},
            {"staff_group": "Students", "is_hcs": None, "position_title": "Trainee Clinical Scientist"},
        ]
    )
    # A null staff group or is_hcs is screened (the row is not in the HCS workforce), never skipped.
    assert likely_hcs(frame)["__row"].to_list() == [5, 6]


def test_whole_words_only_and_the_longest_phrase_wins() -> None:
    frame = _frame(
        [
            {"staff_group": "Allied Health Professionals", "position_title": "Physiotherapy Assistant"},
            {"staff_group": "Additional Clinical Services", "position_title": "Audiologyx Helper"},
            {
                "staff_group": "Add Prof Scientific and Technic",
                "position_title": "Consultant Clinical Scientist",
            },
        ]
    )
    out = likely_hcs(frame)
    assert out["__row"].to_list() == [4]
    assert out["career_level"][0] == "consultant"
    assert "('clinical scientist')" not in out["evidence"][0]


def test_a_users_own_terms_extend_the_shipped_table() -> None:
    frame = _frame([{"staff_group": "Additional Clinical Services", "position_title": "Gamma Camera Helper"}])
    assert likely_hcs(frame).height == 0
    extra = {
        "term": "Gamma Camera",
        "kind": "specialism",
        "fields": "position_title",
        "specialism_id": "nuclear_medicine",
        "strength": "possible",
    }
    terms = load_terms([*read_table("hcs_evidence_terms"), extra])
    out = likely_hcs(frame, terms)
    assert out.select("strength", "specialism_ids").rows() == [("possible", ["nuclear_medicine"])]


def test_a_broken_terms_row_is_refused_with_its_row() -> None:
    with pytest.raises(ValueError, match=r"row 2 \('x'\): strength None"):
        load_terms([{"term": "x", "kind": "role", "fields": "job_role", "strength": ""}])
    with pytest.raises(ValueError, match="specialism_id 'astrology'"):
        load_terms(
            [
                {
                    "term": "x",
                    "kind": "role",
                    "fields": "job_role",
                    "strength": "strong",
                    "specialism_id": "astrology",
                }
            ]
        )
    with pytest.raises(ValueError, match="lacks column"):
        likely_hcs(pl.DataFrame({"__row": [2]}))


def test_the_finding_gives_rows_and_evidence_never_ids(rgt: pl.DataFrame) -> None:
    finding = finding_for_likely_hcs(likely_hcs(rgt))
    assert set(finding) == {"check", "severity", "count", "detail", "examples"}
    assert finding["check"] == "likely_hcs_in_other_staff_group"
    assert finding["severity"] == "warning"
    assert finding["count"] == 10
    assert "7 strong, 3 possible" in finding["detail"]
    assert "Additional Clinical Services 4" in finding["detail"]
    assert len(finding["examples"]) == 10
    # Strong first, in row order; then the possible ones.
    assert finding["examples"][0].startswith("row 14 (strong): position title 'Clinical Physiologist'")
    assert [e.split(" ")[1] for e in finding["examples"]] == [
        "14",
        "15",
        "16",
        "19",
        "37",
        "42",
        "44",
        "17",
        "18",
        "43",
    ]
    text = " ".join(finding["examples"])
    for key in rgt["person_key"].to_list():
        assert key not in text
    assert "2010" not in text  # no employee or assignment number


def test_no_rows_give_an_info_finding() -> None:
    empty = likely_hcs(_frame([{"staff_group": "Healthcare Scientists", "is_hcs": True}]))
    assert finding_for_likely_hcs(empty) == {
        "check": "likely_hcs_in_other_staff_group",
        "severity": "info",
        "count": 0,
        "detail": "no rows of other staff groups look like healthcare scientists",
        "examples": [],
    }


def test_shipped_terms_load() -> None:
    kinds = {t.kind for t in shipped_terms().terms}
    assert {"role", "specialism", "theme", "occupation_prefix", "negative", "lead"} <= kinds
