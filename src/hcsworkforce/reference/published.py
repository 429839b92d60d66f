"""Look-ups for the public NHS statistics: which published staff groups are healthcare science, the Staff
Survey's People Promise elements and themes, and the response options we read as positive (each row sourced,
dated and marked verified / partial / unverified in reference/data)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from hcsworkforce.reference import read_table


def _fold(text: str | None) -> str:
    t = (text or "").lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", t).split())


@dataclass(frozen=True)
class PeoplePromiseMeasure:
    id: str
    name: str
    kind: str  # people_promise_element | theme
    verified: str


@cache
def people_promise() -> dict[str, PeoplePromiseMeasure]:
    """Element or theme id -> record, in the survey's order."""
    return {
        r["id"]: PeoplePromiseMeasure(r["id"], r["name"], r["kind"], r["verified"])
        for r in read_table("staff_survey_people_promise")
    }


def people_promise_id(header: str) -> str | None:
    """The element or theme a column header names ('We are a team', 'People Promise: We are a team', 'Morale
    theme score'); None when it names none."""
    h = _fold(header)
    for m in people_promise().values():
        name = _fold(m.name)
        if h == name or h.endswith(" " + name) or h.startswith(name + " ") or h == m.id.replace("_", " "):
            return m.id
    return None


@cache
def positive_responses() -> dict[str, tuple[tuple[str, ...], str]]:
    """Question (upper case) -> (response options read as positive, folded), verified status."""
    return {
        r["question"].upper(): (tuple(_fold(x) for x in r["positive_responses"].split("|")), r["verified"])
        for r in read_table("staff_survey_positive")
    }


@cache
def _staff_groups() -> dict[tuple[str, str], str]:
    return {
        (r["field"], _fold(r["value"])): r["healthcare_science"] for r in read_table("published_staff_groups")
    }


def healthcare_science(field: str, label: str | None) -> str:
    """'yes' where a published staff-group label (in that field) is healthcare science, 'contains' where it
    contains healthcare science among other staff, 'no' otherwise."""
    return _staff_groups().get((field, _fold(label)), "no")


def containing_groups(field: str) -> list[str]:
    """Labels (folded) of a field that contain healthcare science among other staff."""
    return [v for (f, v), hcs in _staff_groups().items() if f == field and hcs == "contains"]
