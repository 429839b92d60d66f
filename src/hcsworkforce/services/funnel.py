"""The funnel job: each organisation's rate on a funnel plot against its peers (Spiegelhalter 2005, with
overdispersion), for `hcs funnel` (and its alias `hcs benchmark`), /api/v1/funnel and the funnel page alike,
with what the caller may see of it decided by services.access. Formulas and JSON shape: docs/trends.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from hcsworkforce.analytics.funnel import funnel
from hcsworkforce.errors import UserInputError
from hcsworkforce.model.labels import RATE_METRICS, check_metric, label
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services import access
from hcsworkforce.services.absence import NOT_LOADED
from hcsworkforce.services.cache import data_key, results_cache
from hcsworkforce.services.history import organisation_rows, resolve_census
from hcsworkforce.store import Store

CURVE_POINTS = 60
# The columns of a funnel's rows, in the CSV and the organisations table.
ROW_COLUMNS = (
    "organisation",
    "organisation_label",
    "region",
    "peer_group",
    "numerator",
    "denominator",
    "rate",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "z_score",
    "outside_95",
    "flag",
    "rank",
    "quartile",
    "suppressed",
)


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
    if metric == "absence_rate":
        lost, avail = row.get("fte_days_lost"), row.get("fte_days_available")
        if lost is None or not avail:
            return None
        # FTE days are not people: suppression looks at the staff absent and the headcount instead.
        return float(lost), float(avail), [float(row.get("staff_absent") or 0), float(hc)]
    raise UserInputError(f"{metric} cannot be compared on a funnel")


@dataclass
class Funnels:
    """Every organisation's row and every peer group's funnel (with its limit curve), before the access rules
    decide what a caller sees."""

    metric: str
    census_date: date
    peers: str | list[str]
    highlight: str | None
    funnels: list[dict[str, Any]]  # one per peer group
    organisations: list[dict[str, Any]]  # one per organisation (suppressed rows keep only their key)

    def row_for(self, organisation: str) -> dict[str, Any] | None:
        return next((r for r in self.organisations if r["organisation"] == organisation), None)


def _disclosure(usable: list[tuple[dict[str, Any], tuple[float, float, list[float]]]]) -> list[list[float]]:
    width = max(len(c[2]) for _, c in usable)
    return [[c[2][j] if j < len(c[2]) else 0.0 for _, c in usable] for j in range(width)]


def build_funnel(
    rows: list[dict[str, Any]],
    metric: str,
    *,
    peers: str,
    census_date: date,
    suppress_below: int,
    highlight: str | None = None,
) -> Funnels:
    """Funnel(s) over organisation rows (profile records by region and organisation): one for the nation or a
    list of peers, or one per region."""
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
        labels = [label("region", n if n != "None" else None) for n in names]
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
        {
            "organisation": r["organisation"],
            "organisation_label": label("organisation", r["organisation"]),
            "region": r.get("region"),
            "peer_group": labels[g],
        }
        for (r, _), g in zip(usable, group, strict=True)
    ]
    records = result.records(keys, suppress=suppress_below > 0)
    funnels = []
    for g, name in enumerate(labels):
        dens = [c[1] for (_, c), gg in zip(usable, group, strict=True) if gg == g and c[1] > 0]
        curve = []
        if dens:
            # From half the smallest to 1.5 x the largest denominator: the whole funnel around the points.
            grid = np.geomspace(max(min(dens) / 2, 1.0), max(dens) * 1.5, CURVE_POINTS)
            lim = result.limits_at(grid, g)
            curve = [{k: float(lim[k][j]) for k in lim} for j in range(grid.size)]
        funnels.append(
            {
                "peer_group": name,
                "region": codes[g],
                "withheld": False,
                **result.group_summary(g),
                "curve": curve,
            }
        )
    order = {f["peer_group"]: i for i, f in enumerate(funnels)}
    records.sort(
        key=lambda r: (
            r["organisation"] != highlight,
            order[r["peer_group"]],
            r.get("rank") is None,
            r.get("rank") or 0,
        )
    )
    return Funnels(
        metric=metric,
        census_date=census_date,
        peers=peers if peer_list is None else peer_list,
        highlight=highlight,
        funnels=funnels,
        organisations=records,
    )


@dataclass(frozen=True)
class FunnelQuery:
    metric: str
    peers: str = "nation"  # nation, region (a funnel per region), or a comma list of ODS codes
    region: str | None = None  # with peers=region: only this region's funnel
    census_date: date | None = None  # default the latest
    highlight: str | None = None  # shown first (an organisation user's own always is)
    suppress_below: int = 5  # for outputs that cross organisations


@dataclass
class FunnelResult:
    metric: str
    census_date: date
    peers: str | list[str]
    highlight: str | None
    scope: Scope  # the caller's
    suppress_below: int  # applied to the rows shown (0 for an organisation user's own row)
    funnels: list[dict[str, Any]]  # the peer groups shown, with their curves (aggregates null where withheld)
    organisations: list[dict[str, Any]]  # the organisations the caller may see, in those peer groups
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        peers = self.peers if isinstance(self.peers, str) else "listed"
        return f"{self.metric}: organisations against {peers} peers, census {self.census_date.isoformat()}"

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "census_date": self.census_date,
            "peers": self.peers,
            "highlight": self.highlight,
            "suppress_below": self.suppress_below,
            "funnels": self.funnels,
            "organisations": self.organisations,
            "notes": self.notes,
        }

    def records(self) -> list[dict[str, Any]]:
        return [{k: r.get(k) for k in ROW_COLUMNS} for r in self.organisations]

    def funnel_rows(self) -> list[dict[str, Any]]:
        """One row per peer group, without its curve (the quartile cuts as text)."""
        rows = [{k: v for k, v in f.items() if k != "curve"} for f in self.funnels]
        for s in rows:
            s["quartile_cuts"] = ", ".join("" if c is None else f"{c:.4f}" for c in s["quartile_cuts"] or [])
        return rows

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return [("Organisations", self.records()), ("Funnels", self.funnel_rows())]

    def rows_of(self, f: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows shown in one peer group's funnel."""
        return [r for r in self.organisations if r["peer_group"] == f["peer_group"]]


