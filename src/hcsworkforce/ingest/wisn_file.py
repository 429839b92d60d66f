"""Read a WISN input file (YAML: one cadre, or a list of cadres) into validated records.

Every problem in the file is reported at once, each located by its key path, e.g.
`health_service_activities[2].unit_time_minutes` (list positions count from 0), or `[1].cadre` when the file
holds a list of cadres.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.yaml_loader import UniqueKeyLoader
from hcsworkforce.model.wisn import (
    AdditionalActivity,
    AvailableWorkingTime,
    HealthServiceActivity,
    SupportActivity,
    WisnCadre,
)

MAX_PROBLEMS = 50
MAX_VALUE_CHARS = 60

# Which record a key path lands in, so an unknown key can be answered with the keys that are allowed there.
_LIST_RECORDS: dict[str, type[BaseModel]] = {
    "health_service_activities": HealthServiceActivity,
    "support_activities": SupportActivity,
    "additional_activities": AdditionalActivity,
}


def read_wisn_file(path: Path) -> list[WisnCadre]:
    """Read and validate a WISN YAML file. Raises UserInputError naming the file and the key."""
    name = str(path)
    if not path.exists():
        raise UserInputError(Problem("file not found", file=name))
    if path.is_dir():
        raise UserInputError(Problem("is a folder, not a WISN YAML file", file=name))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise UserInputError(
            Problem("is not a text file", file=name, expected="a YAML file saved as UTF-8 text")
        ) from e
    except OSError as e:
        raise UserInputError(Problem(f"cannot be read ({e.strerror})", file=name)) from e
    return parse_wisn_text(text, file=name)


def parse_wisn_text(text: str, file: str | None = None) -> list[WisnCadre]:
    """Validate the text of a WISN file; `file` only labels the problems."""
    document = _load_yaml(text, file)
    items, in_list = _cadre_items(document, file)
    cadres: list[tuple[int, WisnCadre]] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        prefix = f"[{index}]" if in_list else ""
        try:
            cadres.append((index, WisnCadre.model_validate(item)))
        except ValidationError as e:
            cadre_name = item.get("cadre") if isinstance(item, dict) and in_list else None
            errors = _without_misspelt_missing(e.errors())
            problems.extend(_problem_from_error(err, item, prefix, cadre_name, file) for err in errors)
    problems.extend(_duplicate_cadres(cadres, file))
    if problems:
        raise UserInputError(problems[:MAX_PROBLEMS], total=len(problems))
    return [cadre for _, cadre in cadres]


def _load_yaml(text: str, file: str | None) -> Any:
    try:
        document = yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UserInputError(Problem(f"is not valid YAML: {e.problem or e.context}{where}", file=file)) from e
    except yaml.YAMLError as e:
        raise UserInputError(Problem(f"is not valid YAML: {e}", file=file)) from e
    if document is None:
        raise UserInputError(
            Problem("is empty", file=file, expected="a cadre, or a list of cadres; see docs/wisn.md")
        )
    return document


def _cadre_items(document: Any, file: str | None) -> tuple[list[Any], bool]:
    if isinstance(document, dict):
        return [document], False
    if isinstance(document, list):
        if not document:
            raise UserInputError(Problem("holds an empty list: no cadres to calculate", file=file))
        return document, True
    raise UserInputError(
        Problem(
            f"is not a WISN file: it holds {_kind(document)}",
            file=file,
            expected="a cadre (keys cadre, existing_staff, available_working_time, health_service_activities"
            ", ...) or a list of cadres",
        )
    )


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "a single line of text" if "\n" not in value.strip() else "plain text"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, int | float):
        return "a single number"
    return f"a {type(value).__name__}"


def key_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """The key path of a pydantic location, as the user would follow it down the YAML.

    ('health_service_activities', 2, 'unit_time_minutes') -> 'health_service_activities[2].unit_time_minutes'
    """
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, bool):
        text = "yes" if value else "no"
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _record_at(loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The record whose keys are allowed at the mapping holding the last element of `loc`."""
    parent = loc[:-1]
    if parent and parent[0] == "available_working_time":
        return AvailableWorkingTime
    if len(parent) >= 2 and isinstance(parent[0], str) and parent[0] in _LIST_RECORDS:
        return _LIST_RECORDS[parent[0]]
    return WisnCadre


