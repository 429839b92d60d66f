"""hcs project / commission / compare end to end on a small synthetic national database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    import os

    from hcsworkforce.settings import get_settings

    d = tmp_path_factory.mktemp("plandb")
    old = os.environ.get("HCS_DATA_DIR")
    os.environ["HCS_DATA_DIR"] = str(d)
    get_settings.cache_clear()
    try:
        from hcsworkforce.cli import app
        from hcsworkforce.cli._common import run_app

        url = f"sqlite:///{d / 'h.db'}"
        import sys

        for args in (
            [
                "synth",
                "--staff",
                "3000",
                "--seed",
                "3",
                "--out",
                str(d / "x.csv"),
                "--establishment",
                str(d / "e.csv"),
                "--organisations",
                "20",
            ],
            [
                "import",
                str(d / "x.csv"),
                "--establishment",
                str(d / "e.csv"),
                "--census-date",
                "2025-03-31",
                "--db",
                url,
            ],
        ):
            sys.argv = ["hcs", *args]
            assert run_app(app) == 0, args
    finally:
        if old is None:
            os.environ.pop("HCS_DATA_DIR", None)
        else:
            os.environ["HCS_DATA_DIR"] = old
        get_settings.cache_clear()
    return url


def test_project_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        [
            "project",
            str(EXAMPLES / "national_baseline.yaml"),
            "--runs",
            "50",
            "--by",
            "specialism",
            "--format",
            "json",
            "--db",
            db,
        ],
        capsys,
    )
    assert code == 0, err
    doc = json.loads(out)
    assert {"scenario", "hash", "rows", "resolved_scenario", "assumptions"} <= doc.keys()
    assert doc["runs"] == 50 and len(doc["hash"]) == 64
    row = doc["rows"][0]
    assert {"year", "specialism", "supply_fte", "demand_fte", "gap_fte", "supply_headcount"} <= row.keys()
    assert set(row["gap_fte"]) == {"mean", "p10", "p50", "p90"}
    years = {r["year"] for r in doc["rows"]}
    assert years == set(range(2025, 2036))


def test_project_by_region_and_other_formats(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        [
            "project",
            str(EXAMPLES / "cdc_buildup.yaml"),
            "--runs",
            "20",
            "--by",
            "region,division",
            "--format",
            "csv",
            "--db",
            db,
        ],
        capsys,
    )
    assert code == 0, err
    assert out.splitlines()[0].startswith("year,region,division,supply_fte_mean")
    html_file = tmp_path / "p.html"
    code, _out, err = run_cli(
        [
            "project",
            str(EXAMPLES / "genomics_expansion.yaml"),
            "--runs",
            "20",
            "--format",
            "html",
            "--out",
            str(html_file),
            "--db",
            db,
        ],
        capsys,
    )
    assert code == 0, err
    page = html_file.read_text()
    assert "<svg" in page and "Scenario hash" in page and "Assumptions" in page
    assert "http" not in page.lower()
    code, _out, err = run_cli(
        [
            "project",
            str(EXAMPLES / "national_baseline.yaml"),
            "--runs",
            "5",
            "--format",
            "xlsx",
            "--out",
            str(tmp_path / "p.xlsx"),
            "--db",
            db,
        ],
        capsys,
    )
    assert code == 0, err
    code, out, err = run_cli(
        ["project", str(EXAMPLES / "national_baseline.yaml"), "--runs", "5", "--db", db], capsys
    )
    assert code == 0 and "gap FTE P50" in out


def test_commission_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        [
            "commission",
            str(EXAMPLES / "cdc_buildup.yaml"),
            "--runs",
            "20",
            "--percentile",
            "90",
            "--format",
            "json",
            "--db",
            db,
        ],
        capsys,
    )
    assert code == 0, err
    doc = json.loads(out)
    assert {"places", "total_cost_gbp", "unmet", "gaps", "status", "hash"} <= doc.keys()
    assert doc["percentile"] == 90 and doc["target_year"] == 2030
    assert doc["total_cost_gbp"] == pytest.approx(sum(p["cost_gbp"] for p in doc["places"]), rel=1e-9)


def test_compare_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        [
            "compare",
            str(EXAMPLES / "national_baseline.yaml"),
            str(EXAMPLES / "high_attrition_stress.yaml"),
            "--runs",
            "10",
            "--format",
            "json",
            "--db",
            db,
        ],
        capsys,
    )
    assert code == 0, err
    doc = json.loads(out)
    assert [s["name"] for s in doc["scenarios"]] == ["National baseline", "High attrition stress"]
    last = doc["rows"][-1]
    assert last["difference"]["supply_fte"]["mean"] < 0  # more leaving, less supply


def test_user_errors_exit_2(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstart_year: 2025\nsupply: {leaver_rate: 2}\n")
    code, out, err = run_cli(["project", str(bad), "--format", "json", "--db", db], capsys)
    assert code == 2 and out == ""
    assert "supply.leaver_rate" in err and "2" in err and "Traceback" not in err
    code, _out, err = run_cli(["project", str(tmp_path / "none.yaml"), "--db", db], capsys)
    assert code == 2 and "file not found" in err
    code, _out, err = run_cli(
        ["project", str(EXAMPLES / "national_baseline.yaml"), "--by", "planet", "--db", db], capsys
    )
    assert code == 2 and "planet" in err
    code, _out, err = run_cli(
        ["project", str(EXAMPLES / "national_baseline.yaml"), "--runs", "0", "--db", db], capsys
    )
    assert code == 2
    code, _out, err = run_cli(
        [
            "commission",
            str(EXAMPLES / "national_baseline.yaml"),
            "--target-year",
            "2050",
            "--runs",
            "1",
            "--db",
            db,
        ],
        capsys,
    )
    assert code == 2 and "2050" in err