def _pct(v: float | None) -> str:
    return "not known" if v is None else f"{100 * v:.1f}%"


def _withheld(f: dict[str, Any]) -> dict[str, Any]:
    """A funnel whose peer aggregates are not shown: its name, and nulls."""
    keep = ("peer_group", "region")
    return {
        **{k: (v if k in keep else None) for k, v in f.items()},
        "withheld": True,
        "quartile_cuts": [],
        "curve": [],
    }


def _compute(
    store: Store, m: str, peers: str, census_date: date | None, threshold: int, highlight: str | None
) -> Funnels:
    info = resolve_census(store, census_date)
    d = info["census_date"]
    if m == "leaver_rate_12m" and not info["has_leaver_data"]:
        raise UserInputError("this census has no leaver data, so leaver rates cannot be compared")
    rows = organisation_rows(store, d, with_absence=m == "absence_rate")
    if m == "absence_rate" and all(r.get("fte_days_available") is None for r in rows):
        raise UserInputError(f"no sickness absence loaded for {d.strftime('%B %Y')}: {NOT_LOADED}")
    return build_funnel(rows, m, peers=peers, census_date=d, suppress_below=threshold, highlight=highlight)


def run(store: Store, query: FunnelQuery, scope: Scope = NATIONAL) -> FunnelResult:
    """Each organisation's rate against its peers on one census (the latest by default), and what the caller
    may see of it (the disclosure rule, docs/web.md):

    - the funnel (pooled rate, phi, limits, quartiles) is always computed over the whole peer group;
    - rows are shown only for organisations the caller's scope covers (services.access.sees_organisation);
    - small counts are suppressed in any view that crosses organisations; an organisation user's own row is not;
    - an organisation user sees the peer group's aggregates only where it has at least MIN_PEERS organisations.
    """
    m = check_metric(query.metric, RATE_METRICS)
    if query.suppress_below < 0:
        raise UserInputError(f"--suppress-below {query.suppress_below} must be 0 or more")
    peers = access.funnel_peers(scope, query.peers or "nation")
    peer_region = access.funnel_region(store, scope, query.region)
    own = scope.code if scope.kind == "organisation" else None
    highlight = own or (query.highlight.strip().upper() if query.highlight else None)
    threshold = access.suppression_for(scope, query.suppress_below)
    key = ("funnel", data_key(store), m, peers, query.census_date, threshold, highlight)
    res: Funnels = results_cache.get(
        key, lambda: _compute(store, m, peers, query.census_date, threshold, highlight)
    )
    shown = res.funnels
    if peers == "region" and peer_region is not None:
        shown = [f for f in res.funnels if f["region"] == peer_region]
        if not shown:
            raise UserInputError(f"no organisation in {label('region', peer_region)} has these figures")
    regions = access.region_of(store)
    groups = {f["peer_group"] for f in shown}
    rows = [
        r
        for r in res.organisations
        if r["peer_group"] in groups
        and access.sees_organisation(scope, r["organisation"], r.get("region"), regions)
    ]
    notes = ["Flagged only outside the 99.8% limits; rank 1 = lowest rate. Method: docs/trends.md."]
    funnels = []
    for f in shown:
        if not access.peer_aggregates_shown(scope, f.get("organisations")):
            funnels.append(_withheld(f))
            rows = [
                {k: r.get(k) for k in access.OWN_ONLY_KEYS} if r["peer_group"] == f["peer_group"] else r
                for r in rows
            ]
            notes = [
                f"Fewer than {access.MIN_PEERS} organisations in {f['peer_group']} have these figures, so the "
                "peer group's pooled rate, limits, rank and quartiles are not shown: with so few peers they "
                "would come close to revealing another organisation's rate."
            ]
            continue
        funnels.append(f)
        notes.append(
            f"{f['peer_group']}: {f['organisations']} organisations, pooled rate {_pct(f['pooled_rate'])}, "
            f"phi {f['phi'] or 0:.2f} "
            + (
                "(overdispersion: the limits are widened by the square root of phi)"
                if f["overdispersion_applied"]
                else "(no overdispersion adjustment: phi is not above 1)"
            )
            + "."
        )
    if own and all(not f["withheld"] for f in funnels):
        notes.append(
            "Only your own organisation is shown; the funnel limits, pooled rate and quartiles are computed "
            "from every organisation in the peer group, whose own figures are not shown."
        )
    elif threshold:
        notes.append(
            f"Organisations with counts of 1 to {threshold - 1} are suppressed: their figures are left blank."
        )
    return FunnelResult(
        metric=m,
        census_date=res.census_date,
        peers=res.peers,
        highlight=highlight,
        scope=scope,
        suppress_below=threshold,
        funnels=funnels,
        organisations=rows,
        notes=notes,
    )
