"""Read a projection scenario (YAML) into a validated Scenario, following ``extends:`` chains.

``extends: base.yaml`` (a path relative to the file that says it) loads the base first; this file's keys are
then deep-merged over it: mappings merge key by key; ``supply.training`` entries merge by (programme,
specialism, region) and ``demand.developments`` by name, so an override names only what changes; anything
else (numbers, text, other lists) replaces. Write ``commissions: 0`` to switch a base stream off. Every
problem is reported at once, located by key path (``supply.training[0].completion_rate``) with its value.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.ingest.yaml_loader import UniqueKeyLoader
from hcsworkforce.model.scenario import Scenario
from hcsworkforce.reference import resolve_specialism, resolve_training_programme

MAX_PROBLEMS = 50
MAX_EXTENDS_DEPTH = 10
# Union and wrapper tags pydantic puts in an error location; they are not keys the user wrote.
_LOC_TAGS = {
    "function-before[_number_to_rate(), _RateModel]",
    "_RateModel",
    "float",
    "int",
    "list[float]",
    "dict[int,float]",
    "str",
}


def _training_key(item: Any) -> Any:
    if not isinstance(item, dict):
        return id(item)
    prog = str(item.get("programme", ""))
    spec = str(item.get("specialism", ""))
    return (resolve_training_programme(prog) or prog, resolve_specialism(spec)[0] or spec, item.get("region"))


def _development_key(item: Any) -> Any:
    return item.get("name") if isinstance(item, dict) else id(item)


# Lists whose entries an override updates one by one, matched by these keys.
KEYED_LISTS: dict[tuple[str, ...], Any] = {
    ("supply", "training"): _training_key,
    ("demand", "developments"): _development_key,
}


def _merge_keyed(base: list[Any], override: list[Any], key: Any) -> list[Any]:
    out = [copy.deepcopy(b) for b in base]
    index = {key(b): i for i, b in enumerate(out)}
    for item in override:
        k = key(item)
        if k in index and isinstance(item, dict) and isinstance(out[index[k]], dict):
            out[index[k]] = deep_merge(out[index[k]], item)
        else:
            index[k] = len(out)
            out.append(copy.deepcopy(item))
    return out


def deep_merge(base: dict[str, Any], override: dict[str, Any], _path: tuple[str, ...] = ()) -> dict[str, Any]:
    """``override`` over ``base``: mappings merge recursively, keyed lists entry by entry (KEYED_LISTS);
    any other value replaces."""
    out = copy.deepcopy(base)
    for k, v in override.items():
        path = (*_path, k)
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v, path)
        elif path in KEYED_LISTS and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = _merge_keyed(out[k], v, KEYED_LISTS[path])
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read_mapping(path: Path) -> dict[str, Any]:
    name = str(path)
    if not path.exists():
        raise UserInputError(Problem("file not found", file=name))
    if path.is_dir():
        raise UserInputError(Problem("is a folder, not a scenario YAML file", file=name))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise UserInputError(
            Problem("is not a text file", file=name, expected="a YAML file saved as UTF-8")
        ) from e
    except OSError as e:
        raise UserInputError(Problem(f"cannot be read ({e.strerror})", file=name)) from e
    return parse_mapping(text, name)


def parse_mapping(text: str, file: str | None = None) -> dict[str, Any]:
    try:
        doc = yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UserInputError(Problem(f"is not valid YAML: {e.problem or e.context}{where}", file=file)) from e
    except yaml.YAMLError as e:
        raise UserInputError(Problem(f"is not valid YAML: {e}", file=file)) from e
    if doc is None:
        raise UserInputError(Problem("is empty", file=file, expected="a scenario; see docs/planning.md"))
    if not isinstance(doc, dict):
        raise UserInputError(
            Problem(
                f"is not a scenario: it holds a {type(doc).__name__}",
                file=file,
                expected="a mapping with name, start_year, supply, demand ...",
            )
        )
    bad_keys = [k for k in doc if not isinstance(k, str)]
    if bad_keys:
        raise UserInputError(Problem("top-level keys must be text", file=file, value=str(bad_keys[0])))
    return doc


def resolve_extends(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw mapping of ``path`` with its ``extends:`` chain merged in (base first)."""
    path = path.resolve()
    if path in _chain:
        loop = " -> ".join(p.name for p in (*_chain, path))
        raise UserInputError(
            Problem(f"extends loops back on itself ({loop})", file=str(path), column="extends")
        )
    if len(_chain) >= MAX_EXTENDS_DEPTH:
        raise UserInputError(Problem("extends chain is too deep", file=str(path), column="extends"))
    doc = _read_mapping(path)
    parent = doc.pop("extends", None)
    if parent is None:
        return doc
    if not isinstance(parent, str) or not parent.strip():
        raise UserInputError(
            Problem(
                "extends must name a scenario file",
                file=str(path),
                column="extends",
                value=str(parent),
                expected="a path relative to this file, e.g. national_baseline.yaml",
            )
        )
    base_path = (path.parent / parent).resolve()
    if not base_path.exists():
        raise UserInputError(
            Problem(
                "extends names a file that does not exist", file=str(path), column="extends", value=parent
            )
        )
    base = resolve_extends(base_path, (*_chain, path))
    return deep_merge(base, doc)


def key_path(loc: tuple[int | str, ...]) -> str:
    """('supply', 'training', 0, 'completion_rate') -> 'supply.training[0].completion_rate'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in _LOC_TAGS or part.startswith(("function-", "union[")):
            continue
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


def _show(value: Any) -> str | None:
    if isinstance(value, dict | list):
        return None
    text = str(value)  # Problem quotes it
    return text if len(text) <= 60 else text[:57] + "..."


def problems_from_validation(e: ValidationError, file: str | None) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out: list[Problem] = []
    for err in e.errors():
        problem = _problem(err, file)
        key = (problem.column or "", problem.message)
        if key not in seen:  # a union reports one mistake once per branch tried
            seen.add(key)
            out.append(problem)
    return out


def _problem(err: ErrorDetails, file: str | None) -> Problem:
    loc = tuple(err["loc"])
    path = key_path(loc)
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        return Problem(f"{path} is missing", file=file, column=path)
    if kind == "extra_forbidden":
        return Problem(
            f"{path} is not a scenario key (check the spelling; see docs/planning.md)",
            file=file,
            column=path,
            value=_show(loc[-1] if loc else value),
        )
    msg = err["msg"]
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        msg = f"{path} should be a number or a mapping such as {{value: 0.1, sd: 0.01}}"
        if "_RateModel" not in err["msg"]:
            msg = f"{path} should be a mapping of keys"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return Problem(msg, file=file, column=path, value=_show(value))


def scenario_from_mapping(doc: dict[str, Any], file: str | None = None) -> Scenario:
    try:
        return Scenario.model_validate(doc)
    except ValidationError as e:
        problems = problems_from_validation(e, file)
        raise UserInputError(problems[:MAX_PROBLEMS], total=len(problems)) from e


def read_scenario(path: Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge ``extends`` and validate a scenario file; ``overrides`` (e.g. runs from the CLI) win."""
    doc = resolve_extends(Path(path))
    if overrides:
        doc = deep_merge(doc, overrides)
    return scenario_from_mapping(doc, str(path))


def parse_scenario_text(text: str, file: str | None = None) -> Scenario:
    doc = parse_mapping(text, file)
    if "extends" in doc:
        raise UserInputError(
            Problem("extends needs a file on disk to be relative to", file=file, column="extends")
        )
    return scenario_from_mapping(doc, file)