def _activity_name(item: Any, loc: tuple[int | str, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] in _LIST_RECORDS and isinstance(loc[1], int) and isinstance(item, dict):
        activities = item.get(str(loc[0]))
        if isinstance(activities, list) and 0 <= loc[1] < len(activities):
            activity = activities[loc[1]]
            if isinstance(activity, dict) and isinstance(activity.get("name"), str):
                return str(activity["name"])
    return None


def _problem_from_error(
    err: ErrorDetails, item: Any, prefix: str, cadre_name: Any, file: str | None
) -> Problem:
    loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    key = str(loc[-1]) if loc else "cadre"
    shown = None if isinstance(value, dict | list) else _show(value)
    expected: str | None = None

    if kind == "missing":
        message = f"{key} is missing"
        if loc and loc[0] == "available_working_time" and len(loc) == 2:
            expected = "a number of days; write 0 if there are none"
    elif kind == "extra_forbidden":
        allowed = sorted(_record_at(loc).model_fields)
        close = _suggestion(loc)
        message = f"{key!r} is not a known key" + (f"; did you mean {close!r}?" if close else "")
        expected = "one of " + ", ".join(allowed)
        shown = None
    elif kind in ("float_type", "float_parsing"):
        message = f"{shown} is not a number"
        expected = "a number"
        if isinstance(value, str) and _looks_numeric(value):
            expected = "a number without quotes"
            if "e" in value.lower():
                # YAML 1.1 reads 1e3 (no decimal point) as text.
                expected = "a number without quotes; write 1000 or 1.0e3, not 1e3"
    elif kind == "finite_number":
        message = f"{shown} is not a finite number"
    elif kind == "greater_than":
        message = f"{shown} must be greater than {ctx.get('gt'):g}"
    elif kind == "greater_than_equal":
        limit = ctx.get("ge")
        message = f"{shown} must not be negative" if limit == 0 else f"{shown} must be at least {limit:g}"
    elif kind == "less_than_equal":
        message = f"{shown} is too large (at most {ctx.get('le'):g})"
    elif kind == "literal_error":
        message = f"{shown} is not allowed here"
        expected = f"one of {ctx.get('expected')}"
    elif kind in ("string_type", "string_too_short"):
        message = f"{key} must be some text" if kind == "string_type" else f"{key} is empty"
    elif kind == "too_short":
        message = f"{key} is empty"
        expected = "at least one activity"
    elif kind == "list_type":
        message = f"{key} must be a list (items starting with '- ')"
        shown = None
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = f"{key_path(loc) or 'each cadre'} must be a set of keys and values, not {shown}"
    elif kind == "value_error":
        message = str(err["msg"]).removeprefix("Value error, ")
        shown = None
    else:
        message = str(err["msg"])

    context = []
    if cadre_name is not None:
        context.append(f"cadre {_show(cadre_name)}")
    activity = _activity_name(item, loc)
    if activity is not None:
        context.append(f"activity {activity!r}")
    if context:
        message = f"{', '.join(context)}: {message}"
    return Problem(message, file=file, column=key_path(loc, prefix) or None, value=shown, expected=expected)


def _suggestion(loc: tuple[int | str, ...]) -> str | None:
    """The allowed key an unknown key was most likely meant to be."""
    close = difflib.get_close_matches(str(loc[-1]), list(_record_at(loc).model_fields), n=1)
    return close[0] if close else None


def _without_misspelt_missing(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop 'sick_leave is missing' when 'sick_leaves' is reported as unknown: one mistake, one message."""
    meant = {
        (*tuple(err["loc"])[:-1], suggestion)
        for err in errors
        if err["type"] == "extra_forbidden" and (suggestion := _suggestion(tuple(err["loc"])))
    }
    return [err for err in errors if not (err["type"] == "missing" and tuple(err["loc"]) in meant)]


def _duplicate_cadres(cadres: list[tuple[int, WisnCadre]], file: str | None) -> list[Problem]:
    """Two results under one name could not be told apart in a table or a chart."""
    first_seen: dict[str, int] = {}
    problems = []
    for index, cadre in cadres:
        if cadre.cadre in first_seen:
            problems.append(
                Problem(
                    f"cadre {cadre.cadre!r} appears twice (also at [{first_seen[cadre.cadre]}])",
                    file=file,
                    column=f"[{index}].cadre",
                    expected="a different name for each cadre, e.g. with its department or site",
                )
            )
        else:
            first_seen[cadre.cadre] = index
    return problems
