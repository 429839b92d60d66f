"""The calibrate job's presentation: the calibrated scenario block as YAML a planner can read, every rate with a
comment saying where it came from, and the lines that head it (and the other formats' notes).

The text parses to the block's own mapping (a test loads it through the scenario loader), so the comments are
the only thing added; the provenance key carries the same facts for machines.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from scipy.special import ndtri

from hcsworkforce.analytics.calibrate import CalibrationBlock, Choice
from hcsworkforce.services.calibrate import CalibrateResult

SUPPLY_ORDER = (
    "leaver_rate",
    "retirement",
    "progression",
    "domestic_recruits",
    "returners",
    "international_recruits",
)


def _num(v: float) -> str:
    return f"{v:.6g}"


def _rate(c: Choice) -> str:
    return (
        f"{{value: {_num(c.value)}, sd: {_num(c.sd)}}}" if c.sd is not None else f"{{value: {_num(c.value)}}}"
    )


def comment(c: Choice) -> str:
    """One line: the kind, then what a measured value rests on or why a fallback was taken."""
    if c.kind == "measured" and c.interval is not None:
        py = f", {c.exposure_person_years:,.1f} person-years" if c.exposure_person_years is not None else ""
        return (
            f"measured: {c.events:,} events, {c.at_risk_people:,} people at risk{py}; "
            f"interval {_num(c.interval[0])}-{_num(c.interval[1])}"
        )
    if c.kind == "measured":
        return f"measured: {c.note}" if c.note else "measured"
    return f"{c.kind}: {c.note}" if c.note else c.kind


def _leaf_lines(choices: list[Choice], prefix: str, indent: str) -> list[str]:
    out = []
    for c in choices:
        if not c.path.startswith(prefix):
            continue
        key = c.path.removeprefix(prefix)
        value = _num(c.value) if ".probability_by_age." in c.path else _rate(c)
        out.append(f"{indent}{key}: {value}  # {comment(c)}")
    return out


def render_yaml(block: CalibrationBlock, header: list[str]) -> str:
    """The block as YAML with comments; ``header`` lines go on top as comments."""
    sc = block.scenario
    by_path = {c.path: c for c in block.choices}
    lines = [f"# {h}" for h in header]
    lines += [
        f"name: {json.dumps(sc['name'])}",
        f"description: {json.dumps(sc['description'])}",
        f"start_year: {sc['start_year']}",
        f"census_date: {sc['census_date']}",
        "supply:",
    ]
    supply = sc["supply"]
    for part in SUPPLY_ORDER:
        if part not in supply:
            continue
        lines.append(f"  {part}:")
        if part == "retirement":
            lines.append("    probability_by_age:  # each value holds until the next age given")
            for age, p in supply["retirement"]["probability_by_age"].items():
                c = by_path.get(f"supply.retirement.probability_by_age.{age}")
                why = (
                    comment(c) if c else "reference default (retirement below 55 counts as leaving; 75 is 1)"
                )
                lines.append(f"      {age}: {_num(p)}  # {why}")
            scale = by_path["supply.retirement.scale"]
            lines.append(f"    scale: {_rate(scale)}  # {comment(scale)}")
            continue
        sub = "rate_per_year" if part == "progression" else "by_level"
        lines.append(f"    {sub}:")
        lines += _leaf_lines(block.choices, f"supply.{part}.{sub}.", "      ")
    lines.append("# Where each value came from (the comments above say the same):")
    lines.append(
        yaml.safe_dump(
            {"provenance": sc["provenance"]}, sort_keys=False, width=110, allow_unicode=True
        ).rstrip()
    )
    return "\n".join(lines) + "\n"


def header_lines(censuses: list[Any], definition: str, level: float, min_people: int) -> list[str]:
    return [
        f"Planning rates measured by `hcs calibrate` from {len(censuses)} censuses, "
        f"{censuses[0].isoformat()} to {censuses[-1].isoformat()} (leaver definition: {definition}).",
        f"value: the rate per year; sd: the Monte Carlo spread (the {level:.0%} interval's width / "
        f"{2 * float(ndtri(0.5 + level / 2)):.2f}).",
        f"A rate on fewer than {min_people} people falls back to published turnover (leavers only, when "
        "loaded), else the reference default; the comment says which.",
        "Use it as a base: `extends: this-file.yaml` in a scenario, then set training streams and demand.",
    ]


def notes(result: CalibrateResult) -> list[str]:
    """The header lines, then the result's own notes: what every format shows under the tables."""
    q = result.query
    return [*header_lines(result.censuses, q.definition, q.interval_level, q.min_people), *result.notes]


def calibrated_yaml(result: CalibrateResult) -> str:
    """The scenario block `hcs calibrate` writes by default: a file `hcs project` accepts."""
    return render_yaml(result.block, notes(result))
