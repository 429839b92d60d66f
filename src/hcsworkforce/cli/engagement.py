"""`hcs engagement`: staff survey indicators for healthcare science, with intervals and trends."""

from __future__ import annotations

from pathlib import Path

import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit
from hcsworkforce.errors import Problem, UserInputError


def register(app: typer.Typer) -> None:
    @app.command("engagement")
    def engagement(
        organisation: str | None = typer.Option(None, "--organisation", help="Only this ODS code"),
        year: int | None = typer.Option(
            None, "--year", help="Indicators for this year (default: the latest)"
        ),
        group: str = typer.Option(
            "healthcare_scientists", "--group", help="Group: healthcare_scientists or a specialism"
        ),
        suppress_below: int = typer.Option(
            11, "--suppress-below", help="Suppress groups with fewer respondents"
        ),
        alpha: float = typer.Option(0.05, "--alpha", help="Significance level of the flags"),
        db: str | None = DbOption,
        fmt: str = FormatOption,
        out: Path | None = OutOption,
    ) -> None:
        """Engagement for healthcare science against the rest of the organisation and the national average."""
        from hcsworkforce.analytics import engagement as eg
        from hcsworkforce.ingest.survey import from_store_rows, resolve_group
        from hcsworkforce.settings import get_settings
        from hcsworkforce.store import open_store
        from hcsworkforce.store.tables_engagement import read_survey_results

        check_format(fmt, out)
        if not 0 < alpha < 1:
            raise UserInputError(
                Problem(
                    "--alpha: not a significance level",
                    value=str(alpha),
                    expected="a number between 0 and 1, e.g. 0.05",
                )
            )
        grp = resolve_group(group)
        if grp is None:
            raise UserInputError(
                Problem(
                    "--group: not a staff group or specialism",
                    value=group,
                    expected="healthcare_scientists or a specialism",
                )
            )
        # Never publish below the project's own threshold, whatever is asked for.
        threshold = max(suppress_below, get_settings().suppress_below)
        store = open_store(db, migrate=True)
        results = from_store_rows(read_survey_results(store))
        if not results:
            raise UserInputError("no survey results loaded: run `hcs survey import FILE` first")
        years = sorted({r.year for r in results})
        chosen = year if year is not None else years[-1]
        if chosen not in years:
            raise UserInputError(
                Problem(
                    "--year: no results for this year", value=str(year), expected=", ".join(map(str, years))
                )
            )
        orgs = [organisation.strip().upper()] if organisation else None
        indicators = eg.engagement_indicators(
            results, group=grp, organisations=orgs, years=[chosen], suppress_below=threshold, alpha=alpha
        )
        trends = eg.engagement_trends(
            results, group=grp, organisations=orgs, suppress_below=threshold, alpha=alpha
        )
        if orgs and not indicators and not trends:
            raise UserInputError(
                Problem(
                    "--organisation: no survey results for this organisation",
                    value=orgs[0],
                    expected="an organisation in the survey file",
                )
            )
        flagged = sum(
            1 for r in indicators if r["significant_vs_organisation"] or r["significant_vs_national"]
        )
        tested = sum(1 for r in indicators if r["p_value_vs_organisation"] is not None)
        notes = [
            f"{grp} in {chosen}: 95% intervals (Wilson for percentages; normal for scores with an SD). "
            f"Flags mark differences with p < {alpha} (two-sided z-test); {flagged} of {len(indicators)} rows "
            f"flagged. With {tested} tests, about {alpha * tested:.0f} would be flagged by chance alone.",
            "Against the organisation = against its other staff (whole staff less this group).",
            f"Groups with fewer than {threshold} respondents are suppressed, as are comparisons whose other "
            "group is that small.",
        ]
        emit(
            fmt,
            out,
            title=f"Staff engagement: {grp}, {chosen}",
            sections=[("Indicators", indicators), ("Trends", trends)],
            json_payload={
                "group": grp,
                "year": chosen,
                "suppress_below": threshold,
                "alpha": alpha,
                "indicators": indicators,
                "trends": trends,
                "notes": notes,
            },
            notes=notes,
            table_columns={
                "Indicators": [
                    "organisation_code",
                    "question",
                    "respondents",
                    "value",
                    "ci_low",
                    "ci_high",
                    "rest_of_organisation",
                    "significant_vs_organisation",
                    "national",
                    "significant_vs_national",
                    "suppressed",
                ],
                "Trends": [
                    "organisation_code",
                    "question",
                    "year",
                    "respondents",
                    "value",
                    "ci_low",
                    "ci_high",
                    "change",
                    "significant_change",
                    "suppressed",
                ],
            },
        )
