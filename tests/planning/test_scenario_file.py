"""Scenario files: the minimal form, extends, hashing, and errors that name the key and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from hcsworkforce.errors import UserInputError
from hcsworkforce.ingest.scenario_file import parse_scenario_text, read_scenario

MINIMAL = """
name: minimal
start_year: 2025
horizon_years: 10
runs: 1
seed: 1
supply: {leaver_rate: 0.1, retirement: {}, training: [{programme: stp, specialism: Genomics, commissions: 10,
         duration_years: 3, completion_rate: 0.8, exit_level: clinical_scientist}]}
demand: {growth: 0.02}
"""

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def problems(text: str) -> list[str]:
    with pytest.raises(UserInputError) as e:
        parse_scenario_text(text, "bad.yaml")
    return [str(p) for p in e.value.problems]


def test_minimal_form_from_the_issue_works() -> None:
    s = parse_scenario_text(MINIMAL)
    assert s.supply.leaver_rate.value == 0.1
    assert s.supply.training[0].specialism == "genomics"
    assert s.demand.growth.value == 0.02


def test_hash_is_stable_and_changes_with_content() -> None:
    a = parse_scenario_text(MINIMAL).content_hash()
    assert a == parse_scenario_text(MINIMAL).content_hash()
    assert len(a) == 64
    assert a != parse_scenario_text(MINIMAL.replace("growth: 0.02", "growth: 0.03")).content_hash()


@pytest.mark.parametrize(
    ("change", "key", "value"),
    [
        ("leaver_rate: 0.1", "supply.leaver_rate", "1.5"),
        ("programme: stp", "supply.training[0].programme", "stpp"),
        ("specialism: Genomics", "supply.training[0].specialism", "Genomcs"),
        ("completion_rate: 0.8", "supply.training[0].completion_rate", "abc"),
        ("exit_level: clinical_scientist", "supply.training[0].exit_level", "wizard"),
        ("growth: 0.02", "demand.growth", "lots"),
        ("horizon_years: 10", "horizon_years", "0"),
    ],
)
def test_bad_values_name_key_and_value(change: str, key: str, value: str) -> None:
    old_key, _old = change.split(": ")
    text = MINIMAL.replace(change, f"{old_key}: {value}")
    found = problems(text)
    assert any(key in p and value in p for p in found), found
    assert all(p.startswith("bad.yaml") for p in found)


def test_unknown_key_is_an_error_naming_it() -> None:
    found = problems(MINIMAL.replace("retirement: {}", "retirment: {}"))
    assert any("supply.retirment" in p and "not a scenario key" in p for p in found)


def test_missing_key_and_not_a_mapping() -> None:
    assert any("start_year is missing" in p for p in problems("name: x\n"))
    assert any("not a scenario" in p for p in problems("- 1\n- 2\n"))
    assert any("not valid YAML" in p for p in problems("name: [\n"))
    assert any("appears twice" in p for p in problems("name: a\nname: b\nstart_year: 2025\n"))


def test_extends_merges_and_keys_training_streams(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(MINIMAL)
    (tmp_path / "child.yaml").write_text(
        "extends: base.yaml\nname: child\nsupply:\n  leaver_rate: 0.2\n  training:\n"
        "    - {programme: stp, specialism: genomics, commissions: 25}\n"
        "    - {programme: ptp, specialism: audiology, commissions: 5}\n"
    )
    s = read_scenario(tmp_path / "child.yaml")
    assert s.name == "child" and s.start_year == 2025
    assert s.supply.leaver_rate.value == 0.2
    assert [(t.programme, t.specialism, t.commissions) for t in s.supply.training] == [
        ("stp", "genomics", 25.0),
        ("ptp", "audiology", 5.0),
    ]
    # The base's other keys on the stream survive the merge.
    assert (
        s.supply.training[0].completion_rate is not None and s.supply.training[0].completion_rate.value == 0.8
    )


def test_extends_errors(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    with pytest.raises(UserInputError, match="loops"):
        read_scenario(tmp_path / "a.yaml")
    (tmp_path / "c.yaml").write_text("extends: nowhere.yaml\nname: c\n")
    with pytest.raises(UserInputError, match="does not exist"):
        read_scenario(tmp_path / "c.yaml")
    with pytest.raises(UserInputError, match="file not found"):
        read_scenario(tmp_path / "missing.yaml")


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_examples_load(name: str) -> None:
    s = read_scenario(EXAMPLES / name)
    assert s.name and s.horizon_years == 10


def test_the_four_examples_exist() -> None:
    names = {p.name for p in EXAMPLES.glob("*.yaml")}
    assert {
        "national_baseline.yaml",
        "genomics_expansion.yaml",
        "cdc_buildup.yaml",
        "high_attrition_stress.yaml",
    } <= names
    assert "extends:" in (EXAMPLES / "high_attrition_stress.yaml").read_text()
