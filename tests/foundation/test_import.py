"""Import: every bad-input case names the row and column, exits 2 and leaves the database unchanged;
good files in every common shape load, and a re-import of the same census replaces it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hcsworkforce.errors import UserInputError
from hcsworkforce.services.imports import import_extract
from hcsworkforce.store import open_store
from tests.conftest import run_cli
from tests.foundation.fixtures import CENSUS, HAND_ROWS, HEADER, hand_files, write_extract

GOOD = "G1,1,RGT,Clinical Biochemistry,practitioner,Band 5,1.0,1990-06-01,F,2015-01-01,,"


def _loaded_store(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A store that already holds one good census, so 'unchanged' is a real check."""
    store = open_store(db_url, migrate=True)
    extract, est = hand_files(tmp_path)
    import_extract(extract, store, census_date=date(2024, 3, 31), establishment=est)
    return store


# (case id, rows, header, row number expected, column expected, text expected in message)
BAD_CASES = [
    (
        "unknown_specialism",
        [GOOD, "G2,1,RGT,Astrology,practitioner,Band 5,1.0,1990-06-01,F,2015-01-01,,"],
        HEADER,
        3,
        "Specialism",
        "is not a healthcare science specialism",
    ),
    (
        "band_out_of_range",
        [GOOD, "G2,1,RGT,Audiology,practitioner,Band 10,1.0,1990-06-01,F,2015-01-01,,"],
        HEADER,
        3,
        "Pay Band",
        "is not an Agenda for Change band",
    ),
    (
        "fte_not_a_number",
        ["G2,1,RGT,Audiology,practitioner,5,full,1990-06-01,F,2015-01-01,,", GOOD],
        HEADER,
        2,
        "Contracted WTE",
        "is not a number",
    ),
    (
        "fte_too_big",
        [GOOD, GOOD.replace("G1", "G2").replace(",1.0,", ",1.6,")],
        HEADER,
        3,
        "Contracted WTE",
        "outside the range",
    ),
    (
        "fte_zero",
        [GOOD, GOOD.replace("G1", "G2").replace(",1.0,", ",0,")],
        HEADER,
        3,
        "Contracted WTE",
        "outside the range",
    ),
    (
        "dob_in_future",
        [GOOD, GOOD.replace("G1", "G2").replace("1990-06-01", "2090-06-01")],
        HEADER,
        3,
        "Date of Birth",
        "in the future",
    ),
    (
        "age_under_16",
        [GOOD, GOOD.replace("G1", "G2").replace("1990-06-01", "2015-06-01")],
        HEADER,
        3,
        "Date of Birth",
        "outside 16-80",
    ),
    (
        "age_over_80",
        [GOOD, GOOD.replace("G1", "G2").replace("1990-06-01", "1930-06-01")],
        HEADER,
        3,
        "Date of Birth",
        "outside 16-80",
    ),
    (
        "end_before_start",
        [GOOD, "G2,1,RGT,Audiology,assistant,3,1,1990-01-01,F,2020-01-01,2019-06-30,Other"],
        HEADER,
        3,
        "Termination Date",
        "before the start date",
    ),
    (
        "duplicate_assignment",
        [GOOD, GOOD, GOOD.replace("G1", "G3")],
        HEADER,
        3,
        "Assignment Number",
        "duplicate assignment",
    ),
    (
        "date_not_a_date",
        [GOOD, GOOD.replace("G1", "G2").replace("2015-01-01", "next tuesday")],
        HEADER,
        3,
        "Hire Date",
        "is not a date",
    ),
    (
        "bad_ods_code",
        [GOOD, GOOD.replace("G1", "G2").replace("RGT", "R!T")],
        HEADER,
        3,
        "Organisation",
        "not an ODS organisation code",
    ),
    (
        "missing_required_column",
        ["G1,1,RGT"],
        "Employee Number,Assignment Number,Organisation",
        1,
        "specialism",
        "required column specialism is missing",
    ),
    ("header_only", [], HEADER, None, None, "no data rows"),
]


