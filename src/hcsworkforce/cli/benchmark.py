"""`hcs benchmark METRIC --peers region|nation|LIST`: each organisation's rate on a funnel plot against its peers.

Numerators and denominators per organisation come from the profile engine on one census; the funnel engine
(Spiegelhalter 2005, with overdispersion) does the rest. Formulas and JSON shape: docs/trends.md.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import typer

from hcsworkforce.cli._common import DbOption, FormatOption, OutOption, check_format, emit
from hcsworkforce.cli.trend import RATE_METRICS, check_metric
from hcsworkforce.errors import UserInputError

CURVE_POINTS = 60
TABLE_COLUMNS = [
    "organisation",
    "peer_group",
    "numerator",
    "denominator",
    "rate",
    "lower_998",
    "upper_998",
    "outside_95",
    "flag",
    "rank",
    "quartile",
    "suppressed",
]
FUNNEL_COLUMNS = [
    "peer_group",
    "organisations",
    "pooled_rate",
    "phi",
    "overdispersion_applied",
    "flagged_high",
    "flagged_low",
]


def counts_for(metric: str, row: dict[str, Any]) -> tuple[float, float, list[float]] | None:
    """(numerator, denominator, counts of people checked for suppression) of one organisation's rate."""
    hc = row.get("headcount") or 0
    if metric == "leaver_rate_12m":
        leavers, start = row.get("leavers_12m"), row.get("start_headcount")
        rate = row.get("leaver_rate_12m")
        if leavers is None or rate is None:
            return None
        # The profile's leaver rate divides by the mean of the headcounts 12 months apart.
        den = leavers / rate if rate > 0 else ((start or 0) + hc) / 2
        return float(leavers), float(max(den, leavers)), [float(leavers), float(hc)]
    if metric == "vacancy_rate":
        vac, est = row.get("vacancy_fte"), row.get("establishment_fte")
        if vac is None or not est:
            return None
        return float(min(max(vac, 0.0), est)), float(est), [float(hc)]
    if metric == "share_55_plus":
        share = row.get("share_55_plus")
        if share is None or not hc:
            return None
        over = round(share * hc)
        return float(over), float(hc), [float(over), float(hc)]
    raise UserInputError(f"{metric} cannot be benchmarked")


def build_benchmark(
    rows: list[dict[str, Any]],
    metric: str,
    *,
    peers: str,
    census_date: date,
    suppress_below: int,
    highlight: str | None = None,
) -> dict[str, Any]:
    """Funnel(s) over organisation rows (profile records by region and organisation)."""
    from hcsworkforce.analytics.funnel import funnel
    from hcsworkforce.analytics.profile import label_dimension

    peer_list: list[str] | None = None
    if peers not in ("nation", "region"):
        peer_list = [p.strip().upper() for p in peers.split(",") if p.strip()]
        known = {r["organisation"] for r in rows}
        unknown = [p for p in peer_list if p not in known]
        if unknown:
            raise UserInputError(
                f"--peers: no staff at {', '.join(unknown)} in census {census_date.isoformat()}"
            )
        if len(peer_list) < 2:
            raise UserInputError("--peers needs at least two organisations to compare")
    usable = []
    for r in rows:
        if peer_list is not None and r["organisation"] not in peer_list:
            continue
        c = counts_for(metric, r)
        if c is not None:
            usable.append((r, c))
    if not usable:
        raise UserInputError(
            f"no organisation has the figures for {metric} in census {census_date.isoformat()}"
        )
    if peers == "region":
        names = sorted({str(r.get("region")) for r, _ in usable})
        group_of = {n: g for g, n in enumerate(names)}
        group = [group_of[str(r.get("region"))] for r, _ in usable]
        labels = [label_dimension("region", n if n != "None" else None) for n in names]
        codes: list[str | None] = [n if n != "None" else None for n in names]
    else:
        group = [0] * len(usable)
        labels = ["England" if peers == "nation" else "listed peers"]
        codes = [None]
    result = funnel(
        [c[0] for _, c in usable],
        [c[1] for _, c in usable],
        group=group,
        suppress_below=suppress_below,
        disclosure_counts=_disclosure(usable),
    )
    keys = [
        {"organisation": r["organisation"], "region": r.get("region"), "peer_group": labels[g]}
        for (r, _), g in zip(usable, group, strict=True)
    ]
    records = result.records(keys, suppress=suppress_below > 0)
    funnels = []
    for g, label in enumerate(labels):
        dens = [c[1] for (_, c), gg in zip(usable, group, strict=True) if gg == g and c[1] > 0]
        curve = []
        if dens:
            # From half the smallest to 1.5 x the largest denominator: the whole funnel around the points.
            grid = np.geomspace(max(min(dens) / 2, 1.0), max(dens) * 1.5, CURVE_POINTS)
            lim = result.limits_at(grid, g)
            curve = [{k: float(lim[k][j]) for k in lim} for j in range(grid.size)]
        funnels.append({"peer_group": label, "region": codes[g], **result.group_summary(g), "curve": curve})
    return {
        "metric": metric,
        "census_date": census_date,
        "peers": peers if peer_list is None else peer_list,
        "highlight": highlight,
        "funnels": funnels,
        "organisations": records,
    }


