"""`hcs wisn`: the command in-process on its own app, and the installed `hcs` end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from hcsworkforce.cli.wisn import register

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "wisn"
HCS = Path(sys.executable).with_name("hcs")
HEADLINE_KEYS = {
    "cadre",
    "available_working_time_hours",
    "available_working_time_days",
    "staff_for_health_services",
    "category_allowance_factor",
    "individual_allowance_factor",
    "required_staff",
    "existing_staff",
    "wisn_difference",
    "wisn_ratio",
    "workload_pressure",
}
DETAIL_KEYS = {"health_service_activities", "support_activities", "additional_activities"}


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    # A private app, so these tests depend on this command alone, not on every other registered job.
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test app."""

    register(app)
    return app


def invoke(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, ["wisn", *map(str, args)])


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_example_runs_to_json(app, example):
    result = invoke(app, EXAMPLES / example, "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert list(payload) == ["source", "cadres"]
    assert payload["source"] == str(EXAMPLES / example)
    assert payload["cadres"]
    for record in payload["cadres"]:
        assert set(record) == HEADLINE_KEYS | DETAIL_KEYS
        assert record["required_staff"] > 0


def test_json_numbers_are_numbers(app):
    (record,) = json.loads(invoke(app, EXAMPLES / "burmen_2017_hiv_clinic.yaml", "-f", "json").stdout)[
        "cadres"
    ]
    assert record["available_working_time_days"] == 179
    assert round(record["required_staff"], 2) == 18.49
    assert record["workload_pressure"] == "High"
    assert record["support_activities"][0]["name"] == "Non-clinical training"


def test_table_shows_each_cadre(app):
    result = invoke(app, EXAMPLES / "burmen_2017_hiv_clinic.yaml")
    assert result.exit_code == 0
    assert "Required staff (WISN)" in result.stdout
    assert "18.49" in result.stdout


def test_csv_is_the_headline_table(app):
    result = invoke(app, EXAMPLES / "cardiac_physiology_department.yaml", "-f", "csv")
    lines = result.stdout.strip().splitlines()
    assert set(lines[0].split(",")) == HEADLINE_KEYS
    assert len(lines) == 1 + 2


def test_xlsx_and_html_to_file(app, tmp_path: Path):
    xlsx = tmp_path / "wisn.xlsx"
    assert (
        invoke(app, EXAMPLES / "cardiac_physiology_department.yaml", "-f", "xlsx", "-o", xlsx).exit_code == 0
    )
    import openpyxl

    sheets = openpyxl.load_workbook(xlsx).sheetnames
    assert len(sheets) >= 4  # cover (and contents) plus the headline and activity tables
    html = tmp_path / "wisn.html"
    assert (
        invoke(app, EXAMPLES / "cardiac_physiology_department.yaml", "-f", "html", "-o", html).exit_code == 0
    )
    assert "Cardiac physiologists" in html.read_text(encoding="utf-8")


def run_hcs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HCS), "wisn", *map(str, args)], capture_output=True, text=True, timeout=120)


def test_installed_command_prints_json():
    done = run_hcs(EXAMPLES / "cardiac_physiology_department.yaml", "--format", "json")
    assert done.returncode == 0, done.stderr
    cadres = json.loads(done.stdout)["cadres"]
    assert [c["cadre"][:22] for c in cadres] == ["Cardiac physiologists ", "Healthcare science ass"]


def test_installed_command_bad_file_exits_2_naming_the_key(tmp_path: Path):
    data = yaml.safe_load((EXAMPLES / "burmen_2017_hiv_clinic.yaml").read_text(encoding="utf-8"))
    data["health_service_activities"][0]["unit_time_minutes"] = -15
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = run_hcs(bad, "-f", "json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "health_service_activities[0].unit_time_minutes" in done.stderr
    assert str(bad) in done.stderr
    assert "Traceback" not in done.stderr


def test_installed_command_support_over_100_percent_exits_2(tmp_path: Path):
    data = yaml.safe_load((EXAMPLES / "burmen_2017_hiv_clinic.yaml").read_text(encoding="utf-8"))
    data["support_activities"].append({"name": "Admin", "time": 8, "unit": "hours", "per": "day"})
    bad = tmp_path / "too_much_support.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = run_hcs(bad)
    assert done.returncode == 2
    assert "Clinicians (doctors and clinical officers)" in done.stderr
    assert "105.59%" in done.stderr
    assert str(bad) in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("nope.yaml",), "file not found"),
        ((EXAMPLES / "burmen_2017_hiv_clinic.yaml", "-f", "pdf"), "--format 'pdf'"),
        ((EXAMPLES / "burmen_2017_hiv_clinic.yaml", "-f", "xlsx"), "needs --out"),
    ],
)
def test_installed_command_user_mistakes_exit_2(args, needle):
    done = run_hcs(*args)
    assert done.returncode == 2
    assert needle in done.stderr
    assert "Traceback" not in done.stderr