@pytest.mark.parametrize(
    ("case", "rows", "header", "row", "column", "text"), BAD_CASES, ids=[c[0] for c in BAD_CASES]
)
def test_bad_input_is_located_exits_2_and_writes_nothing(
    case: str,
    rows: list[str],
    header: str,
    row: int | None,
    column: str | None,
    text: str,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = _loaded_store(db_url, tmp_path)
    before = store.counts()
    bad = write_extract(tmp_path / f"{case}.csv", rows, header=header)
    code, out, err = run_cli(["import", str(bad), "--census-date", "2024-06-30", "--db", db_url], capsys)
    assert code == 2, err
    assert "Traceback" not in err and out == ""
    assert text in err
    assert f"{case}.csv" in err
    if row is not None:
        assert f"row {row}" in err
    if column is not None:
        assert f"column {column}" in err
    assert store.counts() == before, "a rejected import must write nothing"
    assert store.census_dates() == [date(2024, 3, 31)]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    rows = [
        "A,1,RGT,Astrology,practitioner,Band 5,1.0,1990-06-01,F,2015-01-01,,",
        "B,1,RGT,Audiology,practitioner,Band 11,1.0,1990-06-01,F,2015-01-01,,",
        "C,1,RGT,Audiology,practitioner,Band 5,2.0,1990-06-01,F,2015-01-01,,",
    ]
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}", migrate=True)
    with pytest.raises(UserInputError) as e:
        import_extract(write_extract(tmp_path / "three.csv", rows), store, census_date=date(2024, 3, 31))
    assert e.value.total == 3
    assert [p.row for p in e.value.problems] == [2, 3, 4]
    assert {p.column for p in e.value.problems} == {"Specialism", "Pay Band", "Contracted WTE"}


def test_many_problems_are_capped_with_a_count(tmp_path: Path) -> None:
    rows = [f"S{i},1,RGT,Astrology,practitioner,Band 5,1.0,1990-06-01,F,2015-01-01,," for i in range(500)]
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}", migrate=True)
    with pytest.raises(UserInputError) as e:
        import_extract(write_extract(tmp_path / "many.csv", rows), store, census_date=date(2024, 3, 31))
    assert e.value.total == 500 and len(e.value.problems) == 200
    assert "500 in all" in e.value.summary()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.csv", b""),
        ("blank.csv", b"\n\n  \n"),
        ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
        ("prose.txt", b"Dear planner,\nplease find the figures attached.\nRegards\n"),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook"),
    ],
)
def test_files_that_are_not_tables_are_refused_clearly(
    name: str, data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / name
    p.write_bytes(data)
    db = f"sqlite:///{tmp_path / 'x.db'}"
    code, _, err = run_cli(["import", str(p), "--census-date", CENSUS, "--db", db], capsys)
    assert code == 2
    assert name in err and "Traceback" not in err


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(
        ["import", str(tmp_path / "nope.csv"), "--db", f"sqlite:///{tmp_path / 'x.db'}"], capsys
    )
    assert code == 2 and "file not found" in err


@pytest.mark.parametrize(
    ("label", "transform"),
    [
        ("utf8", lambda text: text.encode("utf-8")),
        ("utf8_bom", lambda text: b"\xef\xbb\xbf" + text.encode("utf-8")),
        ("cp1252", lambda text: text.encode("cp1252")),
        ("semicolon", lambda text: text.replace(",", ";").encode("utf-8")),
        ("tab", lambda text: text.replace(",", "\t").encode("utf-8")),
        ("crlf", lambda text: text.replace("\n", "\r\n").encode("utf-8")),
    ],
)
def test_common_csv_shapes_load_the_same(label: str, transform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A leaving reason with a Windows-1252 character proves the decoding, not just the parsing.
    rows = [r.replace("Voluntary Resignation", "Résignation") for r in HAND_ROWS]
    text = "\n".join([HEADER, *rows]) + "\n"
    p = tmp_path / f"{label}.csv"
    p.write_bytes(transform(text))
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}", migrate=True)
    result = import_extract(p, store, census_date=date(2024, 3, 31))
    assert result.people_in_post == 5 and result.assignments_in_post == 6 and result.leaver_rows == 3
    reasons = set(store.leavers()["leaving_reason"].to_list())
    assert "Résignation" in reasons


def test_xlsx_loads_like_csv(tmp_path: Path) -> None:
    csv_path, _ = hand_files(tmp_path)
    frame = pl.read_csv(csv_path, infer_schema=False)
    frame = frame.with_columns(
        pl.col("Contracted WTE").cast(pl.Float64), pl.col("Date of Birth").str.to_date()
    )
    xlsx = tmp_path / "extract.xlsx"
    frame.write_excel(xlsx)
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}", migrate=True)
    result = import_extract(xlsx, store, census_date=date(2024, 3, 31))
    assert result.people_in_post == 5 and result.leaver_rows == 3
    assert sorted(store.staff()["age"].to_list()) == [24, 24, 33, 44, 55, 59]


