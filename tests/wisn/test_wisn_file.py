"""Reading WISN YAML files: valid files load; every mistake is reported with the file and the key path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hcsworkforce.errors import UserInputError
from hcsworkforce.ingest.wisn_file import key_path, parse_wisn_text, read_wisn_file


def problems_of(text: str) -> list:
    with pytest.raises(UserInputError) as e:
        parse_wisn_text(text, file="wisn.yaml")
    return e.value.problems


def one_problem(text: str):
    (problem,) = problems_of(text)
    assert problem.file == "wisn.yaml"
    return problem


def as_yaml(data) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def test_single_cadre_and_list_of_cadres(make_cadre_dict):
    (one,) = parse_wisn_text(as_yaml(make_cadre_dict()))
    assert one.cadre == "Test cadre"
    two = parse_wisn_text(as_yaml([make_cadre_dict(cadre="A"), make_cadre_dict(cadre="B")]))
    assert [c.cadre for c in two] == ["A", "B"]


def test_key_path():
    assert key_path(("health_service_activities", 2, "unit_time_minutes")) == (
        "health_service_activities[2].unit_time_minutes"
    )
    assert key_path(("cadre",), "[1]") == "[1].cadre"
    assert key_path((), "[3]") == "[3]"


def test_negative_unit_time_is_located(make_cadre_dict):
    data = make_cadre_dict(
        health_service_activities=[
            {"name": "ECG", "annual_workload": 10, "unit_time_minutes": 15},
            {"name": "Echo", "annual_workload": 10, "unit_time_minutes": 45},
            {"name": "Holter", "annual_workload": 10, "unit_time_minutes": -20},
        ]
    )
    p = one_problem(as_yaml(data))
    assert p.column == "health_service_activities[2].unit_time_minutes"
    assert p.value == "-20"
    assert "-20 must be greater than 0" in p.message and "Holter" in p.message


def test_unknown_key_is_an_error_with_a_suggestion(make_cadre_dict):
    data = make_cadre_dict()
    data["available_working_time"]["sick_leaves"] = data["available_working_time"].pop("sick_leave")
    # One mistake, one message: not also "sick_leave is missing".
    p = one_problem(as_yaml(data))
    assert p.column == "available_working_time.sick_leaves"
    assert "did you mean 'sick_leave'" in p.message
    assert "sick_leave" in p.expected


def test_missing_key_without_a_near_typo_is_reported(make_cadre_dict):
    data = make_cadre_dict()
    del data["available_working_time"]["sick_leave"]
    data["available_working_time"]["overtime"] = 3
    problems = {p.column: p for p in problems_of(as_yaml(data))}
    assert "is missing" in problems["available_working_time.sick_leave"].message
    assert "not a known key" in problems["available_working_time.overtime"].message


def test_unknown_top_level_key(make_cadre_dict):
    p = one_problem(as_yaml({**make_cadre_dict(), "exisiting_staf": 3}))
    assert p.column == "exisiting_staf"
    assert "not a known key" in p.message


def test_zero_hours_per_day(make_cadre_dict):
    p = one_problem(as_yaml(make_cadre_dict(available_working_time={"hours_per_day": 0})))
    assert p.column == "available_working_time.hours_per_day"
    assert "must be greater than 0" in p.message


def test_negative_leave_and_staff(make_cadre_dict):
    problems = problems_of(
        as_yaml(make_cadre_dict(existing_staff=-1, available_working_time={"annual_leave": -3}))
    )
    assert {p.column for p in problems} == {"existing_staff", "available_working_time.annual_leave"}
    assert all("must not be negative" in p.message for p in problems)


def test_leave_that_uses_up_the_year(make_cadre_dict):
    p = one_problem(as_yaml(make_cadre_dict(available_working_time={"annual_leave": 300})))
    assert p.column == "available_working_time"
    assert "no working time" in p.message and "260" in p.message


@pytest.mark.parametrize(
    ("working_time", "needle"),
    [
        ({"working_days_per_year": 250}, "not both"),
        ({"working_days_per_week": None, "weeks_per_year": None}, "give working_days_per_year"),
        ({"weeks_per_year": None}, "weeks_per_year is missing"),
    ],
)
def test_one_way_to_count_working_days(make_cadre_dict, working_time, needle):
    p = one_problem(as_yaml(make_cadre_dict(available_working_time=working_time)))
    assert p.column == "available_working_time"
    assert needle in p.message


@pytest.mark.parametrize(
    ("standard", "found"),
    [
        ({}, "found none"),
        ({"unit_time_minutes": 5, "rate_per_hour": 12}, "found unit_time_minutes, rate_per_hour"),
    ],
)
def test_exactly_one_activity_standard(make_cadre_dict, standard, found):
    data = make_cadre_dict(health_service_activities=[{"name": "ECG", "annual_workload": 10, **standard}])
    p = one_problem(as_yaml(data))
    assert p.column == "health_service_activities[0]"
    assert found in p.message


def test_quoted_number_and_yes_are_not_numbers(make_cadre_dict):
    text = as_yaml(make_cadre_dict()).replace("annual_leave: 15", "annual_leave: '15'")
    text = text.replace("existing_staff: 1", "existing_staff: yes")
    problems = {p.column: p for p in problems_of(text)}
    assert "not a number" in problems["available_working_time.annual_leave"].message
    assert "without quotes" in problems["available_working_time.annual_leave"].expected
    assert "not a number" in problems["existing_staff"].message


def test_bad_unit_and_period(make_cadre_dict):
    data = make_cadre_dict(
        support_activities=[{"name": "Meeting", "time": 1, "unit": "hour", "per": "fortnight"}]
    )
    problems = {p.column: p for p in problems_of(as_yaml(data))}
    assert "'hours'" in problems["support_activities[0].unit"].expected
    assert "'week'" in problems["support_activities[0].per"].expected


def test_additional_activity_needs_staff(make_cadre_dict):
    data = make_cadre_dict(additional_activities=[{"name": "Lead", "time": 1, "unit": "days", "per": "week"}])
    p = one_problem(as_yaml(data))
    assert p.column == "additional_activities[0].staff"


def test_no_health_service_activities(make_cadre_dict):
    p = one_problem(as_yaml(make_cadre_dict(health_service_activities=[])))
    assert p.column == "health_service_activities"
    assert "empty" in p.message


def test_errors_in_a_list_name_position_and_cadre(make_cadre_dict):
    text = as_yaml([make_cadre_dict(cadre="A"), make_cadre_dict(cadre="B", existing_staff=-2), 42])
    problems = problems_of(text)
    assert [p.column for p in problems] == ["[1].existing_staff", "[2]"]
    assert "cadre 'B'" in problems[0].message
    assert "42" in problems[1].message


def test_every_problem_reported_at_once(make_cadre_dict):
    bad = [make_cadre_dict(cadre=f"C{i}", existing_staff=-1) for i in range(3)]
    assert len(problems_of(as_yaml(bad))) == 3


def test_duplicate_cadre_names(make_cadre_dict):
    p = one_problem(
        as_yaml([make_cadre_dict(cadre="A"), make_cadre_dict(cadre="B"), make_cadre_dict(cadre="A")])
    )
    assert p.column == "[2].cadre"
    assert "appears twice" in p.message


def test_duplicate_yaml_key_is_an_error(make_cadre_dict):
    text = as_yaml(make_cadre_dict()) + "existing_staff: 3\n"
    p = one_problem(text)
    assert "'existing_staff' appears twice" in p.message


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "is empty"),
        ("# only a comment\n", "is empty"),
        ("[]", "empty list"),
        ("cadre: [unclosed\n", "not valid YAML"),
        ("staff_id,fte\n1,0.5\n", "not a WISN file"),
        ("42\n", "not a WISN file"),
    ],
)
def test_files_that_are_not_wisn(text, needle):
    assert needle in str(one_problem(text))


def test_read_missing_folder_and_binary_files(tmp_path: Path):
    with pytest.raises(UserInputError, match="file not found"):
        read_wisn_file(tmp_path / "nope.yaml")
    with pytest.raises(UserInputError, match="folder"):
        read_wisn_file(tmp_path)
    binary = tmp_path / "extract.xlsx"
    binary.write_bytes(b"PK\x03\x04\xff\xfe\x00\x81")
    with pytest.raises(UserInputError, match="not a text file"):
        read_wisn_file(binary)


def test_problem_names_the_file(tmp_path: Path, make_cadre_dict):
    f = tmp_path / "bad.yaml"
    f.write_text(as_yaml(make_cadre_dict(existing_staff=-1)), encoding="utf-8")
    with pytest.raises(UserInputError) as e:
        read_wisn_file(f)
    assert str(e.value).startswith(f"{f}, column existing_staff: -1 must not be negative")
