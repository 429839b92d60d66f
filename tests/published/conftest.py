"""Fixtures for the published statistics tests: the files in tests/published/fixtures, and a survey workbook."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.published.survey_workbook import write_survey_workbook

FIXTURES = Path(__file__).parent / "fixtures"

# Every tabular fixture, with the --period it needs (None where the file says).
TABULAR = {
    "workforce_staff_group.csv": None,
    "workforce_non_medical.csv": "2025-03",
    "turnover.csv": None,
    "csv_absence_excel_production_2025-03-31.csv": None,
    "csv_absence_rates_2025-03-31.csv": None,
    "benchmarking_csv_2025-03-31.csv": None,
}


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def survey_xlsx(tmp_path: Path) -> Path:
    return write_survey_workbook(tmp_path / "NSS24 detailed spreadsheets organisation.xlsx")
