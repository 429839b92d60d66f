"""Reference data: every value sourced and dated; look-ups behave as the importer needs."""

from __future__ import annotations

import pytest

from hcsworkforce import reference


@pytest.mark.parametrize("table", reference.table_names())
def test_every_reference_row_has_a_source_date_and_verification_status(table: str) -> None:
    rows = reference.read_table(table)
    assert rows, f"{table} is empty"
    for i, row in enumerate(rows, start=2):
        assert (row.get("source") or "").strip(), f"{table}.csv row {i} has no source"
        assert (row.get("as_of") or "").strip(), f"{table}.csv row {i} has no as_of date"
        assert row.get("verified") in reference.VERIFIED_VALUES, (
            f"{table}.csv row {i}: verified={row.get('verified')!r}"
        )


def test_taxonomy_has_four_divisions_and_45_to_60_specialisms() -> None:
    # The "specialism not known" entries (a theme or division from an ESR Area of Work) are not specialisms.
    specs = {k: s for k, s in reference.specialisms().items() if s.status != "not_known"}
    assert 45 <= len(specs) <= 60
    not_known = [s for s in reference.specialisms().values() if s.status == "not_known"]
    assert not_known and all(s.name.endswith("(specialism not known)") for s in not_known)
    assert {s.division_id for s in specs.values()} == set(reference.divisions())
    assert len(reference.divisions()) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Clinical Biochemistry", "clinical_biochemistry"),
        ("clinical biochem", "clinical_biochemistry"),
        ("CLINICAL  BIOCHEMISTRY", "clinical_biochemistry"),
        ("Haematology & Transfusion Science", "haematology_and_transfusion_science"),
        ("genetics", "genomics"),
        ("Cardiac Physiology", "cardiac_science"),
        ("Embryology (Clinical Embryology)", "embryology"),
    ],
)
def test_specialism_spellings_resolve(text: str, expected: str) -> None:
    assert reference.resolve_specialism(text) == (expected, [])


def test_ambiguous_and_unknown_specialisms_do_not_resolve() -> None:
    sid, candidates = reference.resolve_specialism("clinical")
    assert sid is None and len(candidates) > 1
    assert reference.resolve_specialism("astrology") == (None, [])


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("Band 5", "5"),
        ("B5", "5"),
        ("5", "5"),
        ("band 8A", "8a"),
        ("AfC Band 8d", "8d"),
        ("9", "9"),
        ("Band 10", None),
        ("8e", None),
        ("0", None),
        ("", None),
    ],
)
def test_band_spellings(text: str, band: str | None) -> None:
    assert reference.resolve_band(text) == band


def test_trusts_cover_the_seven_regions() -> None:
    trusts = reference.trusts()
    assert len(trusts) > 200
    assert {t.region_code for t in trusts.values()} == set(reference.regions())
    assert trusts["RGT"].region_code == "Y61"


def test_training_programmes_have_durations_and_exit_levels() -> None:
    progs = reference.training_programmes()
    assert progs["stp"].duration_years == 3 and progs["stp"].exit_level == "clinical_scientist"
    assert progs["hsst"].duration_years == 5 and progs["hsst"].exit_level == "consultant"
    assert reference.resolve_training_programme("Level 4") == "apprenticeship_l4"
