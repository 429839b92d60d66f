"""`hcs wisn FILE`: staffing need per cadre by the WHO WISN method, from a YAML file.

JSON output is an object `{"cadres": [...]}` with one record per cadre, in file order: the headline keys
(cadre, available_working_time_days, available_working_time_hours, staff_for_health_services,
category_allowance_factor, individual_allowance_factor, required_staff, existing_staff, wisn_difference,
wisn_ratio, workload_pressure) and the per-activity lists health_service_activities, support_activities and
additional_activities. An object rather than a bare list, so that keys can be added later without breaking
readers. CSV is the headline table only; XLSX and HTML add a table per activity type.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import typer

from hcsworkforce.analytics.wisn import WORKLOAD_PRESSURE_BANDS, calculate_wisn_for_cadres
from hcsworkforce.cli._common import FormatOption, OutOption, check_format, emit
from hcsworkforce.errors import UserInputError
from hcsworkforce.ingest.wisn_file import read_wisn_file
from hcsworkforce.model.wisn import WisnResult

TITLE = "Staffing need by the WHO WISN method"

# Row labels for the terminal table, which shows one column per cadre so that it fits a terminal.
MEASURE_LABELS = {
    "available_working_time_days": "Available working time (days a year)",
    "available_working_time_hours": "Available working time (hours a year)",
    "staff_for_health_services": "Staff for health service activities",
    "category_allowance_factor": "Category allowance factor (CAF)",
    "individual_allowance_factor": "Individual allowance factor (IAF)",
    "required_staff": "Required staff (WISN)",
    "existing_staff": "Existing staff",
    "wisn_difference": "WISN difference (existing - required)",
    "wisn_ratio": "WISN ratio (existing / required)",
    "workload_pressure": "Workload pressure",
}


def pressure_note() -> str:
    bands = []
    lower = 0.0
    for upper, label in WORKLOAD_PRESSURE_BANDS:
        bands.append(f"{label} {lower:.2f} to under {upper:.2f}")
        lower = upper
    bands.append(f"Low {lower:.2f} and over")
    return (
        "WISN ratio under 1 means fewer staff than the workload needs (a negative difference is a shortage). "
        "Workload pressure by WISN ratio: " + "; ".join(bands) + "."
    )


def activity_rows(results: list[WisnResult], kind: str) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        for activity in getattr(r, kind):
            rows.append({"cadre": r.cadre, **dataclasses.asdict(activity)})
    return rows


def measures_by_cadre(results: list[WisnResult]) -> list[dict[str, Any]]:
    """The headline figures turned on their side: one row per measure, one column per cadre."""
    rows = []
    for key, label in MEASURE_LABELS.items():
        row: dict[str, Any] = {"measure": label}
        for r in results:
            value = getattr(r, key)
            # Two decimals, as published WISN tables give them; the generic table shows one above 1.0.
            if isinstance(value, float) and key not in (
                "available_working_time_days",
                "available_working_time_hours",
            ):
                value = f"{value:,.2f}"
            row[r.cadre] = value
        rows.append(row)
    return rows


def wisn_command(
    file: Path = typer.Argument(
        ..., help="WISN YAML file: one cadre, or a list of cadres (see docs/wisn.md)"
    ),
    fmt: str = FormatOption,
    out: Path | None = OutOption,
) -> None:
    """Staffing need per cadre by the WHO Workload Indicators of Staffing Need (WISN) method."""
    check_format(fmt, out)
    cadres = read_wisn_file(file)
    try:
        results = calculate_wisn_for_cadres(cadres)
    except UserInputError as e:
        # The engine knows the cadre but not the file it came from.
        located = [p if p.file else dataclasses.replace(p, file=str(file)) for p in e.problems]
        raise UserInputError(located, total=e.total) from e

    details = [
        ("Health service activities", activity_rows(results, "health_service_activities")),
        ("Support activities (category allowances)", activity_rows(results, "support_activities")),
        ("Additional activities (individual allowances)", activity_rows(results, "additional_activities")),
    ]
    details = [(name, rows) for name, rows in details if rows]
    headline = measures_by_cadre(results) if fmt == "table" else [r.summary() for r in results]
    emit(
        fmt,
        out,
        title=TITLE,
        sections=[("WISN results", headline), *details],
        json_payload={"cadres": [r.to_dict() for r in results]},
        notes=[f"Source file: {file}", pressure_note()],
    )


def register(app: typer.Typer) -> None:
    app.command("wisn")(wisn_command)
