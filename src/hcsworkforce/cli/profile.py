"""`hcs profile`: the workforce profile grouped by any dimensions, and `hcs quality` for the last import.

Options become a services.profile.ProfileQuery; the result is the one /api/v1/profile returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hcsworkforce import reference
from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit, parse_by
from hcsworkforce.cli.importing import parse_date_option
from hcsworkforce.errors import UserInputError
from hcsworkforce.model.frames import PROFILE_DIMENSIONS
from hcsworkforce.model.labels import RATE_METRICS, metric_label
from hcsworkforce.model.scope import Scope
from hcsworkforce.settings import get_settings
from hcsworkforce.store import open_store

TABLE_COLUMNS = [
    "headcount",
    "fte",
    "mean_age",
    "share_55_plus",
    "vacancy_fte",
    "vacancy_rate",
    "leaver_rate_12m",
    "stability_index",
]
PERCENT_COLUMNS = (*RATE_METRICS, "stability_index")


def _filters(organisation: str | None, region: str | None) -> dict[str, str]:
    """--organisation and --region as the profile's filters (a region by its code or its name)."""

    if organisation and region:
        raise UserInputError("give --organisation or --region, not both")
    if organisation:
        return {"organisation": organisation.strip().upper()}
    if not region:
        return {}
    regions = reference.regions()
    code = (
        region.upper()
        if region.upper() in regions
        else next((c for c, n in regions.items() if n.lower() == region.lower()), None)
    )
    if code is None:
        raise UserInputError(
            f"--region {region!r} is not an NHS England region (expected one of "
            + ", ".join(f"{c} {n}" for c, n in regions.items())
            + ")"
        )
    return {"region": code}


def _scope(organisation: str | None, region: str | None) -> Scope:
    """--organisation or --region as a scope (`hcs trend`, `hcs absence` and `hcs calibrate` use this)."""
    f = _filters(organisation, region)
    if "organisation" in f:
        return Scope("organisation", f["organisation"])
    return Scope("region", f["region"]) if "region" in f else Scope()


def _pct(v: Any) -> Any:
    return None if v is None else round(100 * v, 1)


def quality_rows(findings: list[dict[str, Any]], examples: int | None = None) -> list[dict[str, Any]]:
    """Data-quality findings as table rows, their examples as a person reads them."""
    from hcsworkforce.report.tabular import finding_example  # start-up time: only the commands that show them

    return [
        {
            "check": f["check"],
            "severity": f["severity"],
            "count": f["count"],
            "detail": f["detail"],
            "examples": ", ".join(map(finding_example, f["examples"][:examples])),
        }
        for f in findings
    ]


def _display(rows: list[dict[str, Any]], by: list[str]) -> list[dict[str, Any]]:
    """The terminal table: labels for codes, rates in per cent, a note on suppressed rows."""
    out = []
    for r in rows:
        row: dict[str, Any] = {d: r[f"{d}_label"] for d in by}
        for c in TABLE_COLUMNS:
            if c in PERCENT_COLUMNS:
                row[f"{metric_label(c)} %"] = _pct(r.get(c))
            else:
                row[metric_label(c)] = r.get(c)
        if r.get("suppressed"):
            row["note"] = "suppressed"
        out.append(row)
    return out


def register(app: typer.Typer) -> None:
    @app.command("profile")
    def profile_cmd(
        by: str | None = typer.Option(
            None,
            "--by",
            help="Group by: "
            + ", ".join(PROFILE_DIMENSIONS)
            + " (default: the next level down, as on the page)",
        ),
        census_date: str | None = typer.Option(
            None, "--census-date", help="Which census (default the latest)"
        ),
        organisation: str | None = typer.Option(
            None, "--organisation", help="Only this organisation (ODS code)"
        ),
        region: str | None = typer.Option(None, "--region", help="Only this region (code or name)"),
        suppress_below: int | None = typer.Option(
            None,
            "--suppress-below",
            help="Suppress groups of fewer people (default: the setting, 5; 0 turns it off)",
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Headcount, FTE, age, band mix, vacancies, leaver rate and stability, by any dimensions."""
        from hcsworkforce.services.profile import ProfileQuery, run  # start-up time: this command's own

        check_format(fmt, out)
        dims = tuple(parse_by(by, PROFILE_DIMENSIONS))
        threshold = get_settings().suppress_below if suppress_below is None else suppress_below
        if threshold < 0:
            raise UserInputError(f"--suppress-below {threshold} must be 0 or more")
        store = open_store(db)
        if not store.is_initialised():
            raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
        query = ProfileQuery(
            dims,
            _filters(organisation, region),
            parse_date_option("--census-date", census_date),
            threshold,
        )
        result = run(store, query)
        if result.census_date is None:
            raise UserInputError("no workforce extract has been imported yet: run `hcs import FILE` first")
        where = " ".join(f"{k} {v}" for k, v in result.filters.items()) or "England"
        title = f"Healthcare science workforce profile, {where}, census {result.census_date.isoformat()}"
        quality = ("Data quality of the import", quality_rows(result.data_quality, 5))
        if fmt == "table":
            total = result.total_row()
            display = _display([*result.rows, *([total] if total else [])], result.by)
            sections: list[tuple[str, Any]] = [(title, display), quality]
        else:
            sections = [*result.tables(), quality]
        emit(fmt, out, title=title, sections=sections, json_payload=result.to_json(), notes=result.notes)

    @app.command("quality")
    def quality_cmd(
        census_date: str | None = typer.Option(
            None, "--census-date", help="Which census (default the latest)"
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Data-quality findings of the import that loaded a census."""
        from hcsworkforce.services.profile import quality  # start-up time: this command's own

        check_format(fmt, out)
        result = quality(open_store(db), parse_date_option("--census-date", census_date))
        title = f"Data quality of census {result.census_date.isoformat()} ({result.source_file})"
        rows = quality_rows(result.findings)
        emit(fmt, out, title=title, sections=[(title, rows)], json_payload=result.to_json())
