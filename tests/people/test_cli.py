"""The people, survey, engagement, pathways and roles commands end to end on SQLite: bad files are
rejected with located errors and write nothing; good files load idempotently."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from hcsworkforce.store import open_store
from hcsworkforce.synth.engagement import synth_directory, synth_survey, write_directory_csv, write_survey_csv
from tests.conftest import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "roles"


def _count(url: str, table: str) -> int:
    st = open_store(url, migrate=True)
    with st.connect() as c:
        return int(c.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_survey_import_bad_file_lists_every_problem_and_writes_nothing(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'hcs.db'}"
    bad = tmp_path / "survey.csv"
    bad.write_text(
        "organisation,group,question,year,respondents,percent_positive\n"
        "RGT,healthcare scientists,q1,2024,50,60\n"
        "RGT,nurses,q1,2024,50,60\n"
        "RGT,all,q1,20x4,50,160\n"
        "RGT,healthcare scientists,q1,2024,50,61\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(["survey", "import", str(bad), "--db", url], capsys)
    assert code == 2 and out == ""
    assert "survey.csv, row 3, column group: not a staff group or specialism: 'nurses'" in err
    assert "row 4, column year" in err and "row 4, column percent_positive" in err
    assert "row 5, column question: repeats row 2" in err
    assert "Traceback" not in err
    assert _count(url, "survey_results") == 0


def test_survey_import_and_engagement_json(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'hcs.db'}"
    f = tmp_path / "s.csv"
    write_survey_csv(synth_survey(7, ["RGT", "R0A", "RRK"]), f)
    assert run_cli(["survey", "import", str(f), "--db", url], capsys)[0] == 0
    n = _count(url, "survey_results")
    assert run_cli(["survey", "import", str(f), "--db", url], capsys)[0] == 0
    assert _count(url, "survey_results") == n  # idempotent
    code, out, err = run_cli(["engagement", "--organisation", "RGT", "--format", "json", "--db", url], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["year"] == 2024 and payload["suppress_below"] == 11
    assert {r["question"] for r in payload["indicators"]} >= {
        "staff_engagement",
        "feel_valued_by_organisation",
    }
    assert all(r["organisation_code"] == "RGT" for r in payload["trends"])


def test_directory_bad_file_and_gaps(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'hcs.db'}"
    bad = tmp_path / "dir.csv"
    bad.write_text(
        "role,organisation,region,name,email,from,to\n"
        "trust hcs lead,RGT,,A Person,a@example.org,2024-01-01,\n"
        "chief wizard,RGT,,B Person,,,\n"
        "regional msc lead,,Atlantis,C Person,not-an-email,2025-01-01,2024-01-01\n"
        "board member,,,D Person,,,\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(["people", "import", str(bad), "--db", url], capsys)
    assert code == 2
    assert "row 3, column role: not a key role: 'chief wizard'" in err
    assert "row 4, column region_code: not an NHS England region: 'Atlantis'" in err
    assert "row 4, column email" in err and "row 4, column to: ends before it starts" in err
    assert "row 5, column organisation_code" in err
    assert _count(url, "key_people") == 0

    good = tmp_path / "good.csv"
    write_directory_csv(synth_directory(3, ["RGT", "R0A"], date(2025, 6, 1)), good)
    assert run_cli(["people", "import", str(good), "--db", url], capsys)[0] == 0
    code, out, err = run_cli(
        ["people", "gaps", "--organisations", "RGT,R0A", "--as-of", "2025-06-01", "-f", "json", "--db", url],
        capsys,
    )
    assert code == 0, err
    payload = json.loads(out)
    # 2 organisation roles x 2 trusts + 7 regions + 28 networks
    assert payload["required"] == 39
    assert payload["vacant"] == sum(1 for p in payload["posts"] if p["status"] == "vacant")
    # Recording a lead fills the post.
    vacant_lead = [
        p for p in payload["posts"] if p["role"] == "regional_msc_lead" and p["status"] == "vacant"
    ]
    if vacant_lead:
        region = vacant_lead[0]["scope_code"]
        assert (
            run_cli(
                [
                    "people",
                    "add",
                    "--role",
                    "regional msc lead",
                    "--region",
                    region,
                    "--name",
                    "New Lead",
                    "--from",
                    "2025-01-01",
                    "--db",
                    url,
                ],
                capsys,
            )[0]
            == 0
        )
        code, out, _ = run_cli(
            [
                "people",
                "gaps",
                "--organisations",
                "RGT",
                "--as-of",
                "2025-06-01",
                "-f",
                "json",
                "--region",
                region,
                "--db",
                url,
            ],
            capsys,
        )
        assert not [p for p in json.loads(out)["posts"] if p["role"] == "regional_msc_lead"]


def test_people_gaps_needs_a_census_for_employing_organisations(tmp_path, capsys) -> None:
    code, _, err = run_cli(["people", "gaps", "--db", f"sqlite:///{tmp_path / 'hcs.db'}"], capsys)
    assert code == 2 and "no census loaded" in err


def test_pathways_json_and_bad_level(capsys) -> None:
    code, out, _ = run_cli(["pathways", "--from", "graduate", "--to", "consultant", "-f", "json"], capsys)
    assert code == 0
    first = json.loads(out)["pathways"][0]
    assert first["route"] == "stp_direct_entry -> hsst" and first["total_years"] == 8.0
    code, _, err = run_cli(["pathways", "--from", "wizard", "--to", "consultant"], capsys)
    assert code == 2 and "not a career level" in err


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir()))
def test_roles_match_examples(example, capsys) -> None:
    code, out, err = run_cli(["roles", "match", str(EXAMPLES / example), "-f", "json"], capsys)
    assert code == 0, err
    roles = json.loads(out)["roles"]
    assert roles and all(r["programmes"] for r in roles)


def test_roles_match_bad_file(tmp_path, capsys) -> None:
    bad = tmp_path / "role.csv"
    bad.write_text(
        "competency,level\nspecialist_practice,3\nleadership_management,7\nwizardry,2\n", encoding="utf-8"
    )
    code, _, err = run_cli(["roles", "match", str(bad)], capsys)
    assert code == 2
    assert "row 2, column level: specialist_practice needs the role's specialism" in err
    assert "row 3, column level: not a competency level: '7'" in err
    assert "row 4, column competency: not a competency: 'wizardry'" in err


def test_roles_gaps_end_to_end_with_skills_joined(tmp_path, capsys) -> None:
    """A small census: no consultant in audiology; the nearest staff and the route come back, with the
    skills engine's training hours for surge competencies a route leaves uncovered."""
    url = f"sqlite:///{tmp_path / 'hcs.db'}"
    extract = tmp_path / "staff.csv"
    extract.write_text(
        "staff_id,organisation_code,specialism,career_level,afc_band,fte,age,start_date\n"
        "1,RGT,audiology,clinical_scientist,7,1,45,2010-01-01\n"
        "2,RGT,audiology,practitioner,5,1,30,2020-01-01\n"
        "3,RGT,audiology,consultant,8c,1,55,2005-01-01\n",
        encoding="utf-8",
    )
    assert run_cli(["import", str(extract), "--census-date", "2025-03-31", "--db", url], capsys)[0] == 0
    role = tmp_path / "role.yaml"
    role.write_text(
        "name: Audiology surge lead\nspecialism: audiology\ncompetencies:\n  specialist_practice: 4\n"
        "  infection_control_ppe: 3\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(
        ["roles", "gaps", "--organisation", "RGT", "--role", str(role), "-f", "json", "--db", url], capsys
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["roles"] and payload["roles"][0]["can_fill_now"] == 0
    first = payload["nearest_staff"][0]
    assert "training_hours" in first
    code, out, err = run_cli(
        ["roles", "gaps", "--organisation", "RGT", "--all", "-f", "json", "--db", url], capsys
    )
    assert code == 0, err
    assert all(r["can_fill_now"] >= 1 for r in json.loads(out)["roles"])
