"""Each published layout reads from its fixture with hand-checked values; suppressed cells stay suppressed;
bad files are refused with the file, row, column, value and what was expected."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hcsworkforce.errors import UserInputError
from hcsworkforce.ingest.published import read_published
from hcsworkforce.ingest.published.common import parse_period
from hcsworkforce.ingest.published.etr import read_etr
from tests.published.conftest import FIXTURES
from tests.published.survey_workbook import write_survey_workbook

MARCH = date(2025, 3, 31)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_workforce_staff_group_layout() -> None:
    pf = read_published(FIXTURES / "workforce_staff_group.csv")
    assert (pf.kind, pf.layout, pf.periods(), pf.period_source) == (
        "workforce",
        "staff_group",
        [MARCH],
        "file",
    )
    assert pf.rows.height == 8 and pf.suppressed_cells == 2
    nat = pf.rows.filter(
        pl.col("data_level") == "national", pl.col("staff_group_1") == "Support to ST&T staff"
    )
    assert nat["fte"].to_list() == [60000.25] and nat["headcount"].to_list() == [66000]
    london = pf.rows.filter(pl.col("data_level") == "region")
    assert london["region_code"].to_list() == ["Y56"]
    rgt = pf.rows.filter(pl.col("org_code") == "RGT")
    assert rgt["region_code"].unique().to_list() == ["Y61"]


def test_suppressed_workforce_cells_are_kept_suppressed_never_zero() -> None:
    pf = read_published(FIXTURES / "workforce_staff_group.csv")
    row = pf.rows.filter(pl.col("org_code") == "RJ1", pl.col("staff_group_1") == "Support to ST&T staff").row(
        0, named=True
    )
    assert row["fte"] is None and row["fte_suppressed"] is True
    assert row["headcount"] is None and row["headcount_suppressed"] is True


def test_non_medical_layout_needs_a_period_and_keeps_the_hcs_breakdowns() -> None:
    with pytest.raises(UserInputError) as e:
        read_published(FIXTURES / "workforce_non_medical.csv")
    assert "DATA_MONTH" in str(e.value) and "--period" in str(e.value)
    pf = read_published(FIXTURES / "workforce_non_medical.csv", period=MARCH)
    assert (pf.layout, pf.period_source, pf.suppressed_cells) == ("non_medical", "--period", 1)
    hcs = pf.rows.filter(pl.col("staff_group_2") == "Healthcare scientists")
    assert hcs.height == 5
    assert hcs["fte"].drop_nulls().sum() == pytest.approx(120.5 + 80 + 150 + 90.25)
    assert sorted(hcs["afc_band"].unique().to_list()) == ["Band 6", "Band 7", "Band 8a"]


def test_turnover_levels_and_suppression() -> None:
    pf = read_published(FIXTURES / "turnover.csv")
    assert (pf.kind, pf.periods(), pf.suppressed_cells) == ("turnover", [MARCH], 2)
    levels = dict(zip(pf.rows["row"].to_list(), pf.rows["data_level"].to_list(), strict=True))
    assert levels[2] == "national" and levels[3] == "region" and levels[4] == "organisation"
    rrk = pf.rows.filter(pl.col("org_code") == "RRK").row(0, named=True)
    assert rrk["leavers"] is None and rrk["leavers_suppressed"] and rrk["denominator"] == 210
    assert pf.rows["period_label"][0] == "April 2024 to March 2025"


def test_sickness_breakdowns_take_their_month_from_the_file_name() -> None:
    pf = read_published(FIXTURES / "csv_absence_excel_production_2025-03-31.csv")
    assert (pf.kind, pf.layout, pf.periods(), pf.period_source) == (
        "sickness",
        "breakdowns",
        [MARCH],
        "file name",
    )
    by_type = {r["breakdown_value"]: r for r in pf.rows.iter_rows(named=True)}
    assert (
        by_type["ALL_ENGLAND"]["rate_percent"] == 5.0 and by_type["ALL_ENGLAND"]["data_level"] == "national"
    )
    assert by_type["London"]["region_code"] == "Y56"
    # The Special Health Authority placeholder (blank days, rate 9999) is suppressed, not a 9999% rate.
    sha = by_type["Special Health Authority"]
    assert sha["suppressed"] and sha["rate_percent"] is None and sha["fte_days_lost"] is None


def test_sickness_breakdowns_without_a_date_anywhere_are_refused(tmp_path: Path) -> None:
    body = (FIXTURES / "csv_absence_excel_production_2025-03-31.csv").read_text()
    with pytest.raises(UserInputError) as e:
        read_published(_write(tmp_path, "breakdowns.csv", body))
    assert "--period" in str(e.value)


def test_sickness_organisation_and_benchmarking_layouts() -> None:
    org = read_published(FIXTURES / "csv_absence_rates_2025-03-31.csv")
    assert (org.layout, org.periods(), org.suppressed_cells) == ("organisation", [MARCH], 1)
    rrk = org.rows.filter(pl.col("org_code") == "RRK").row(0, named=True)
    assert rrk["suppressed"] and rrk["fte_days_available"] is None  # blanked (330 FTE days or fewer), not 0
    bench = read_published(FIXTURES / "benchmarking_csv_2025-03-31.csv")
    assert bench.layout == "benchmarking"
    # The benchmarking CSV leaves region columns blank: the region comes from the trusts list.
    assert bench.rows.filter(pl.col("org_code") == "RJ1")["region_code"].to_list() == ["Y56"]


def test_survey_detailed_spreadsheet(survey_xlsx: Path) -> None:
    pf = read_published(survey_xlsx)
    assert (pf.kind, pf.periods(), pf.suppressed_cells) == ("survey", [date(2024, 12, 31)], 8)
    merged = pf.rows.filter(pl.col("org_code") == "01T/01V")
    assert merged.height == 6 and merged["suppressed"].all() and merged["value"].is_null().all()
    results = {(r["organisation_code"], r["question"]): r for r in pf.survey_results}
    assert results[("RGT", "Q2a")]["percent_positive"] == 60.0  # Often 40 + Always 20
    assert results[("RJ1", "Q2a")]["percent_positive"] == 50.0
    assert results[("ENGLAND", "Q2a")]["respondents"] == 600000
    assert results[("RGT", "staff_engagement")]["score"] == 6.95
    assert ("RJ1", "morale") not in results  # '-' suppressed
    assert not any(k[0] == "01T/01V" for k in results)  # every cell suppressed
    assert any("Contents" in n for n in pf.notes)


def test_survey_percent_out_of_range_is_refused_with_sheet_row_and_column(tmp_path: Path) -> None:
    path = write_survey_workbook(tmp_path / "bad.xlsx", bad_percent=True)
    with pytest.raises(UserInputError) as e:
        read_published(path)
    p = e.value.problems[0]
    assert (p.row, p.column, p.value) == (7, "Q2a % Always", "120")
    assert "sheet 'YOUR JOB Q1-3'" in (p.file or "")


def test_survey_year_from_period_option_overrides_nothing_when_file_has_none(tmp_path: Path) -> None:
    path = write_survey_workbook(tmp_path / "x.xlsx", year=2023)
    assert read_published(path).periods() == [date(2023, 12, 31)]


def test_bad_workforce_rows_are_all_reported_with_row_column_value(tmp_path: Path) -> None:
    text = (FIXTURES / "workforce_staff_group.csv").read_text().splitlines()
    text[3] = text[3].replace("30000,32500", "lots,32500")  # row 4
    text[5] = text[5].replace("Organisation,RGT", "Organisation,??")  # row 6
    text[7] = text[7].replace("2025-03-31", "Thirteenth month")  # row 8
    with pytest.raises(UserInputError) as e:
        read_published(_write(tmp_path, "wf.csv", "\n".join(text) + "\n"))
    found = {(p.row, p.column, p.value) for p in e.value.problems}
    assert (4, "FTE", "lots") in found
    assert (6, "ORG_CODE", "??") in found
    assert (8, "DATA_MONTH", "Thirteenth month") in found
    assert all(p.file == "wf.csv" for p in e.value.problems)


def test_a_period_option_that_disagrees_with_the_file_is_refused() -> None:
    with pytest.raises(UserInputError) as e:
        read_published(FIXTURES / "workforce_staff_group.csv", period=date(2025, 4, 30))
    assert "2025-03" in str(e.value)


def test_unknown_layouts_and_wrong_kinds_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UserInputError) as e:
        read_published(_write(tmp_path, "x.csv", "a,b\n1,2\n"))
    assert "layout" in str(e.value)
    with pytest.raises(UserInputError) as e:
        read_published(FIXTURES / "turnover.csv", kind="sickness")
    assert "--kind turnover" in str(e.value)
    with pytest.raises(UserInputError):
        read_published(FIXTURES / "turnover.csv", kind="astrology")


def test_sickness_days_lost_above_available_is_refused(tmp_path: Path) -> None:
    body = (
        (FIXTURES / "csv_absence_rates_2025-03-31.csv").read_text().replace("10000,250000", "300000,250000")
    )
    with pytest.raises(UserInputError) as e:
        read_published(_write(tmp_path, "s.csv", body))
    p = e.value.problems[0]
    assert (p.row, p.column, p.value) == (2, "FTE_DAYS_LOST", "300000")


def test_etr_reads_27_columns_and_keeps_wales_out_of_the_regions() -> None:
    df = read_etr(FIXTURES / "etr.csv")
    assert df.height == 6
    rap = df.filter(pl.col("ods_code") == "RAP").row(0, named=True)
    assert rap["closed"] == date(2024, 12, 31) and rap["opened"] == date(1991, 4, 1)
    assert df.filter(pl.col("ods_code") == "7A1")["region_code"].to_list() == [None]


def test_bad_etr_rows_are_located(tmp_path: Path) -> None:
    lines = (FIXTURES / "etr.csv").read_text().splitlines()
    lines[1] = lines[1].replace("19930401", "1993-04-01")
    lines[2] = lines[2] + ",extra"
    with pytest.raises(UserInputError) as e:
        read_etr(_write(tmp_path, "etr.csv", "\n".join(lines) + "\n"))
    found = {(p.row, p.column, p.value) for p in e.value.problems}
    assert (2, "11 (open date)", "1993-04-01") in found
    assert any(p.row == 3 and "28 fields" in p.message for p in e.value.problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-31", date(2025, 3, 31)),
        ("31/03/2025", date(2025, 3, 31)),
        ("2025-03", date(2025, 3, 31)),
        ("March 2025", date(2025, 3, 31)),
        ("MAR-25", date(2025, 3, 31)),
        ("202502", date(2025, 2, 28)),
        ("June 2023 to June 2024", date(2024, 6, 30)),
        ("2025-03-31 00:00:00", date(2025, 3, 31)),
        ("Thirteenth month", None),
        ("2025-13", None),
    ],
)
def test_parse_period(text: str, expected: date | None) -> None:
    assert parse_period(text) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_parse_period_reads_back_every_date_in_both_published_formats(d: date) -> None:
    assert parse_period(d.isoformat()) == d
    assert parse_period(d.strftime("%d/%m/%Y")) == d
