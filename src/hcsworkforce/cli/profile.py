"""`hcs profile`: the workforce profile grouped by any dimensions, and `hcs quality` for the last import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit, parse_by
from hcsworkforce.cli.importing import parse_date_option
from hcsworkforce.model.frames import PROFILE_DIMENSIONS
from hcsworkforce.model.scope import Scope
from hcsworkforce.report.tabular import finding_example

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


def _scope(organisation: str | None, region: str | None) -> Scope:
    from hcsworkforce.errors import UserInputError

    if organisation and region:
        raise UserInputError("give --organisation or --region, not both")
    if organisation:
        return Scope("organisation", organisation.upper())
    if region:
        from hcsworkforce import reference

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
        return Scope("region", code)
    return Scope()


def _pct(v: Any) -> Any:
    return None if v is None else round(100 * v, 1)


def register(app: typer.Typer) -> None:
    @app.command("profile")
    def profile_cmd(
        by: str | None = typer.Option(None, "--by", help="Group by: " + ", ".join(PROFILE_DIMENSIONS)),
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
        from hcsworkforce.services.profile import run_profile
        from hcsworkforce.settings import get_settings
        from hcsworkforce.store import open_store

        check_format(fmt, out)
        dims = parse_by(by, PROFILE_DIMENSIONS)
        threshold = get_settings().suppress_below if suppress_below is None else suppress_below
        if threshold < 0:
            from hcsworkforce.errors import UserInputError

            raise UserInputError(f"--suppress-below {threshold} must be 0 or more")
        store = open_store(db)
        if not store.is_initialised():
            from hcsworkforce.errors import UserInputError

            raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
        result = run_profile(
            store,
            dims,
            census_date=parse_date_option("--census-date", census_date),
            scope=_scope(organisation, region),
            suppress_below=threshold,
        )
        rows = result.labelled_rows()
        total = {**{d: "Total" for d in dims}, **result.total}
        where = "England" if result.scope.kind == "national" else f"{result.scope.kind} {result.scope.code}"
        title = f"Healthcare science workforce profile, {where}, census {result.census_date.isoformat()}"
        notes = [
            f"Source: {result.source_file}. Headcount counts people, so groups need not add up to the total.",
            f"Groups of fewer than {threshold} people are suppressed."
            if threshold
            else "No suppression applied.",
        ]
        if not result.has_establishment:
            notes.append(
                "No establishment loaded: vacancies are not computed (hcs import --establishment FILE)."
            )
        if not result.has_leaver_data:
            notes.append("The extract had no termination dates: leaver rate and stability are not computed.")
        band_mix = [
            {
                **{d: r.get(f"{d}_name", r[d]) for d in dims},
                **{k.replace("share_band_", "band_"): _pct(r[k]) for k in r if k.startswith("share_band_")},
            }
            for r in [*rows, total]
        ]
        quality = [
            {
                "check": f["check"],
                "severity": f["severity"],
                "count": f["count"],
                "detail": f["detail"],
                "examples": ", ".join(map(finding_example, f["examples"][:5])),
            }
            for f in result.data_quality
        ]
        if fmt == "table":
            display = []
            for r in [*rows, total]:
                row = {d: r.get(f"{d}_name", r[d]) for d in dims}
                for c in TABLE_COLUMNS:
                    v = r.get(c)
                    row[c] = (
                        _pct(v)
                        if c in ("share_55_plus", "vacancy_rate", "leaver_rate_12m", "stability_index")
                        else v
                    )
                if r.get("suppressed"):
                    row["note"] = "suppressed"
                display.append(row)
            headers = {
                "headcount": "headcount",
                "fte": "FTE",
                "mean_age": "mean age",
                "share_55_plus": "55+ %",
                "vacancy_fte": "vacancy FTE",
                "vacancy_rate": "vacancy %",
                "leaver_rate_12m": "leavers 12m %",
                "stability_index": "stability %",
            }
            display = [{headers.get(k, k): v for k, v in r.items()} for r in display]
            emit(
                fmt,
                out,
                title=title,
                sections=[(title, display), ("Data quality of the import", quality)],
                json_payload=None,
                notes=notes,
            )
            return
        emit(
            fmt,
            out,
            title=title,
            sections=[
                ("Profile", [*rows, total]),
                ("Band mix (% of FTE)", band_mix),
                ("Data quality", quality),
                ("Notes", [{"note": n} for n in notes]),
            ],
            json_payload=result.rows,
            notes=notes,
        )

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
        from hcsworkforce.errors import UserInputError
        from hcsworkforce.store import open_store

        check_format(fmt, out)
        store = open_store(db)
        info = (
            store.census_info(parse_date_option("--census-date", census_date))
            if store.is_initialised()
            else None
        )
        if info is None:
            raise UserInputError("no census found: run `hcs import FILE` first")
        rows = [
            {
                "check": f["check"],
                "severity": f["severity"],
                "count": f["count"],
                "detail": f["detail"],
                "examples": ", ".join(map(finding_example, f["examples"])),
            }
            for f in info["data_quality"].get("findings", [])
        ]
        title = f"Data quality of census {info['census_date'].isoformat()} ({info['source_file']})"
        emit(
            fmt,
            out,
            title=title,
            sections=[(title, rows)],
            json_payload=info["data_quality"].get("findings", []),
        )
