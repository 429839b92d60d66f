"""Services behind the trend, funnel, board pack, WISN, key people, engagement and pathway pages and their
/api/v1 twins.

Nothing is computed here that the engines already compute: `services.trends` (run_trend, run_benchmark,
build_pack), `analytics.wisn`, `analytics.people`, `analytics.engagement` and `analytics.pathways` do the
work. What this module adds is the web's own concerns: which part of the data the signed-in user may see
(scope), what a view that crosses organisations must suppress, the funnel disclosure rule for organisation
users, and caching keyed by the data version so that pages over national data stay fast.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.labels import label
from hcsworkforce.model.scope import Scope
from hcsworkforce.services.access import (
    MIN_PEERS,
    check_code,
    describe,
    region_of,
    suppression_for,
    view_scope,
)
from hcsworkforce.services.cache import data_key, results_cache
from hcsworkforce.store import Store

TREND_METRICS = {
    "headcount": "Headcount",
    "fte": "FTE in post",
    "vacancy_rate": "Vacancy rate",
    "leaver_rate_12m": "Leaver rate (12 months)",
    "absence_rate": "Sickness absence rate",
    "share_55_plus": "Share aged 55 or over",
}
RATE_METRICS = ("vacancy_rate", "leaver_rate_12m", "absence_rate", "share_55_plus")
FUNNEL_METRICS = {m: TREND_METRICS[m] for m in RATE_METRICS}
TREND_GROUPINGS = {
    "": "No grouping (one chart)",
    "organisation": "Organisation",
    "region": "Region",
    "specialism": "Specialism",
    "division": "Division",
    "career_level": "Career level",
    "afc_band": "Band",
}


# -- trends (SPC) ------------------------------------------------------------------------------------------
@dataclass
class TrendView:
    """One trend: the engine's TrendResult plus what a page needs to name it and pick a series."""

    metric: str
    by: list[str]
    scope: Scope  # the view's scope (the user's, narrowed by a filter)
    scope_label: str
    suppress_below: int
    result: Any  # services.trends.TrendResult
    show: str | None  # key of the series shown as a chart (grouped trends)

    @property
    def is_rate(self) -> bool:
        return self.metric in RATE_METRICS

    def key_of(self, series: dict[str, Any]) -> str:
        return "" if not self.by else str(series.get(self.by[0]))

    def label_of(self, series: dict[str, Any]) -> str:
        if not self.by:
            return self.scope_label
        return label(self.by[0], series.get(self.by[0]))

    def series(self) -> list[dict[str, Any]]:
        """The series the view covers: every group, or the one asked for with `show`."""
        all_series = list(self.result.series)
        if self.show is None:
            return all_series
        return [s for s in all_series if self.key_of(s) == self.show]

    def selected(self) -> dict[str, Any] | None:
        """The series drawn as a chart: the one asked for, else the one with most special-cause points."""
        found = self.series()
        if not found:
            return None
        if self.show is not None:
            return found[0]
        return max(found, key=lambda s: (s["summary"]["special_cause_points"], -found.index(s)))

    def summary_rows(self) -> list[dict[str, Any]]:
        rows = []
        for s in self.series():
            last = next((p for p in reversed(s["points"]) if p["value"] is not None), None)
            summ = s["summary"]
            rows.append(
                {
                    "key": self.key_of(s),
                    "group": self.label_of(s),
                    "latest_period": None if last is None else last["period"],
                    "latest": None if last is None else last["value"],
                    "mean": None if last is None else last["mean"],
                    "lower_limit": None if last is None else last["lower_limit"],
                    "upper_limit": None if last is None else last["upper_limit"],
                    "variation": summ["variation"],
                    "assurance": summ["assurance"],
                    "special_cause_points": summ["special_cause_points"],
                    "improvement_points": summ["improvement_points"],
                    "concern_points": summ["concern_points"],
                }
            )
        return rows

    def point_rows(self, series: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        rows = []
        for s in self.series() if series is None else series:
            for p in s["points"]:
                rows.append(
                    {
                        "group": self.label_of(s),
                        "period": p["period"],
                        "value": p["value"],
                        "mean": p["mean"],
                        "lower_limit": p["lower_limit"],
                        "upper_limit": p["upper_limit"],
                        "special_cause": p["special_cause"],
                        "rules": "; ".join(p["rules"] or []),
                        "variation": p["variation"],
                        "suppressed": p.get("suppressed", False),
                    }
                )
        return rows

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = self.result.to_dict()
        out["series"] = self.series()
        out.update(
            {
                "scope": {"kind": self.scope.kind, "code": self.scope.code},
                "scope_label": self.scope_label,
                "show": self.show,
            }
        )
        return out


def check_grouping(by: str | None) -> list[str]:
    by = (by or "").strip().lower()
    if by not in TREND_GROUPINGS:
        raise UserInputError(
            Problem(
                "is not a grouping",
                column="by",
                value=by[:40],
                expected="one of " + ", ".join(k for k in TREND_GROUPINGS if k),
            )
        )
    return [by] if by else []


def check_metric(metric: str, allowed: dict[str, str]) -> str:
    from hcsworkforce.services.trends import check_metric as engine_check

    return engine_check(metric, list(allowed))


def trend(
    store: Store,
    scope: Scope,
    *,
    metric: str,
    by: str | None,
    region: str | None,
    organisation: str | None,
    show: str | None,
    suppress_below: int,
) -> TrendView:
    """An XmR chart per group of `by` over every loaded census, for the view's scope.

    Suppression follows the profile's rule: the user's role decides (anyone who can see more than one
    organisation gets small groups suppressed, even when filtering to one)."""
    from hcsworkforce.services.trends import run_trend

    m = check_metric(metric, TREND_METRICS)
    dims = check_grouping(by)
    vs = view_scope(store, scope, region, organisation)
    threshold = suppression_for(scope, suppress_below)
    key = ("trend", data_key(store), vs, m, tuple(dims), threshold)
    result = results_cache.get(key, lambda: run_trend(store, m, dims, scope=vs, suppress_below=threshold))
    view = TrendView(m, dims, vs, describe(vs), threshold, result, (show or None) if dims else None)
    if view.show is not None and not view.series():
        # The key is not echoed: it may name an organisation outside the user's view.
        raise UserInputError(Problem("no group with that key in this view", column="show"))
    return view


# -- funnels -----------------------------------------------------------------------------------------------
@dataclass
class FunnelView:
    metric: str
    peers: str  # nation or region
    peer_label: str
    peer_region: str | None
    census_date: date
    scope: Scope  # the user's
    suppress_below: int  # applied to the rows shown (0 for an organisation user's own row)
    funnel: dict[str, Any] | None  # the peer group's pooled figures; None where withheld
    curve: list[dict[str, Any]]
    rows: list[dict[str, Any]]  # organisations the user may see, in the peer group
    own: str | None  # the organisation user's own code (highlighted)
    notes: list[str] = field(default_factory=list)

    @property
    def peer_organisations(self) -> int | None:
        return None if self.funnel is None else self.funnel.get("organisations")

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "census_date": self.census_date,
            "peers": self.peers,
            "peer_group": self.peer_label,
            "peer_region": self.peer_region,
            "highlight": self.own,
            "funnel": self.funnel,
            "curve": self.curve,
            "organisations": self.rows,
            "suppress_below": self.suppress_below,
            "notes": self.notes,
        }

    def table_rows(self) -> list[dict[str, Any]]:
        return [
            {
                k: r.get(k)
                for k in (
                    "organisation",
                    "organisation_label",
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
            }
            for r in self.rows
        ]


OWN_ONLY_KEYS = ("organisation", "organisation_label", "peer_group", "numerator", "denominator", "rate")


def funnel(
    store: Store,
    scope: Scope,
    *,
    metric: str,
    peers: str,
    region: str | None,
    census_date: date | None,
    suppress_below: int,
) -> FunnelView:
    """Each organisation's rate on a funnel plot against its peers (services.trends.run_benchmark), and what the
    user may see of it (the disclosure rule is in docs/web.md):

    - the funnel (pooled rate, phi, limits, quartiles) is always computed over the whole peer group;
    - rows and points are shown only for organisations in the user's scope: all (national), their region's
      (region), their own (organisation); other organisations are never named or drawn for an organisation
      user, not even anonymised, because a point's denominator is close to an organisation's size;
    - small counts are suppressed in any view that crosses organisations; an organisation user's own row is not;
    - an organisation user sees the peer group's aggregates only where it has at least MIN_PEERS organisations.
    """
    from hcsworkforce.services.trends import run_benchmark

    m = check_metric(metric, FUNNEL_METRICS)
    peers = (peers or "nation").strip().lower()
    if peers not in ("nation", "region"):
        raise UserInputError(
            Problem("is not a peer group", column="peers", value=peers[:20], expected="nation or region")
        )
    region = check_code("region", region)
    regions = region_of(store)
    own = scope.code if scope.kind == "organisation" else None
    if region and scope.kind != "national":
        view_scope(store, scope, region, None)  # 403 for another region
    peer_region: str | None = None
    if peers == "region":
        if scope.kind == "organisation":
            peer_region = regions.get(own or "")
        elif scope.kind == "region":
            peer_region = scope.code
        else:
            peer_region = region
    threshold = 0 if own else suppress_below
    key = ("funnel", data_key(store), m, peers, census_date, threshold, own)
    res = results_cache.get(
        key,
        lambda: run_benchmark(
            store, m, peers=peers, census_date=census_date, suppress_below=threshold, highlight=own
        ),
    )
    fun: dict[str, Any] | None
    if peers == "nation":
        fun = res.funnels[0]
    else:
        if peer_region is None:  # a national user who has not chosen a region: the first region with figures
            peer_region = next((f["region"] for f in res.funnels if f["region"]), None)
        fun = next((f for f in res.funnels if f["region"] == peer_region), None)
        if fun is None:
            raise UserInputError(f"no organisation in {label('region', peer_region)} has these figures")

    def visible(r: dict[str, Any]) -> bool:
        if r["peer_group"] != fun["peer_group"]:
            return False
        if scope.kind == "organisation":
            return bool(r["organisation"] == own)
        if scope.kind == "region":
            return bool(r.get("region") == scope.code or regions.get(r["organisation"]) == scope.code)
        return True

    rows = [
        {**r, "organisation_label": label("organisation", r["organisation"])}
        for r in res.organisations
        if visible(r)
    ]
    rows.sort(key=lambda r: (r["organisation"] != own, r.get("rank") is None, r.get("rank") or 0))
    summary: dict[str, Any] | None = {k: v for k, v in fun.items() if k != "curve"}
    curve = list(fun["curve"])
    notes = list(res.notes[:1])
    if summary is not None:
        notes.append(
            f"{fun['peer_group']}: {fun['organisations']} organisations, pooled rate "
            f"{_pct(fun['pooled_rate'])}, phi {fun['phi'] or 0:.2f} "
            + (
                "(overdispersion: the limits are widened by the square root of phi)"
                if fun["overdispersion_applied"]
                else "(no overdispersion adjustment: phi is not above 1)"
            )
            + "."
        )
    if own:
        notes.append(
            "Only your own organisation is shown; the funnel limits, pooled rate and quartiles are computed "
            "from every organisation in the peer group, whose own figures are not shown."
        )
        if (fun.get("organisations") or 0) < MIN_PEERS:
            summary, curve = None, []
            rows = [{k: r.get(k) for k in OWN_ONLY_KEYS} for r in rows]
            notes = [
                f"Fewer than {MIN_PEERS} organisations in {fun['peer_group']} have these figures, so the peer "
                "group's pooled rate, limits, rank and quartiles are not shown: with so few peers they would "
                "come close to revealing another organisation's rate."
            ]
    elif threshold:
        notes.append(
            f"Organisations with counts of 1 to {threshold - 1} are suppressed ([c]): this view covers more "
            "than one organisation."
        )
    return FunnelView(
        metric=m,
        peers=peers,
        peer_label=str(fun["peer_group"]),
        peer_region=fun.get("region"),
        census_date=res.census_date,
        scope=scope,
        suppress_below=threshold,
        funnel=summary,
        curve=curve,
        rows=rows,
        own=own,
        notes=notes,
    )


def _pct(v: float | None) -> str:
    return "not known" if v is None else f"{100 * v:.1f}%"


# -- board pack --------------------------------------------------------------------------------------------
def pack_organisation(store: Store, scope: Scope, organisation: str | None) -> str:
    """The organisation whose pack is asked for: an organisation user's own by default; others must choose one
    inside their scope."""
    if not organisation:
        if scope.kind == "organisation" and scope.code:
            return scope.code
        raise UserInputError(Problem("choose an organisation", column="organisation"))
    vs = view_scope(store, scope, None, organisation)
    assert vs.code is not None
    return vs.code


def board_pack(
    store: Store, scope: Scope, organisation: str | None, census_date: date | None, suppress_below: int
) -> Any:
    """services.trends.build_pack for an organisation the user may see, with the funnels' peer points cut to the
    user's scope (the pack as built names every peer, which only a national user may see)."""
    from hcsworkforce.services.trends import build_pack

    code = pack_organisation(store, scope, organisation)
    key = ("pack", data_key(store), code, census_date, suppress_below)
    pack = results_cache.get(
        key, lambda: build_pack(store, code, census_date=census_date, suppress_below=suppress_below)
    )
    if scope.kind == "national":
        return pack
    regions = region_of(store)
    funnels = []
    for f in pack.funnels:
        if scope.kind == "organisation":
            if (f.funnel.get("organisations") or 0) < MIN_PEERS:
                continue  # the disclosure rule of the funnel page
            points = [p for p in f.points if p["organisation"] == code]
        else:
            points = [p for p in f.points if regions.get(p["organisation"]) == scope.code]
        funnels.append(dataclasses.replace(f, points=points))
    notes = list(pack.notes)
    if scope.kind == "organisation":
        notes.append(
            "Funnels show this organisation only: peers' own figures are not shown to an organisation's "
            f"account, and a funnel is left out where the peer group has fewer than {MIN_PEERS} organisations."
        )
    return dataclasses.replace(pack, funnels=funnels, notes=notes)


def pack_sheets(pack: Any) -> list[tuple[str, Any]]:
    from hcsworkforce.report.pack import xlsx_sheets

    return xlsx_sheets(pack)


# -- WISN --------------------------------------------------------------------------------------------------


# -- key people --------------------------------------------------------------------------------------------


# -- engagement --------------------------------------------------------------------------------------------


# -- pathways ----------------------------------------------------------------------------------------------
