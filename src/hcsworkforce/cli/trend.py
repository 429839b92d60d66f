"""`hcs trend METRIC --by DIMS`: each group's metric over the loaded censuses as Making Data Count SPC charts.

The store gives one census at a time; the profile engine turns each into per-group figures; the SPC engine
charts every group's series at once. Rules and JSON shape: docs/trends.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit, parse_by
from hcsworkforce.errors import UserInputError
from hcsworkforce.model.frames import PROFILE_DIMENSIONS
from hcsworkforce.model.scope import Scope

# Metric -> (improvement direction by default, what it is). Rates are proportions (0-1) in JSON.
METRICS: dict[str, tuple[str, str]] = {
    "headcount": ("increase", "people in post"),
    "fte": ("increase", "full-time equivalent in post"),
    "vacancy_rate": ("decrease", "vacant FTE / funded FTE"),
    "leaver_rate_12m": ("decrease", "leavers in the 12 months to the census / mean headcount"),
    "absence_rate": ("decrease", "FTE days lost to sickness / FTE days available"),
    "share_55_plus": ("decrease", "share of people aged 55 or over (retirement risk)"),
}
RATE_METRICS = ("vacancy_rate", "leaver_rate_12m", "absence_rate", "share_55_plus")


def check_metric(metric: str, allowed: Sequence[str]) -> str:
    m = metric.strip().lower().replace("-", "_")
    if m not in allowed:
        raise UserInputError(f"metric {metric!r} is not one of {', '.join(allowed)}")
    if m == "absence_rate":
        # The absence import (issue 8, item 2) is not in the store yet; the engine is analytics.absence.
        raise UserInputError(
            "absence_rate needs a sickness absence extract, and none can be loaded yet: "
            "the absence import is still to come"
        )
    return m


def parse_dates(name: str, value: str | None) -> list[date]:
    if not value:
        return []
    out = []
    for part in value.split(","):
        try:
            out.append(date.fromisoformat(part.strip()))
        except ValueError:
            raise UserInputError(f"{name} {part.strip()!r} is not a date (expected YYYY-MM-DD)") from None
    return out


@dataclass
class CensusRows:
    census_date: date
    rows: list[dict[str, Any]]  # profile records, unsuppressed


def profile_history(
    store: Any, by: list[str], *, start: date | None, end: date | None, scope: Scope
) -> list[CensusRows]:
    """The profile of every census between start and end (inclusive), oldest first."""
    from hcsworkforce.analytics.profile import profile

    dates = [d for d in store.census_dates() if (start is None or d >= start) and (end is None or d <= end)]
    if not dates:
        loaded = ", ".join(d.isoformat() for d in store.census_dates()) or "none"
        raise UserInputError(f"no census in the period asked for (censuses loaded: {loaded})")
    out = []
    for d in dates:
        info = store.census_info(d)
        rows = profile(
            store.staff(d, scope),
            store.leavers(d, scope),
            store.establishment(d, scope),
            by,
            d,
            has_leaver_data=bool(info and info["has_leaver_data"]),
            suppress_below=0,
        )
        out.append(CensusRows(d, rows))
    return out


def _hidden(row: dict[str, Any], metric: str, threshold: int) -> bool:
    """Would the usual suppression rule null this metric for this group?"""
    from hcsworkforce.analytics.profile import suppress

    if threshold <= 0:
        return False
    copy = dict(row)
    suppress(copy, threshold)
    return copy.get(metric) is None and row.get(metric) is not None


def build_trend(
    history: list[CensusRows],
    metric: str,
    by: list[str],
    *,
    improvement: str,
    target: float | None,
    fix_after: int | None,
    rebase_at: list[date],
    screen: bool,
    suppress_below: int,
) -> dict[str, Any]:
    """The trend result: one SPC chart per group, as flat JSON-ready records."""
    from hcsworkforce.analytics.profile import label_dimension
    from hcsworkforce.analytics.spc import spc

    periods = [h.census_date for h in history]
    keys: dict[tuple[Any, ...], int] = {}
    for h in history:
        for r in h.rows:
            keys.setdefault(tuple(r[d] for d in by), len(keys))
    values = np.full((len(keys), len(periods)), np.nan)
    hidden = np.zeros(values.shape, dtype=bool)
    for t, h in enumerate(history):
        for r in h.rows:
            i = keys[tuple(r[d] for d in by)]
            v = r.get(metric)
            values[i, t] = np.nan if v is None else float(v)
            hidden[i, t] = _hidden(r, metric, suppress_below)
    if not keys:
        raise UserInputError("no staff in the censuses asked for")
    result = spc(
        values,
        periods,
        improvement=improvement,  # type: ignore[arg-type]
        fix_after_n_points=fix_after,
        rebase_at=rebase_at,
        screen_outliers=screen,
        target=target,
    )
    series = []
    for key, i in keys.items():
        key_rec = dict(zip(by, key, strict=True))
        for d in by:
            if d in ("specialism", "region", "division", "career_level"):
                key_rec[f"{d}_name"] = label_dimension(d, key_rec[d])
        rec = result.series_record(i, key_rec)
        for t, p in enumerate(rec["points"]):
            p["suppressed"] = bool(hidden[i, t])
            if hidden[i, t]:
                # The value could reveal fewer people than the threshold; the limits rest on many points and stay.
                p.update({"value": None, "special_cause": None, "rules": [], "variation": None})
        if hidden[i, result.last_index(i) or 0]:
            rec["summary"]["variation"] = None
        series.append(rec)
    return {
        "metric": metric,
        "definition": METRICS[metric][1],
        "improvement_direction": improvement,
        "by": by,
        "from": periods[0],
        "to": periods[-1],
        "censuses": periods,
        "target": target,
        "screen_outliers": screen,
        "fix_after_n_points": fix_after,
        "rebase_at": rebase_at,
        "suppress_below": suppress_below,
        "notes": result.notes,
        "series": series,
    }


def _flat_points(payload: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for s in payload["series"]:
        key = {k: v for k, v in s.items() if k not in ("summary", "points")}
        for p in s["points"]:
            rows.append({**key, **p, "rules": ";".join(p["rules"])})
    return rows


def _summary_rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for s in payload["series"]:
        key = {k: v for k, v in s.items() if k not in ("summary", "points")}
        last = next((p for p in reversed(s["points"]) if p["value"] is not None), None)
        summ = s["summary"]
        rows.append(
            {
                **key,
                "latest": None if last is None else last["value"],
                "mean": None if last is None else last["mean"],
                "lower_limit": None if last is None else last["lower_limit"],
                "upper_limit": None if last is None else last["upper_limit"],
                "variation": summ["variation"],
                "assurance": summ["assurance"],
                "special_cause_points": summ["special_cause_points"],
            }
        )
    return rows


def register(app: typer.Typer) -> None:
    @app.command("trend")
    def trend_cmd(
        metric: str = typer.Argument(..., help="Metric: " + ", ".join(METRICS)),
        by: str | None = typer.Option(None, "--by", help="Group by: " + ", ".join(PROFILE_DIMENSIONS)),
        start: str | None = typer.Option(None, "--from", help="First census date (YYYY-MM-DD)"),
        end: str | None = typer.Option(None, "--to", help="Last census date (YYYY-MM-DD)"),
        organisation: str | None = typer.Option(None, "--organisation", help="Only this organisation (ODS)"),
        region: str | None = typer.Option(None, "--region", help="Only this region (code or name)"),
        improvement: str | None = typer.Option(
            None, "--improvement", help="increase, decrease or neutral (default: the metric's own)"
        ),
        target: float | None = typer.Option(None, "--target", help="Target, for the assurance summary"),
        fix_after: int | None = typer.Option(None, "--fix-after", help="Fix the limits after N points"),
        rebase: str | None = typer.Option(
            None, "--rebase", help="Rebase the limits at these dates (comma list)"
        ),
        no_screen: bool = typer.Option(False, "--no-screen", help="Keep moving ranges above 3.267 x mean"),
        suppress_below: int | None = typer.Option(
            None, "--suppress-below", help="Suppress points from fewer people (default: the setting, 5)"
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Change over time with SPC (Making Data Count): special causes, variation and assurance per group."""
        from hcsworkforce.cli.importing import parse_date_option
        from hcsworkforce.cli.profile import _scope
        from hcsworkforce.settings import get_settings
        from hcsworkforce.store import open_store

        check_format(fmt, out)
        m = check_metric(metric, list(METRICS))
        dims = parse_by(by, PROFILE_DIMENSIONS)
        direction = (improvement or METRICS[m][0]).lower()
        if direction not in ("increase", "decrease", "neutral"):
            raise UserInputError(f"--improvement {improvement!r} is not one of increase, decrease, neutral")
        scope = _scope(organisation, region)
        threshold = get_settings().suppress_below if suppress_below is None else suppress_below
        if threshold < 0:
            raise UserInputError(f"--suppress-below {threshold} must be 0 or more")
        if not scope.crosses_organisations() and suppress_below is None:
            threshold = 0  # an organisation's view of itself leaves nothing out
        store = open_store(db)
        if not store.is_initialised():
            raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
        history = profile_history(
            store,
            dims,
            start=parse_date_option("--from", start),
            end=parse_date_option("--to", end),
            scope=scope,
        )
        payload = build_trend(
            history,
            m,
            dims,
            improvement=direction,
            target=target,
            fix_after=fix_after,
            rebase_at=parse_dates("--rebase", rebase),
            screen=not no_screen,
            suppress_below=threshold,
        )
        where = "England" if scope.kind == "national" else f"{scope.kind} {scope.code}"
        title = (
            f"{m} by {', '.join(dims) or 'total'}, {where}, "
            f"{payload['from'].isoformat()} to {payload['to'].isoformat()}"
        )
        notes = [
            f"{len(history)} censuses; improvement direction: {direction}. Rules: docs/trends.md.",
            *payload["notes"],
        ]
        if threshold:
            notes.append(f"Points from groups of fewer than {threshold} people are suppressed.")
        emit(
            fmt,
            out,
            title=title,
            sections={
                "csv": [("Points", _flat_points(payload))],
                "table": [("Series", _summary_rows(payload))],
            }.get(fmt, [("Series", _summary_rows(payload)), ("Points", _flat_points(payload))]),
            json_payload=payload,
            notes=notes,
        )