def _disclosure(usable: list[tuple[dict[str, Any], tuple[float, float, list[float]]]]) -> list[list[float]]:
    width = max(len(c[2]) for _, c in usable)
    return [[c[2][j] if j < len(c[2]) else 0.0 for _, c in usable] for j in range(width)]


def register(app: typer.Typer) -> None:
    @app.command("benchmark")
    def benchmark_cmd(
        metric: str = typer.Argument(..., help="Rate: " + ", ".join(RATE_METRICS)),
        peers: str = typer.Option(
            "nation", "--peers", help="nation, region (a funnel per region), or a comma list of ODS codes"
        ),
        census: str | None = typer.Option(None, "--census", help="Census date (default the latest)"),
        organisation: str | None = typer.Option(
            None, "--organisation", help="Show this organisation first (its peers stay in the funnel)"
        ),
        suppress_below: int | None = typer.Option(
            None,
            "--suppress-below",
            help="Suppress organisations with counts below this (default: setting, 5)",
        ),
        fmt: str = FormatOption,
        out: Path | None = OutOption,
        db: str | None = DbOption,
    ) -> None:
        """Compare organisations' rates on a funnel plot (95% and 99.8% limits, overdispersion adjusted)."""
        from hcsworkforce.analytics.profile import profile
        from hcsworkforce.cli.importing import parse_date_option
        from hcsworkforce.settings import get_settings
        from hcsworkforce.store import open_store

        check_format(fmt, out)
        m = check_metric(metric, list(RATE_METRICS))
        threshold = get_settings().suppress_below if suppress_below is None else suppress_below
        if threshold < 0:
            raise UserInputError(f"--suppress-below {threshold} must be 0 or more")
        store = open_store(db)
        if not store.is_initialised():
            raise UserInputError("the database is empty: run `hcs import FILE` (or `make demo`) first")
        cdate = parse_date_option("--census", census)
        info = store.census_info(cdate)
        if info is None:
            dates = ", ".join(d.isoformat() for d in store.census_dates()) or "none"
            raise UserInputError(f"no census dated {census} (censuses loaded: {dates})")
        d = info["census_date"]
        # Peers need every organisation, so the rows are read nationally; suppression guards what is shown.
        rows = profile(
            store.staff(d),
            store.leavers(d),
            store.establishment(d),
            ["region", "organisation"],
            d,
            has_leaver_data=bool(info["has_leaver_data"]),
            suppress_below=0,
        )
        if m == "leaver_rate_12m" and not info["has_leaver_data"]:
            raise UserInputError("this census has no leaver data, so leaver rates cannot be compared")
        highlight = organisation.upper() if organisation else None
        payload = build_benchmark(
            rows,
            m,
            peers=peers.strip().lower() if peers.strip().lower() in ("nation", "region") else peers,
            census_date=d,
            suppress_below=threshold,
            highlight=highlight,
        )
        if highlight:
            payload["organisations"].sort(key=lambda r: r["organisation"] != highlight)
        title = f"{m}: organisations against {peers} peers, census {d.isoformat()}"
        notes = [
            "Flagged only outside the 99.8% limits; rank 1 = lowest rate. Method: docs/trends.md.",
            *[
                f"{f['peer_group']}: pooled rate {f['pooled_rate']:.4f}, phi {f['phi']:.2f} "
                f"({'overdispersion applied' if f['overdispersion_applied'] else 'no overdispersion adjustment'})"
                for f in payload["funnels"]
                if f["pooled_rate"] is not None and f["phi"] is not None
            ],
        ]
        if threshold:
            notes.append(f"Organisations with counts of 1 to {threshold - 1} are suppressed.")
        summary = [{k: v for k, v in f.items() if k != "curve"} for f in payload["funnels"]]
        for s in summary:
            s["quartile_cuts"] = ", ".join("" if c is None else f"{c:.4f}" for c in s["quartile_cuts"])
        sections = [("Organisations", payload["organisations"])]
        if fmt != "csv":
            sections.append(("Funnels", summary))
        emit(
            fmt,
            out,
            title=title,
            sections=sections,
            json_payload=payload,
            notes=notes,
            table_columns={"Organisations": TABLE_COLUMNS, "Funnels": FUNNEL_COLUMNS},
        )
