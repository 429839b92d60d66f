"""The pack job: one organisation's board pack (headlines with their variation, an SPC chart per metric, funnel
positions against England and the region, age and retirement risk, trainees, leadership, key people), cut to
what the caller may see. `hcs pack`, /api/v1/pack and the pack page render the same result; the HTML and its
charts are drawn in report/pack.py. Sections: docs/trends.md, section 5.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from hcsworkforce import reference
from hcsworkforce.analytics import people as pp
from hcsworkforce.errors import Problem, UserInputError
from hcsworkforce.model.frames import AGE_BANDS, age_band_expr
from hcsworkforce.model.labels import METRICS, RATE_METRICS, TREND_METRICS, label, metric_label
from hcsworkforce.model.scope import NATIONAL, Scope
from hcsworkforce.services import access
from hcsworkforce.services.absence import has_absence
from hcsworkforce.services.cache import data_key, results_cache
from hcsworkforce.services.discovery import LeadershipQuery, run_leadership_counts
from hcsworkforce.services.funnel import build_funnel
from hcsworkforce.services.history import organisation_rows, profile_history_frame, resolve_census
from hcsworkforce.services.trend import TrendResult, build_trend
from hcsworkforce.store import Store
from hcsworkforce.store.tables_discovery import read_leadership_counts
from hcsworkforce.store.tables_engagement import read_key_people

FUNNEL_ROW_KEYS = (
    "organisation",
    "numerator",
    "denominator",
    "rate",
    "lower_998",
    "upper_998",
    "flag",
    "rank",
    "quartile",
    "suppressed",
)


@dataclass(frozen=True)
class PackQuery:
    organisation: str | None = None  # ODS code; an organisation user's own by default
    census_date: date | None = None  # default the latest
    suppress_below: int = 5  # for the funnels, which compare organisations


@dataclass
class PackFunnel:
    metric: str
    peers: str  # "England" or the region's name
    funnel: dict[str, Any]  # the peer group's funnel (with its curve)
    row: dict[str, Any] | None  # the organisation's own row (None if it has no figures)
    points: list[dict[str, Any]]  # the peers' rows the caller may see (suppressed ones have no rate)


@dataclass
class PackResult:
    """Everything a trust's board pack shows, for the HTML and XLSX renderers, the page and the JSON."""

    organisation: str
    organisation_name: str
    region_code: str | None
    region_name: str | None
    census_date: date
    censuses: list[date]
    headlines: list[dict[str, Any]]
    trends: dict[str, TrendResult]
    funnels: list[PackFunnel]
    age_profile: list[dict[str, Any]]
    retirement: list[dict[str, Any]]
    trainees: list[dict[str, Any]]
    key_people: list[dict[str, Any]] | None  # None: no directory loaded
    suppress_below: int
    notes: list[str] = field(default_factory=list)
    # Senior HCS posts against headcount, beside nursing and AHPs: the organisation, its region, England
    # (services.discovery records); empty when the census was loaded before leadership was counted.
    leadership: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Healthcare science workforce board pack: {self.organisation_name} ({self.organisation})"

    def trend_rows(self, metric: str) -> list[dict[str, Any]]:
        s = self.trends[metric].series[0]
        return [
            {
                "period": p["period"],
                "value": p["value"],
                "mean": p["mean"],
                "lower_limit": p["lower_limit"],
                "upper_limit": p["upper_limit"],
                "variation": p["variation"],
                "rules": ";".join(p["rules"] or []),
            }
            for p in s["points"]
        ]

    @staticmethod
    def funnel_rows(f: PackFunnel) -> list[dict[str, Any]]:
        return [{k: r.get(k) for k in FUNNEL_ROW_KEYS} for r in f.points]

    def records(self) -> list[dict[str, Any]]:
        return self.headlines

    def tables(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """Every table of the pack, one a sheet (the XLSX, and the JSON's `sheets`)."""
        sheets: list[tuple[str, list[dict[str, Any]]]] = [("Headlines", self.headlines)]
        for m in self.trends:
            sheets.append((f"Trend {m}"[:31], self.trend_rows(m)))
        for f in self.funnels:
            where = "England" if f.peers == "England" else "region"
            sheets.append((f"Funnel {f.metric} {where}"[:31], self.funnel_rows(f)))
        sheets.append(("Age profile", self.age_profile))
        sheets.append(("Retirement risk", self.retirement))
        sheets.append(("Trainees", self.trainees))
        if self.leadership:
            sheets.append(
                (
                    "Leadership",
                    [{k: v for k, v in r.items() if k != "suppressed_columns"} for r in self.leadership],
                )
            )
        if self.key_people is not None:
            sheets.append(("Key people", self.key_people))
        sheets.append(("Notes", [{"note": i + 1, "text": n} for i, n in enumerate(self.notes)]))
        return sheets

    def to_json(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "organisation_name": self.organisation_name,
            "census_date": self.census_date,
            "censuses": self.censuses,
            "sheets": dict(self.tables()),
            "notes": self.notes,
        }


# -- the sections ------------------------------------------------------------------------------------------------
def _age_and_retirement(staff: pl.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    people = staff.group_by("staff_key").agg(pl.col("age").first(), pl.col("specialism_id").first())
    total = max(people.height, 1)
    bands = people.with_columns(age_band_expr().alias("age_band")).group_by("age_band").len()
    counts = dict(bands.iter_rows())
    ages = [
        {"age_band": band, "headcount": int(counts.get(band, 0)), "share": counts.get(band, 0) / total}
        for _, _, band in AGE_BANDS
    ]
    risk = (
        people.group_by("specialism_id")
        .agg(
            pl.len().alias("headcount"),
            (pl.col("age") >= 55).sum().alias("aged_55_plus"),
            (pl.col("age") >= 60).sum().alias("aged_60_plus"),
        )
        .with_columns((pl.col("aged_55_plus") / pl.col("headcount")).alias("share_55_plus"))
        .sort(["share_55_plus", "headcount"], descending=True)
    )
    retirement = [
        {
            "specialism": r["specialism_id"],
            "specialism_name": label("specialism", r["specialism_id"]),
            "headcount": r["headcount"],
            "aged_55_plus": r["aged_55_plus"],
            "aged_60_plus": r["aged_60_plus"],
            "share_55_plus": r["share_55_plus"],
        }
        for r in risk.to_dicts()
    ]
    return ages, retirement


def _trainees(staff: pl.DataFrame, census_date: date) -> list[dict[str, Any]]:
    names = {p.id: p.name for p in reference.training_programmes().values()}
    horizon = date(census_date.year + 1, census_date.month, min(census_date.day, 28))
    rows = (
        staff.filter(pl.col("training_programme") != "none")
        .group_by("training_programme")
        .agg(
            pl.col("staff_key").n_unique().alias("people"),
            pl.col("fte").sum().alias("fte"),
            pl.col("staff_key")
            .filter(pl.col("expected_completion") <= horizon)
            .n_unique()
            .alias("completing_within_12_months"),
            pl.col("expected_completion").max().alias("last_expected_completion"),
        )
        .sort("people", descending=True)
    )
    return [
        {
            "programme": r["training_programme"],
            "programme_name": names.get(r["training_programme"], r["training_programme"]),
            **{k: v for k, v in r.items() if k != "training_programme"},
        }
        for r in rows.to_dicts()
    ]


def _key_people(
    store: Store, organisation: str, region: str | None, census_date: date
) -> list[dict[str, Any]] | None:
    with store.engine.connect() as conn:
        if not store.engine.dialect.has_table(conn, "key_people"):
            return None
    entries = read_key_people(store)
    if not entries:
        return None
    required = [
        p
        for p in pp.required_posts({organisation: region})
        if (p.scope == "organisation" and p.scope_code == organisation)
        or (p.scope == "region" and p.scope_code == region)
    ]
    return pp.people_gaps(entries, required, as_of=census_date, include_filled=True)


def _leadership(
    store: Store, code: str, region_code: str | None, d: date, suppress_below: int
) -> list[dict[str, Any]]:
    """The organisation's own leadership figures (nothing crosses organisations), then its region's and
    England's, suppressed as anything that compares organisations is."""
    counts = read_leadership_counts(store, d)
    if counts.height == 0 or code not in set(counts["organisation_code"].to_list()):
        return []
    orgs = store.organisations().select(pl.col("organisation_code").alias("code"), "region_code")
    own = run_leadership_counts(counts, orgs, LeadershipQuery(0, Scope("organisation", code))).records()
    wide = run_leadership_counts(counts, orgs, LeadershipQuery(suppress_below, NATIONAL)).records()
    around = [
        r
        for r in wide
        if (r["level"] == "region" and r["region_code"] == region_code) or r["level"] == "england"
    ]
    return [*own, *around]


def _funnels(
    store: Store,
    code: str,
    region_code: str | None,
    info: dict[str, Any],
    metrics: list[str],
    suppress_below: int,
    with_absence: bool,
) -> tuple[list[PackFunnel], dict[tuple[str, str], str | None]]:
    """Each rate against England and against the region, the organisation highlighted, and its flags."""
    d = info["census_date"]
    rows = organisation_rows(store, d, with_absence=with_absence)
    funnels: list[PackFunnel] = []
    flags: dict[tuple[str, str], str | None] = {}
    for m in [m for m in RATE_METRICS if m in metrics]:
        if m == "leaver_rate_12m" and not info["has_leaver_data"]:
            continue
        for peers in ("nation", "region"):
            try:
                res = build_funnel(
                    rows, m, peers=peers, census_date=d, suppress_below=suppress_below, highlight=code
                )
            except UserInputError:
                continue
            own = res.row_for(code)
            group = (
                own["peer_group"]
                if own
                else (
                    "England" if peers == "nation" else reference.regions().get(region_code or "", "region")
                )
            )
            fun = next((f for f in res.funnels if f["peer_group"] == group), None)
            if fun is None:
                continue
            pts = [r for r in res.organisations if r["peer_group"] == group]
            funnels.append(PackFunnel(m, group, fun, own, pts))
            flags[(m, peers)] = None if own is None or own.get("suppressed") else own.get("flag")
    return funnels, flags


def _headline(m: str, tr: TrendResult, flags: dict[tuple[str, str], str | None]) -> dict[str, Any]:
    s = tr.series[0]
    last = next((p for p in reversed(s["points"]) if p["value"] is not None), None)
    return {
        "metric": m,
        "measure": metric_label(m),
        "latest": None if last is None else last["value"],
        "period": None if last is None else last["period"],
        "mean": None if last is None else last["mean"],
        "lower_limit": None if last is None else last["lower_limit"],
        "upper_limit": None if last is None else last["upper_limit"],
        "variation": s["summary"]["variation"],
        "improvement_direction": tr.improvement_direction,
        "against_england": flags.get((m, "nation")),
        "against_region": flags.get((m, "region")),
    }


def build_pack(
    store: Store, organisation: str, *, census_date: date | None = None, suppress_below: int = 5
) -> PackResult:
    """The board pack of one organisation on a census (the latest by default), over every census up to it, as a
    national user sees it (every peer named in the funnels)."""
    code = organisation.strip().upper()
    info = resolve_census(store, census_date)
    d = info["census_date"]
    scope = Scope("organisation", code)
    staff = store.staff(d, scope)
    if staff.height == 0:
        raise UserInputError(f"no staff at {code} in census {d.isoformat()}: check the ODS code")
    region = (
        staff["region_code"].drop_nulls().first()
        if staff["region_code"].null_count() < staff.height
        else None
    )
    region_code = str(region) if region is not None else None
    names = dict(store.organisations().select("organisation_code", "organisation_name").iter_rows())
    absence = has_absence(store)
    history = profile_history_frame(store, [], start=None, end=d, scope=scope, with_absence=absence)
    hf = history.frame
    metrics = [m for m in TREND_METRICS if m in hf.columns and hf[m].null_count() < hf.height]
    trends = {
        m: build_trend(
            history,
            m,
            [],
            improvement=METRICS[m].improvement,
            target=None,
            fix_after=None,
            rebase_at=[],
            screen=True,
            suppress_below=0,  # the organisation's own totals: nothing crosses organisations here
            scope=scope,
        )
        for m in metrics
    }
    funnels, flags = _funnels(store, code, region_code, info, metrics, suppress_below, absence)
    ages, retirement = _age_and_retirement(staff)
    notes = [
        "Synthetic or real, these figures come from the censuses loaded with `hcs import`; "
        f"{len(history.censuses)} censuses up to {d.isoformat()}.",
        "Variation: Making Data Count XmR rules (docs/trends.md): special cause where a point is outside the "
        "process limits, 7 points on one side of the mean, 7 rising or falling, or 2 of 3 near a limit.",
        "Funnels: Spiegelhalter (2005), 95% and 99.8% limits, overdispersion adjusted where phi > 1; an "
        "organisation is flagged only outside the 99.8% limits.",
        f"Counts of 1 to {suppress_below - 1} are suppressed in anything that compares organisations."
        if suppress_below
        else "No suppression applied.",
        "Absence rate: FTE days lost to sickness / FTE days available in the census month (calendar days).",
    ]
    if not absence:
        notes.append("No sickness absence extract is loaded, so the absence rate is not shown.")
    return PackResult(
        organisation=code,
        organisation_name=str(names.get(code) or code).replace("Nhs ", "NHS "),
        region_code=region_code,
        region_name=reference.regions().get(region_code) if region_code else None,
        census_date=d,
        censuses=list(history.censuses),
        headlines=[_headline(m, tr, flags) for m, tr in trends.items()],
        trends=trends,
        funnels=funnels,
        age_profile=ages,
        retirement=retirement,
        trainees=_trainees(staff, d),
        key_people=_key_people(store, code, region_code, d),
        suppress_below=suppress_below,
        notes=notes,
        leadership=_leadership(store, code, region_code, d, suppress_below),
    )


# -- the job -------------------------------------------------------------------------------------------------------
def pack_organisation(store: Store, scope: Scope, organisation: str | None) -> str:
    """The organisation whose pack is asked for: an organisation user's own by default; others must choose one
    inside their scope (another is refused, 403)."""
    if not organisation:
        if scope.kind == "organisation" and scope.code:
            return scope.code
        raise UserInputError(Problem("choose an organisation", column="organisation"))
    vs = access.view_scope(store, scope, None, organisation)
    assert vs.code is not None
    return vs.code


def run(store: Store, query: PackQuery, scope: Scope = NATIONAL) -> PackResult:
    """The board pack of an organisation the caller may see, with the funnels' peer points cut to the caller's
    scope (a national user sees every peer; an organisation user sees only their own point, and no funnel
    whose peer group is too small for its aggregates to be shown)."""
    if query.suppress_below < 0:
        raise UserInputError(f"--suppress-below {query.suppress_below} must be 0 or more")
    code = pack_organisation(store, scope, query.organisation)
    key = ("pack", data_key(store), code, query.census_date, query.suppress_below)
    pack: PackResult = results_cache.get(
        key,
        lambda: build_pack(store, code, census_date=query.census_date, suppress_below=query.suppress_below),
    )
    if scope.kind == "national":
        return pack
    regions = access.region_of(store)
    funnels = [
        dataclasses.replace(
            f,
            points=[
                p
                for p in f.points
                if access.sees_organisation(scope, p["organisation"], p.get("region"), regions)
            ],
        )
        for f in pack.funnels
        if access.peer_aggregates_shown(scope, f.funnel.get("organisations"))
    ]
    notes = list(pack.notes)
    if scope.kind == "organisation":
        notes.append(
            "Funnels show this organisation only: peers' own figures are not shown to an organisation's "
            f"account, and a funnel is left out where the peer group has fewer than {access.MIN_PEERS} "
            "organisations."
        )
    return dataclasses.replace(pack, funnels=funnels, notes=notes)
