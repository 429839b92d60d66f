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
    assert list(doc) == [
        "scenario",
        "hash",
        "target_year",
        "percentile",
        "basis",
        "runs",
        "status",
        "total_cost_gbp",
        "total_places",
        "places_by_programme_year",
        "plan",
        "by_level",
        "gaps",
        "unmet",
        "programmes",
        "optimality",
        "allocation",
        "assumptions",
        "notes",
        "data",
        "resolved_scenario",
        "scope",
    ]
    assert doc["scope"] == {"kind": "national", "code": None}
    assert doc["percentile"] == 90 and doc["target_year"] == 2030 and doc["runs"] == 20
    assert doc["total_cost_gbp"] == pytest.approx(sum(p["cost_gbp"] for p in doc["plan"]), rel=1e-9)
    assert doc["total_places"] == sum(r["places"] for r in doc["places_by_programme_year"])
    for p in doc["plan"]:
        assert set(p) == {
            "programme",
            "specialism",
            "exit_level",
            "intake_year",
            "first_counted_year",
            "places",
            "expected_completers",
            "fte_at_target_year",
            "cost_gbp",
        }
    for g in doc["gaps"]:
        assert set(g) == {"specialism", "career_level", "gap_before_fte", "closed_fte", "gap_after_fte"}
    for u in doc["unmet"]:
        assert set(u) == {"specialism", "career_level", "gap_fte", "unmet_fte", "reason_code", "reason"}
    assert set(doc["allocation"]) == {
        "rule",
        "unmet_tolerance",
        "least_unmet_fte",
        "unmet_fte",
        "fairness_cost_fte",
        "max_unmet_share_by_level",
    }
    assert (
        doc["allocation"]["rule"] == "fair"
        and doc["resolved_scenario"]["commissioning"]["allocation"] == "fair"
    )
    code, out, err = run_cli(["commission", str(EXAMPLES / "cdc_buildup.yaml"), "--db", db], capsys)
    assert code == 0, err
    assert out.index("Places by programme and intake year") < out.index("Plan: places by programme")


def test_commission_bad_inputs_exit_2(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        ("commissioning: {programmes: {stpp: {capacity_per_year: 5}}}", "stpp"),
        ("commissioning: {programmes: {stp: {capacity_per_year: -5}}}", "-5"),
        ("commissioning: {target_year: 2020}", "2020"),
    ]
    for i, (text, value) in enumerate(cases):
        bad = tmp_path / f"bad{i}.yaml"
        bad.write_text(f"name: x\nstart_year: 2025\n{text}\n")
        code, out, err = run_cli(["commission", str(bad), "--format", "json", "--db", db], capsys)
        assert code == 2 and out == "", text
        assert "commissioning" in err and value in err and "Traceback" not in err
    code, out, err = run_cli(
        ["commission", str(EXAMPLES / "cdc_buildup.yaml"), "--percentile", "100", "--db", db], capsys
    )
    assert code == 2 and "--percentile" in err and "100" in err


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


def test_a_wisn_file_is_read_beside_the_scenario_or_refused(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """demand.wisn[].file is relative to the scenario's folder; a file that is not there is refused, named."""
    wisn = Path(__file__).resolve().parents[2] / "examples" / "wisn" / "cardiac_physiology_department.yaml"
    (tmp_path / "wisn").mkdir()
    (tmp_path / "wisn" / "cardiac.yaml").write_text(wisn.read_text(encoding="utf-8"), encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(
        "name: w\nstart_year: 2025\nhorizon_years: 2\n"
        "demand: {wisn: [{specialism: cardiac_science, file: wisn/cardiac.yaml}]}\n"
    )
    code, out, err = run_cli(
        ["project", str(good), "--by", "specialism", "--format", "json", "--db", db], capsys
    )
    assert code == 0, err
    doc = json.loads(out)
    (row,) = [r for r in doc["rows"] if r["year"] == 2025 and r["specialism"] == "cardiac_science"]
    assert row["demand_fte"]["p50"] == pytest.approx(19.573, abs=1e-3)
    assert any("wisn/cardiac.yaml" in n for n in doc["notes"])
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("wisn/cardiac.yaml", "wisn/missing.yaml"))
    code, out, err = run_cli(["project", str(bad), "--format", "json", "--db", db], capsys)
    assert code == 2 and out == ""
    assert "demand.wisn[0].file" in err and "wisn/missing.yaml" in err