def test_reimport_of_the_same_census_replaces_it_atomically(db_url: str, tmp_path: Path) -> None:
    store = _loaded_store(db_url, tmp_path)
    first = store.counts()
    keys = sorted(store.staff()["staff_key"].to_list())
    extract, est = hand_files(tmp_path)
    result = import_extract(extract, store, census_date=date(2024, 3, 31), establishment=est)
    assert result.replaced
    assert store.counts() == first
    assert sorted(store.staff()["staff_key"].to_list()) == keys


def test_identifiers_are_pseudonymised_and_dates_of_birth_not_stored(db_url: str, tmp_path: Path) -> None:
    store = _loaded_store(db_url, tmp_path)
    staff = store.staff()
    assert not set(staff["staff_key"]) & {"P1", "P2", "P3", "P4", "P5"}
    assert staff["staff_key"].n_unique() == 5
    assert "date_of_birth" not in staff.columns
    with store.connect() as conn:
        from sqlalchemy import text

        dumped = " ".join(str(r) for r in conn.execute(text("SELECT * FROM assignments")).all())
    assert "P1" not in dumped and "1990-06-01" not in dumped


def test_unknown_organisation_is_loaded_and_flagged(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}", migrate=True)
    extract, _ = hand_files(tmp_path)
    result = import_extract(extract, store, census_date=date(2024, 3, 31))
    unknown = [f for f in result.findings if f["check"] == "unknown_organisation"]
    assert unknown and unknown[0]["examples"] == ["ZZZ01"]
    assert "ZZZ01" in store.staff()["organisation_code"].to_list()


def test_establishment_errors_are_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extract, _ = hand_files(tmp_path)
    est = tmp_path / "est.csv"
    est.write_text("organisation_code,specialism,career_level,funded_fte\nRGT,Audiology,assistant,lots\n")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    code, _, err = run_cli(
        ["import", str(extract), "--establishment", str(est), "--census-date", CENSUS, "--db", db], capsys
    )
    assert code == 2 and "est.csv, row 2, column funded_fte" in err
    assert open_store(db).counts()["assignments"] == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600) | st.text(max_size=400).map(lambda s: s.encode("utf-8")))
def test_fuzzed_files_never_crash_the_importer(data: bytes, tmp_path: Path) -> None:
    p = tmp_path / "fuzz.csv"
    p.write_bytes(HEADER.encode() + b"\n" + data)
    store = open_store(f"sqlite:///{tmp_path / 'fuzz.db'}", migrate=True)
    before = store.counts()
    try:
        import_extract(p, store, census_date=date(2024, 3, 31))
    except UserInputError as e:
        assert e.problems, "a rejection must say what is wrong"
        assert store.counts() == before


def test_establishment_names_the_candidates_of_an_ambiguous_specialism(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extract, _ = hand_files(tmp_path)
    est = tmp_path / "est.csv"
    est.write_text("organisation_code,specialism,career_level,funded_fte\nRGT,clinical,practitioner,2.0\n")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    code, _, err = run_cli(
        ["import", str(extract), "--establishment", str(est), "--census-date", CENSUS, "--db", db], capsys
    )
    assert code == 2 and "est.csv, row 2, column specialism" in err
    assert "is ambiguous: it could be Clinical" in err
    assert open_store(db).counts()["assignments"] == 0
