"""`hcs deploy` end to end on a small SQLite database built by `import_extract` from a hand-made extract."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hcsworkforce.cli.deploy import register
from hcsworkforce.errors import UserInputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "surge"
HCS = Path(sys.executable).with_name("hcs")
HEADER = (
    "Employee Number,Assignment Number,Organisation,Specialism,Career Level,Pay Band,Contracted WTE,"
    "Date of Birth,Gender,Hire Date,Termination Date,Leaving Reason"
)


def _row(sid: str, org: str, spec: str, level: str, band: str) -> str:
    return f"{sid},1,{org},{spec},{level},Band {band},1.0,1980-01-01,F,2015-01-01,,"


@pytest.fixture()
def db(tmp_path: Path) -> str:
    from hcsworkforce.services.imports import import_extract
    from hcsworkforce.store import open_store

    rows = [_row(f"CS{i}", "RGT", "Cardiac Science", "practitioner", "6") for i in range(6)]
    rows += [_row(f"MB{i}", "RGT", "Clinical Microbiology", "practitioner", "6") for i in range(4)]
    rows += [_row(f"RT{i}", "RAJ", "Radiotherapy Physics", "clinical_scientist", "7") for i in range(5)]
    rows += [_row(f"AU{i}", "RAJ", "Audiology", "practitioner", "5") for i in range(4)]
    extract = tmp_path / "extract.csv"
    extract.write_text("\n".join([HEADER, *rows]) + "\n")
    url = f"sqlite:///{tmp_path / 'hcs.db'}"
    store = open_store(url, migrate=True)
    import_extract(extract, store, census_date=date(2025, 3, 31))
    return url


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test app."""

    register(app)
    return app


def invoke(app: typer.Typer, *args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["deploy", *map(str, args)])


def test_json_contract_and_individual_competencies(app: typer.Typer, db: str, tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: t\ntraining_budget_hours: 0\ntravel: anywhere\n"
        "floors: [{specialism: Radiotherapy Physics, min_share: 0.8}]\n"
        "roles: [{id: cardiac_monitoring_critical_care, posts: [{site: RAJ, count: 2}]}]\n"
    )
    result = invoke(app, scenario, "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"assignments", "uncovered", "floors", "totals"} <= set(payload)
    assert set(payload["totals"]) >= {"posts", "filled", "training_hours", "moves_between_organisations"}
    # With no training budget nobody qualifies (practitioners cap at level 3 but IPC is 2 < 3).
    assert payload["totals"]["filled"] == 0 and payload["uncovered"][0]["reason"] == "budget"
    comps = tmp_path / "comps.csv"
    comps.write_text(
        "staff_id,competency,level,evidence_date\nAU0,cardiac_monitoring,3,2020-04-01\n"
        "AU0,critical_care_environment,2,2020-04-01\nAU0,infection_control_ppe,3,2020-04-01\n"
    )
    result = invoke(app, scenario, "--db", db, "--format", "json", "--competencies", comps)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    (a,) = payload["assignments"]
    assert a["specialism"] == "audiology" and a["site"] == "RAJ" and a["staff_id"] != "AU0"  # pseudonymous
    assert payload["totals"]["filled"] == 1
    rt = payload["floors"][0]
    assert rt["specialism"] == "radiotherapy_physics" and rt["remaining_fte"] >= rt["floor_fte"]


@pytest.mark.parametrize("example", ["covid19_like.yaml", "absence_only.yaml", "minimal.yaml"])
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "html"])
def test_examples_run_in_every_format(app: typer.Typer, db: str, example: str, fmt: str) -> None:
    result = invoke(app, EXAMPLES / example, "--db", db, "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert "totals" in json.loads(result.stdout)


def test_xlsx_needs_out_and_writes_it(app: typer.Typer, db: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    result = invoke(app, EXAMPLES / "covid19_like.yaml", "--db", db, "--format", "xlsx", "--out", out)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


def test_bad_scenario_is_a_user_error(app: typer.Typer, db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nroles: [{id: astrology}]\n")
    result = invoke(app, bad, "--db", db)
    assert isinstance(result.exception, UserInputError)
    assert "roles[0].id" in str(result.exception)


def test_installed_command_exits_2_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nfloors: [{specialism: Radiotherapy Physics, min_share: 1.5}]\n")
    proc = subprocess.run([str(HCS), "deploy", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "floors[0].min_share" in proc.stderr and "Traceback" not in proc.stderr


def test_table_summary_by_role_adds_up_to_the_totals(app: typer.Typer, db: str) -> None:
    from hcsworkforce.services.deploy import by_role

    result = invoke(app, EXAMPLES / "covid19_like.yaml", "--db", db, "--format", "json")
    payload = json.loads(result.stdout)
    rows = by_role(payload["mode"], payload["assignments"], payload["uncovered"])
    assert rows == payload["by_role"]
    assert payload["totals"]["posts"] > 0 and rows
    assert sum(r["posts"] for r in rows) == payload["totals"]["posts"]
    assert sum(r["filled"] for r in rows) == payload["totals"]["filled"]
    assert (
        sum(r["moves_between_organisations"] for r in rows)
        == payload["totals"]["moves_between_organisations"]
    )
    table = invoke(app, EXAMPLES / "covid19_like.yaml", "--db", db, "--format", "table").stdout
    assert table.index("Totals") < table.index("Posts by role") < table.index("Assignments")
    csv_head = invoke(app, EXAMPLES / "covid19_like.yaml", "--db", db, "--format", "csv").stdout.splitlines()[
        0
    ]
    assert csv_head.startswith("staff_id")
