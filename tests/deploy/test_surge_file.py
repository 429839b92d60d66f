"""Scenario and competency files: the minimal form works verbatim; bad files get located, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from hcsworkforce.errors import UserInputError
from hcsworkforce.ingest.surge_file import parse_surge_text, read_competencies_csv, read_surge_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "surge"

MINIMAL = """{name: s, absence_rate: 0.1, training_budget_hours: 40, travel: anywhere, max_release_share: 0.5,
floors: [{specialism: Radiotherapy Physics, min_share: 0.8}], competencies: [{id: c1, name: Swab}],
training_resources: [{id: t1, title: Course, hours: 16, competency: c1, to_level: 2}],
roles: [{id: r1, name: Role, requires: {c1: 2}, posts: [{site: RGT, count: 3, priority: 1}]}]}"""


def problems(text: str) -> list[str]:
    with pytest.raises(UserInputError) as e:
        parse_surge_text(text, file="s.yaml")
    return [str(p) for p in e.value.problems]


def test_minimal_form_from_the_issue() -> None:
    sc = parse_surge_text(MINIMAL).scenario
    assert sc.floors[0].specialism == "radiotherapy_physics"
    assert [(p.role_id, p.site, p.count) for p in sc.posts()] == [("r1", "RGT", 3)]


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_examples_load(name: str) -> None:
    loaded = read_surge_file(EXAMPLES / name)
    assert loaded.scenario.name


def test_posts_from_beds_use_the_who_ratio() -> None:
    text = MINIMAL.replace(
        "{site: RGT, count: 3, priority: 1}", "{site: RGT, beds: 20, hours_per_patient_per_24h: 2.0}"
    )
    (post,) = parse_surge_text(text).scenario.posts()
    assert post.count == 5  # 20 beds x 2 h / 8 h shifts
    text = MINIMAL.replace(
        "{site: RGT, count: 3, priority: 1}",
        "{site: RGT, beds: 21, hours_per_patient_per_24h: 2.0, shift_hours: 12}",
    )
    assert parse_surge_text(text).scenario.posts()[0].count == 4  # 3.5 rounded up


@pytest.mark.parametrize(
    ("old", "new", "where", "words"),
    [
        ("{id: r1, name: Role, requires: {c1: 2},", "{id: rx, name: Role,", "roles[0].id", "unknown role"),
        ("requires: {c1: 2}", "requires: {c9: 2}", "roles[0].requires.c9", "unknown competency"),
        (
            "specialism: Radiotherapy Physics",
            "specialism: Astrology",
            "floors[0].specialism",
            "not a specialism",
        ),
        ("count: 3", "count: -3", "roles[0].posts[0].count", "at least 0"),
        ("min_share: 0.8", "min_share: 1.2", "floors[0].min_share", "at most 1"),
        ("travel: anywhere", "travel: moon", "travel", "allowed values"),
        ("max_release_share: 0.5", "max_release_share: 0.5, colour: red", "colour", "unknown key"),
        (
            "competency: c1, to_level: 2",
            "competency: c7, to_level: 2",
            "training_resources[0].competency",
            "unknown competency",
        ),
        ("count: 3, priority: 1", "count: 3, priority: 0", "roles[0].posts[0].priority", "more than 0"),
        ("{site: RGT, count: 3, priority: 1}", "{site: RGT}", "roles[0].posts[0]", "needs count"),
    ],
)
def test_bad_files_name_the_key(old: str, new: str, where: str, words: str) -> None:
    assert old in MINIMAL
    found = problems(MINIMAL.replace(old, new))
    assert any(where in p and words in p for p in found), found


def test_ambiguous_specialism_offers_candidates() -> None:
    found = problems(MINIMAL.replace("specialism: Radiotherapy Physics", "specialism: Clinical"))
    assert any("floors[0].specialism" in p and "one of" in p for p in found), found


def test_not_yaml_and_not_a_mapping() -> None:
    assert "not valid YAML" in problems("name: [unclosed")[0]
    assert "not a surge scenario" in problems("- a\n- b\n")[0]
    assert "appears twice" in problems("name: a\nname: b\n")[0]


def test_profiles_and_resources_from_csv_files(tmp_path: Path) -> None:
    (tmp_path / "profiles.csv").write_text(
        "specialism_id,career_level,competency,level\naudiology,*,cardiac_monitoring,3\n"
    )
    (tmp_path / "s.yaml").write_text(
        "name: s\nprofiles: profiles.csv\nroles: [{id: cardiac_monitoring_critical_care}]\n"
    )
    sc = read_surge_file(tmp_path / "s.yaml").scenario
    assert sc.profiles[0].specialism == "audiology" and sc.profiles[0].level == 3


def test_competencies_csv_errors_are_located(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text(
        "staff_id,competency,level,evidence_date\n"
        "E1,cardiac_monitoring,3,2020-04-01\n"
        ",cardiac_monitoring,3,\n"
        "E2,telepathy,2,\n"
        "E3,cardiac_monitoring,7,\n"
        "E4,cardiac_monitoring,2,01/04/2020\n"
        "E1,cardiac_monitoring,2,\n"
    )
    with pytest.raises(UserInputError) as e:
        read_competencies_csv(f, {"cardiac_monitoring"})
    got = {(p.row, p.column) for p in e.value.problems}
    assert got == {(3, "staff_id"), (4, "competency"), (5, "level"), (6, "evidence_date"), (7, "competency")}
    f.write_text("staff_id,competency,level\nE1,cardiac_monitoring,3\n")
    assert read_competencies_csv(f, {"cardiac_monitoring"}).height == 1
    f.write_text("staff,competency\n")
    with pytest.raises(UserInputError, match="no column"):
        read_competencies_csv(f, {"cardiac_monitoring"})
