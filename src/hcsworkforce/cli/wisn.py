"""`hcs wisn FILE`: staffing need per cadre by the WHO WISN method, from a YAML file.

JSON output is an object `{"source": FILE, "cadres": [...]}` (the same as GET/POST /api/v1/wisn, whose source is
the example's name or "uploaded file") with one record per cadre, in file order: the headline keys (cadre,
available_working_time_days, available_working_time_hours, staff_for_health_services,
category_allowance_factor, individual_allowance_factor, required_staff, existing_staff, wisn_difference,
wisn_ratio, workload_pressure) and the per-activity lists health_service_activities, support_activities and
additional_activities. An object rather than a bare list, so that keys can be added later without breaking
readers. CSV is the headline table only; XLSX and HTML add a table per activity type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import FormatOption, OutOption, check_format, emit
from hcsworkforce.model.labels import WISN_MEASURE_LABELS
from hcsworkforce.services import wisn

TITLE = "Staffing need by the WHO WISN method"
# Shown as a whole number of days or hours, as the generic table does; the rest to two decimals.
_WHOLE = ("available_working_time_days", "available_working_time_hours")


def measures_by_cadre(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The headline figures turned on their side, to fit a terminal: one row per measure, one column per cadre."""
    rows = []
    for key, label in WISN_MEASURE_LABELS.items():
        row: dict[str, Any] = {"measure": label}
        for r in records:
            value = r[key]
            # Two decimals, as published WISN tables give them; the generic table shows one above 1.0.
            row[r["cadre"]] = f"{value:,.2f}" if isinstance(value, float) and key not in _WHOLE else value
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
    result = wisn.run(None, wisn.WisnQuery(path=file))
    sections = result.tables()
    if fmt == "table":
        sections = [("WISN results", measures_by_cadre(result.records())), *sections[1:]]
    emit(fmt, out, title=TITLE, sections=sections, json_payload=result.to_json(), notes=result.notes)


def register(app: typer.Typer) -> None:
    app.command("wisn")(wisn_command)
