"""Surge redeployment and back-fill with essential-service floors, solved exactly by min-cost flow.

People who are interchangeable for the plan (same organisation, specialism, and the same training hours for
every surge role) form one class; the classes feed a flow network whose optimum is integral. The objective is
lexicographic: priority-weighted posts filled, then training hours, then moves between organisations (then
between regions). Each tier is solved on the optimal face of the tiers before it: after a solve, node
potentials from the residual graph give every arc's reduced cost, and complementary slackness says which arcs
are empty (or full) in *every* optimal flow, so fixing those arcs keeps exactly the optimal set. No big-M
weights, so nothing can overflow or round. The flow is then split into named (pseudonymous) people in a
deterministic order. docs/deployment.md has the semantics and the proof.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from ortools.graph.python import min_cost_flow

from hcsworkforce import reference
from hcsworkforce.analytics.skills import CENTI, Framework, effective_profile, training_plan
from hcsworkforce.model.surge import PRIORITY_DECIMALS, ResolvedPost, SurgeScenario

IntArray = npt.NDArray[np.int64]

COVER_PREFIX = "cover:"
# Slack when comparing sums of FTE, which are decimals held as floats.
FTE_EPS = 1e-9

REASONS = {
    "no_eligible_staff": "nobody available has, or can be trained to, the competencies the role needs",
    "budget": "staff could be trained for the role, but not within the training budget",
    "travel": "eligible staff exist, but none within the travel rule's reach of this site",
    "floor": "eligible staff within reach are held back by essential-service floors",
    "release_cap": "eligible staff within reach are held back by the maximum release share of their team",
    "assigned_elsewhere": "every eligible member of staff within reach is assigned to another post",
}


@dataclass(frozen=True)
class DeploymentPlan:
    """The result: flat records for each table, plus totals and how the solve went."""

    mode: str  # "surge" or "backup"
    assignments: list[dict[str, Any]]
    uncovered: list[dict[str, Any]]
    floors: list[dict[str, Any]]
    totals: dict[str, Any]
    solver: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "assignments": self.assignments,
            "uncovered": self.uncovered,
            "floors": self.floors,
            "totals": self.totals,
            "solver": self.solver,
        }


# --------------------------------------------------------------------------------------------------------------
# People, absence, teams and floors


def _people(staff: pl.DataFrame) -> pl.DataFrame:
    """One row per person: their team (the organisation x specialism of their largest assignment).

    Someone with assignments in two teams is kept in post (held): releasing them would take FTE from a team
    whose floor the flow does not see, and such people are rare in healthcare science.
    """
    cols = ["staff_key", "organisation_code", "region_code", "specialism_id", "career_level", "fte"]
    df = staff.select(cols).filter(
        pl.col("staff_key").is_not_null()
        & pl.col("organisation_code").is_not_null()
        & pl.col("specialism_id").is_not_null()
    )
    df = df.with_columns(pl.col("fte").fill_null(1.0).cast(pl.Float64))
    return (
        df.sort(
            ["staff_key", "fte", "organisation_code", "specialism_id"], descending=[False, True, False, False]
        )
        .group_by("staff_key", maintain_order=True)
        .agg(
            pl.col("organisation_code").first(),
            pl.col("region_code").first(),
            pl.col("specialism_id").first(),
            pl.col("career_level").first(),
            pl.col("fte").sum(),
            (pl.struct("organisation_code", "specialism_id").n_unique() > 1).alias("held"),
        )
        .sort("staff_key")
    )


def apply_absence(people: pl.DataFrame, rate: float, absent_keys: Collection[str]) -> pl.DataFrame:
    """Mark who is absent: the named people, then in each team (organisation x specialism) enough more to reach
    round(rate x headcount), taken in staff_key order. Keys are keyed hashes, so that order is arbitrary but
    reproducible, and the same scenario always gives the same plan."""
    team = ["organisation_code", "specialism_id"]
    named = pl.col("staff_key").is_in(list(absent_keys)) if absent_keys else pl.lit(False)
    df = people.with_columns(named.alias("_named"))
    target = (pl.lit(rate) * pl.len().over(team) + 0.5).floor()
    rank = pl.col("staff_key").rank("ordinal").over([*team, "_named"]) - 1
    extra = target - pl.col("_named").sum().over(team)
    return df.with_columns((pl.col("_named") | (~pl.col("_named") & (rank < extra))).alias("absent")).drop(
        "_named"
    )


def release_allowance(fte_values: list[float], allowed_fte: float) -> int:
    """The most people a team may release so that its floor holds whoever they are: the largest k for which
    the k largest FTEs sum to at most the FTE the team may lose. Whole people go, so this is the exact
    headcount form of an FTE floor, cautious by at most one part-timer's worth."""
    if allowed_fte == math.inf:
        return len(fte_values)
    total = 0.0
    k = 0
    for f in sorted(fte_values, reverse=True):
        total += f
        if total > allowed_fte + FTE_EPS:
            break
        k += 1
    return k


@dataclass
class _Team:
    id: int
    org: str
    spec: str
    region: str
    in_post_hc: int
    in_post_fte: float
    avail_hc: int
    avail_fte: float
    releasable_fte: list[float]
    min_share: float | None
    floor_fte: float | None
    k_floor: int
    k_share: int

    @property
    def k(self) -> int:
        return min(self.k_floor, self.k_share, len(self.releasable_fte))


def _floor_rules(scenario: SurgeScenario) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    general: dict[str, float] = {}
    specific: dict[tuple[str, str], float] = {}
    for f in scenario.floors:
        if f.organisations is None:
            general[f.specialism] = f.min_share
        else:
            for org in f.organisations:
                specific[(org, f.specialism)] = f.min_share
    return general, specific


def _teams(people: pl.DataFrame, scenario: SurgeScenario, backup: bool) -> list[_Team]:
    general, specific = _floor_rules(scenario)
    stats = (
        people.group_by(["organisation_code", "specialism_id"])
        .agg(
            pl.col("region_code").drop_nulls().first().alias("region"),
            pl.len().alias("in_post_hc"),
            pl.col("fte").sum().alias("in_post_fte"),
            (~pl.col("absent")).sum().alias("avail_hc"),
            pl.col("fte").filter(~pl.col("absent")).sum().alias("avail_fte"),
            pl.col("fte").filter(~pl.col("absent") & ~pl.col("held")).alias("releasable"),
        )
        .sort(["organisation_code", "specialism_id"])
    )
    teams: list[_Team] = []
    for i, r in enumerate(stats.iter_rows(named=True)):
        org, spec = r["organisation_code"], r["specialism_id"]
        share = specific.get((org, spec), general.get(spec))
        releasable = list(r["releasable"] or [])
        avail_fte = float(r["avail_fte"] or 0.0)
        in_post_fte = float(r["in_post_fte"])
        floor_fte = None
        allowed = math.inf
        if share is not None:
            # Back-up asks who fell below their usual staffing, so the floor is then a share of FTE in post.
            base = in_post_fte if backup or scenario.floor_basis == "in_post" else avail_fte
            floor_fte = share * base
            allowed = max(avail_fte - floor_fte, 0.0)
        teams.append(
            _Team(
                id=i,
                org=org,
                spec=spec,
                region=r["region"] or "",
                in_post_hc=int(r["in_post_hc"]),
                in_post_fte=in_post_fte,
                avail_hc=int(r["avail_hc"]),
                avail_fte=avail_fte,
                releasable_fte=releasable,
                min_share=share,
                floor_fte=floor_fte,
                k_floor=release_allowance(releasable, allowed),
                k_share=math.floor(scenario.max_release_share * int(r["avail_hc"]) + FTE_EPS),
            )
        )
    return teams


# --------------------------------------------------------------------------------------------------------------
# Lexicographic min-cost flow


def _potentials(
    n_nodes: int, tail: IntArray, head: IntArray, cost: IntArray, flow: IntArray, cap: IntArray
) -> IntArray:
    """Shortest-path distances in the residual graph from a virtual root joined to every node at cost 0.

    An optimal flow's residual graph has no negative cycle, so Bellman-Ford (run as vectorised sweeps until
    nothing changes) converges and the distances are optimal dual potentials.
    """
    fwd = flow < cap
    bwd = flow > 0
    u = np.concatenate([tail[fwd], head[bwd]])
    v = np.concatenate([head[fwd], tail[bwd]])
    c = np.concatenate([cost[fwd], -cost[bwd]])
    d = np.zeros(n_nodes, dtype=np.int64)
    if u.size == 0:
        return d
    order = np.argsort(v, kind="stable")
    u, v, c = u[order], v[order], c[order]
    starts = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
    targets = v[starts]
    for _ in range(n_nodes + 1):
        best = np.minimum.reduceat(d[u] + c, starts)
        improved = best < d[targets]
        if not improved.any():
            return d
        d[targets[improved]] = best[improved]
    raise RuntimeError("negative cycle in the residual graph: the flow was not optimal")


def solve_lexicographic(
    n_nodes: int,
    tail: IntArray,
    head: IntArray,
    cap: IntArray,
    costs: list[IntArray],
    supply: IntArray,
) -> tuple[IntArray, list[int]]:
    """Minimise costs[0], then costs[1] among its optima, and so on; returns the flow and each tier's value.

    Between tiers, reduced costs under optimal potentials fix the arcs: positive reduced cost means zero flow
    in every optimum, negative means full; arcs at zero reduced cost stay free. That keeps exactly the set of
    optimal flows of the tiers so far, so the next tier optimises over it, and the result is exact.
    """
    n_arcs = tail.size
    active = np.ones(n_arcs, dtype=bool)
    fixed = np.zeros(n_arcs, dtype=np.int64)
    sup = supply.astype(np.int64).copy()
    final = np.zeros(n_arcs, dtype=np.int64)
    for k, cost in enumerate(costs):
        idx = np.flatnonzero(active)
        mcf = min_cost_flow.SimpleMinCostFlow()
        if idx.size:
            mcf.add_arcs_with_capacity_and_unit_cost(tail[idx], head[idx], cap[idx], cost[idx])
        mcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int64), sup)
        status = mcf.solve()
        if status != mcf.OPTIMAL:
            raise RuntimeError(f"min-cost flow tier {k} ended with status {status}")
        f = (
            np.asarray(mcf.flows(np.arange(idx.size, dtype=np.int64)), dtype=np.int64)
            if idx.size
            else np.zeros(0, np.int64)
        )
        final = fixed.copy()
        final[idx] = f
        if k == len(costs) - 1:
            break
        d = _potentials(n_nodes, tail[idx], head[idx], cost[idx], f, cap[idx])
        rc = cost[idx] + d[tail[idx]] - d[head[idx]]
        empty = idx[rc > 0]
        full = idx[rc < 0]
        active[empty] = False
        active[full] = False
        fixed[full] = cap[full]
        np.subtract.at(sup, tail[full], cap[full])
        np.add.at(sup, head[full], cap[full])
    values = [int((c * final).sum()) for c in costs]
    return final, values


# --------------------------------------------------------------------------------------------------------------
# The plan


ArcKey = tuple[Any, ...]


class _Net:
    """A growing arc list with a key per arc, so flows can be read back by meaning."""

    def __init__(self) -> None:
        self.n = 0
        self.tail: list[int] = []
        self.head: list[int] = []
        self.cap: list[int] = []
        self.cost: list[list[int]] = [[], [], []]
        self.key: list[ArcKey] = []

    def node(self) -> int:
        self.n += 1
        return self.n - 1

    def arc(self, u: int, v: int, cap: int, key: ArcKey, c1: int = 0, c2: int = 0, c3: int = 0) -> None:
        self.tail.append(u)
        self.head.append(v)
        self.cap.append(cap)
        self.cost[0].append(c1)
        self.cost[1].append(c2)
        self.cost[2].append(c3)
        self.key.append(key)


def _site_region(site: str, org_region: Mapping[str, str]) -> str:
    if org_region.get(site):
        return org_region[site]
    trust = reference.trusts().get(site)
    if trust is not None and trust.region_code:
        return trust.region_code
    return f"?{site}"  # unknown region: reachable only from the site itself, or under travel: anywhere


def _overrides(competencies: pl.DataFrame | None) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    if competencies is None or competencies.height == 0:
        return out
    for key, comp, level in competencies.select("staff_key", "competency", "level").iter_rows():
        out.setdefault(key, {})[comp] = int(level)
    return out


def backup_posts(teams: list[_Team]) -> list[ResolvedPost]:
    """Cover needed by teams below their floor after absence: one person per whole FTE short, rounded up."""
    posts = []
    for t in teams:
        if t.floor_fte is not None and t.avail_fte < t.floor_fte - FTE_EPS:
            need = math.ceil(t.floor_fte - t.avail_fte - FTE_EPS)
            posts.append(ResolvedPost(role_id=COVER_PREFIX + t.spec, site=t.org, count=need, priority=1.0))
    return posts


@dataclass
class _Available:
    """The people available to deploy, as parallel lists indexed by person (staff_key order)."""

    keys: list[str]
    specs: list[str]
    levels: list[str | None]
    orgs: list[str]
    held: list[bool]
    ftes: list[float]

    @classmethod
    def of(cls, people: pl.DataFrame) -> _Available:
        avail = people.filter(~pl.col("absent"))
        return cls(
            keys=avail["staff_key"].to_list(),
            specs=avail["specialism_id"].to_list(),
            levels=avail["career_level"].to_list(),
            orgs=avail["organisation_code"].to_list(),
            held=avail["held"].to_list(),
            ftes=avail["fte"].to_list(),
        )


ProfileKey = tuple[str, str | None, tuple[tuple[str, int], ...]]
# One profile's training for one role: centi-hours (-1 when out of reach) and the courses.
RolePlan = tuple[int, tuple[str, ...]]


@dataclass
class _Profiles:
    """People grouped by what they can do: one profile per (specialism, level, individual overrides), and one
    hours vector (centi-hours per role) shared by every profile that trains the same for each role."""

    rows: list[ProfileKey]
    of_person: list[int]
    plans: list[list[RolePlan]]  # per profile, per role
    vectors: list[tuple[int, ...]]
    vector_of_profile: list[int]

    def plan(self, person: int, role: int) -> RolePlan:
        return self.plans[self.of_person[person]][role]


@dataclass
class _Classes:
    """People interchangeable for the plan: one class per (team, hours vector). Members are releasable people
    in staff_key order (indices into _Available); held people count for reasons but never move."""

    team: list[int] = field(default_factory=list)
    vec: list[int] = field(default_factory=list)
    members: list[list[int]] = field(default_factory=list)
    held: list[int] = field(default_factory=list)


def align_team_regions(teams: list[_Team]) -> dict[str, str]:
    """Give every team its organisation's region (the first one a team of it names, else the reference's),
    and return organisation -> region."""
    org_region: dict[str, str] = {}
    for t in teams:
        if t.region and t.org not in org_region:
            org_region[t.org] = t.region
    for t in teams:
        t.region = t.region or org_region.get(t.org) or _site_region(t.org, {})
    return {t.org: t.region for t in teams}


def group_profiles(
    available: _Available, overrides: Mapping[str, Mapping[str, int]], roles: list[str], framework: Framework
) -> _Profiles:
    """Profiles of the available people; training hours per role are computed once per profile."""
    profile_ix: dict[ProfileKey, int] = {}
    profile_rows: list[ProfileKey] = []
    person_profile: list[int] = []
    for k, s, lv in zip(available.keys, available.specs, available.levels, strict=True):
        sig = tuple(sorted(overrides[k].items())) if k in overrides else ()
        prof_key = (s, lv, sig)
        ix = profile_ix.get(prof_key)
        if ix is None:
            ix = profile_ix[prof_key] = len(profile_rows)
            profile_rows.append(prof_key)
        person_profile.append(ix)
    plans = [_role_plans(spec, lv, sig, roles, framework) for spec, lv, sig in profile_rows]
    vector_ix: dict[tuple[int, ...], int] = {}
    profile_vector: list[int] = []
    vectors: list[tuple[int, ...]] = []
    for row in plans:
        vec = tuple(h for h, _ in row)
        vi = vector_ix.get(vec)
        if vi is None:
            vi = vector_ix[vec] = len(vectors)
            vectors.append(vec)
        profile_vector.append(vi)
    return _Profiles(profile_rows, person_profile, plans, vectors, profile_vector)


def _role_plans(
    spec: str, level: str | None, sig: tuple[tuple[str, int], ...], roles: list[str], framework: Framework
) -> list[RolePlan]:
    """One profile's training for each role: cover roles need the team's own specialism and no training."""
    row: list[RolePlan] = []
    prof = effective_profile(framework.default_profile(spec, level), dict(sig))
    for role_id in roles:
        if role_id.startswith(COVER_PREFIX):
            row.append((0, ()) if role_id[len(COVER_PREFIX) :] == spec else (-1, ()))
        else:
            plan = training_plan(prof, framework.roles[role_id], framework)
            row.append((plan.centi_hours, plan.resources) if plan.feasible else (-1, ()))
    return row


def people_classes(
    available: _Available, profiles: _Profiles, team_index: Mapping[tuple[str, str], _Team]
) -> _Classes:
    """The classes of interchangeable people, in order of first member."""
    classes = _Classes()
    class_ix: dict[tuple[int, int], int] = {}
    person_profile, profile_vector = profiles.of_person, profiles.vector_of_profile
    for p, (org, spec) in enumerate(zip(available.orgs, available.specs, strict=True)):
        team = team_index[(org, spec)]
        ck = (team.id, profile_vector[person_profile[p]])
        ci = class_ix.get(ck)
        if ci is None:
            ci = class_ix[ck] = len(classes.team)
            classes.team.append(team.id)
            classes.vec.append(ck[1])
            classes.members.append([])
            classes.held.append(0)
        if available.held[p]:
            classes.held[ci] += 1
        else:
            classes.members[ci].append(p)
    return classes


Demand = dict[tuple[str, int], dict[int, int]]  # (site, role) -> priority (scaled to an integer) -> posts


def post_demand(posts: list[ResolvedPost], role_ix: Mapping[str, int]) -> Demand:
    """Posts to fill by site and role, counted per priority."""
    demand: Demand = defaultdict(lambda: defaultdict(int))
    for post in posts:
        demand[(post.site, role_ix[post.role_id])][round(post.priority * 10**PRIORITY_DECIMALS)] += post.count
    return demand


@dataclass
class _Network:
    """The flow network and what reading its flow back needs."""

    net: _Net
    supply: IntArray
    w_move: int


def build_network(
    classes: _Classes,
    teams: list[_Team],
    vectors: list[tuple[int, ...]],
    n_roles: int,
    budget_centi: int,
    demand: Demand,
    site_reg: Mapping[str, str],
    org_region: Mapping[str, str],
    travel: str,
) -> _Network:
    """source -> teams (release allowance) -> classes -> pools (organisation x role, training hours) ->
    sites (directly, or through regional and national hubs as travel allows) -> priorities -> sink."""
    net = _Net()
    source, sink = net.node(), net.node()
    supply_total, pool_node = _release_arcs(net, source, classes, teams, vectors, n_roles, budget_centi)
    big = max(supply_total, 1)
    total_posts = sum(sum(by_priority.values()) for by_priority in demand.values())
    n_assignable = min(total_posts, supply_total)
    w_move = n_assignable + 1  # one move between organisations outweighs every move between regions together
    site_node: dict[tuple[str, int], int] = {}
    for (site, r), by_priority in sorted(demand.items()):
        site_node[(site, r)] = net.node()
        for p_int, count in sorted(by_priority.items(), reverse=True):
            net.arc(site_node[(site, r)], sink, count, ("fill", site, r, p_int), c1=-p_int)
    _travel_arcs(net, pool_node, site_node, site_reg, org_region, travel, n_roles, big, w_move)
    net.arc(source, sink, big, ("idle",))
    supply = np.zeros(net.n, dtype=np.int64)
    supply[source] = supply_total
    supply[sink] = -supply_total
    return _Network(net, supply, w_move)


def _release_arcs(
    net: _Net,
    source: int,
    classes: _Classes,
    teams: list[_Team],
    vectors: list[tuple[int, ...]],
    n_roles: int,
    budget_centi: int,
) -> tuple[int, dict[tuple[str, int], int]]:
    """Team, class and pool nodes: returns the supply (people teams may release) and the pool nodes."""
    supply_total = 0
    team_node: dict[int, int] = {}
    pool_node: dict[tuple[str, int], int] = {}
    for ci, members in enumerate(classes.members):
        team = teams[classes.team[ci]]
        vec = vectors[classes.vec[ci]]
        eligible = [r for r in range(n_roles) if 0 <= vec[r] <= budget_centi]
        if not members or team.k == 0 or not eligible:
            continue
        if team.id not in team_node:
            team_node[team.id] = net.node()
            net.arc(source, team_node[team.id], team.k, ("release", team.id))
            supply_total += team.k
        cnode = net.node()
        net.arc(team_node[team.id], cnode, len(members), ("class", ci))
        for r in eligible:
            pk = (team.org, r)
            if pk not in pool_node:
                pool_node[pk] = net.node()
            net.arc(cnode, pool_node[pk], len(members), ("train", ci, r), c2=vec[r])
    return supply_total, pool_node


def _travel_arcs(
    net: _Net,
    pool_node: Mapping[tuple[str, int], int],
    site_node: Mapping[tuple[str, int], int],
    site_reg: Mapping[str, str],
    org_region: Mapping[str, str],
    travel: str,
    n_roles: int,
    big: int,
    w_move: int,
) -> None:
    """Pools reach sites of their own organisation directly; other sites through a regional hub (a move
    between organisations) and, travelling anywhere, a national hub (also a move between regions)."""
    hub_node: dict[tuple[str, int], int] = {}
    nat_node: dict[int, int] = {}
    if travel != "same_organisation":
        for (site, r), node in site_node.items():
            hk = (site_reg[site], r)
            if hk not in hub_node:
                hub_node[hk] = net.node()
            net.arc(hub_node[hk], node, big, ("hub_site", site_reg[site], site, r))
        if travel == "anywhere":
            for r in range(n_roles):
                if any(k[1] == r for k in site_node):
                    nat_node[r] = net.node()
            for (site, r), node in site_node.items():
                net.arc(nat_node[r], node, big, ("nat_site", site, r))
    for (org, r), pnode in sorted(pool_node.items()):
        if (org, r) in site_node:
            net.arc(pnode, site_node[(org, r)], big, ("direct", org, r))
        if travel == "same_organisation":
            continue
        reg = org_region.get(org) or _site_region(org, org_region)
        hk = (reg, r)
        if hk not in hub_node and travel == "anywhere" and r in nat_node:
            hub_node[hk] = net.node()
        if hk in hub_node:
            net.arc(pnode, hub_node[hk], big, ("to_hub", org, reg, r), c3=w_move)
    if travel == "anywhere":
        for (reg, r), hnode in sorted(hub_node.items()):
            if r in nat_node:
                net.arc(hnode, nat_node[r], big, ("hub_nat", reg, r), c3=1)


def solve_network(network: _Network) -> tuple[dict[ArcKey, int], list[int]]:
    """The lexicographic optimum: flow per arc key (arcs with flow only) and each tier's value."""
    net = network.net
    tail = np.asarray(net.tail, dtype=np.int64)
    head = np.asarray(net.head, dtype=np.int64)
    cap = np.asarray(net.cap, dtype=np.int64)
    costs = [np.asarray(c, dtype=np.int64) for c in net.cost]
    flow, values = solve_lexicographic(net.n, tail, head, cap, costs, network.supply)
    arc_flow: dict[ArcKey, int] = {}
    for key, f in zip(net.key, flow.tolist(), strict=True):
        if f:
            arc_flow[key] = arc_flow.get(key, 0) + f
    return arc_flow, values


# ---- Disaggregate: classes -> pools -> (hubs) -> sites -> priorities, each in a fixed order.

Arrivals = dict[tuple[str, int], list[tuple[int, int]]]  # (site, role) -> (person, class) in arrival order


def route_people(
    arc_flow: Mapping[ArcKey, int], classes: _Classes, teams: list[_Team], org_region: Mapping[str, str]
) -> Arrivals:
    """Who arrives at each (site, role): members leave their class in order, then travel pool -> site
    directly, or pool -> regional hub -> site, or pool -> regional hub -> national hub -> site."""
    next_member = [0] * len(classes.members)
    pool_people: dict[tuple[str, int], deque[tuple[int, int]]] = defaultdict(deque)  # (person, class)
    for key, f in sorted((k, v) for k, v in arc_flow.items() if k[0] == "train"):
        _, ci, r = key
        members = classes.members[ci]
        org = teams[classes.team[ci]].org
        for p in members[next_member[ci] : next_member[ci] + f]:
            pool_people[(org, r)].append((p, ci))
        next_member[ci] += f
    arrivals: Arrivals = defaultdict(list)
    hub_queue: dict[tuple[str, int], deque[tuple[int, int]]] = defaultdict(deque)
    for (org, r), queue in sorted(pool_people.items()):
        for _ in range(arc_flow.get(("direct", org, r), 0)):
            arrivals[(org, r)].append(queue.popleft())
        reg = org_region.get(org) or _site_region(org, org_region)
        for _ in range(arc_flow.get(("to_hub", org, reg, r), 0)):
            hub_queue[(reg, r)].append(queue.popleft())
        if queue:
            raise RuntimeError("flow decomposition: people left in a pool")
    hub_out: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for (_, hreg, site, r), f in sorted((k, v) for k, v in arc_flow.items() if k[0] == "hub_site"):
        hub_out[(hreg, r)].append((site, f))
    nat_queue: dict[int, deque[tuple[int, int]]] = defaultdict(deque)
    for (reg, r), queue in sorted(hub_queue.items()):
        for site, f in hub_out.get((reg, r), []):
            for _ in range(f):
                arrivals[(site, r)].append(queue.popleft())
        for _ in range(arc_flow.get(("hub_nat", reg, r), 0)):
            nat_queue[r].append(queue.popleft())
        if queue:
            raise RuntimeError("flow decomposition: people left at a regional hub")
    for (_, site, r), f in sorted((k, v) for k, v in arc_flow.items() if k[0] == "nat_site"):
        for _ in range(f):
            arrivals[(site, r)].append(nat_queue[r].popleft())
    return arrivals


@dataclass
class _Filled:
    """The named plan: one record per assignment, and the tallies the checks and tables need."""

    assignments: list[dict[str, Any]] = field(default_factory=list)
    released: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # team -> people
    assigned_in_class: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    filled: dict[tuple[str, int, int], int] = field(default_factory=lambda: defaultdict(int))
    total_hours_centi: int = 0


def fill_posts(
    arrivals: Arrivals,
    arc_flow: Mapping[ArcKey, int],
    demand: Demand,
    available: _Available,
    profiles: _Profiles,
    classes: _Classes,
    teams: list[_Team],
    roles: list[str],
    site_reg: Mapping[str, str],
    framework: Framework,
) -> _Filled:
    """People at each site fill its posts, highest priority first, in arrival order."""
    out = _Filled()
    for (site, r), people_here in sorted(arrivals.items()):
        slots = [p_int for p_int, _ in sorted(demand[(site, r)].items(), reverse=True)]
        queue = deque(people_here)
        for p_int in slots:
            for _ in range(arc_flow.get(("fill", site, r, p_int), 0)):
                p, ci = queue.popleft()
                team = teams[classes.team[ci]]
                centi, courses = profiles.plan(p, r)
                out.total_hours_centi += centi
                out.released[team.id].append(p)
                out.assigned_in_class[ci] += 1
                out.filled[(site, r, p_int)] += 1
                src_region = team.region
                out.assignments.append(
                    {
                        "staff_id": available.keys[p],
                        "from_organisation": team.org,
                        "from_region": src_region,
                        "specialism": team.spec,
                        "career_level": available.levels[p],
                        "fte": available.ftes[p],
                        "role": roles[r],
                        "role_name": _role_name(roles[r], framework),
                        "site": site,
                        "site_region": site_reg[site],
                        "priority": p_int / 10**PRIORITY_DECIMALS,
                        "training_resources": list(courses),
                        "training_hours": centi / CENTI,
                        "moves_organisation": team.org != site,
                        "moves_region": src_region != site_reg[site],
                    }
                )
        if queue:
            raise RuntimeError("flow decomposition: people left at a site")
    return out


def check_tiers(values: list[int], result: _Filled, w_move: int) -> None:
    """The tiers' values read from the arcs must agree with the named plan, or the split above is wrong."""
    moves = sum(a["moves_organisation"] for a in result.assignments)
    region_moves = sum(a["moves_region"] for a in result.assignments)
    if values[0] != -sum(round(a["priority"] * 10**PRIORITY_DECIMALS) for a in result.assignments):
        raise RuntimeError("flow decomposition disagrees with the optimum (posts)")
    if values[1] != result.total_hours_centi or values[2] != moves * w_move + region_moves:
        raise RuntimeError("flow decomposition disagrees with the optimum (hours or moves)")


def plan_totals(
    posts: list[ResolvedPost],
    result: _Filled,
    values: list[int],
    people: pl.DataFrame,
    floor_rows: list[dict[str, Any]],
) -> dict[str, Any]:
    """The plan's headline figures."""
    total_posts = sum(p.count for p in posts)
    assignments = result.assignments
    absent_n = int(people["absent"].sum())
    weighted_posts = sum(p.count * p.priority for p in posts)
    return {
        "posts": total_posts,
        "filled": len(assignments),
        "unfilled": total_posts - len(assignments),
        "priority_weighted_posts": round(weighted_posts, PRIORITY_DECIMALS),
        "priority_weighted_filled": -values[0] / 10**PRIORITY_DECIMALS,
        "training_hours": result.total_hours_centi / CENTI,
        "moves_between_organisations": sum(a["moves_organisation"] for a in assignments),
        "moves_between_regions": sum(a["moves_region"] for a in assignments),
        "staff_in_post": people.height,
        "staff_absent": absent_n,
        "staff_available": people.height - absent_n,
        "teams_below_floor": sum(1 for f in floor_rows if f["below_floor"]),
    }


def plan_deployment(
    staff: pl.DataFrame,
    scenario: SurgeScenario,
    framework: Framework,
    *,
    competencies: pl.DataFrame | None = None,
    absent_staff_keys: Collection[str] = (),
) -> DeploymentPlan:
    """The optimal deployment (or, with no surge posts, back-fill) plan for `staff` (STAFF_SCHEMA rows).

    `competencies` holds individual records (staff_key, competency, level) that replace the defaults for
    those people; `absent_staff_keys` are pseudonymous keys of named absentees.
    """
    t0 = time.perf_counter()
    posts = scenario.posts()
    backup = not posts
    people = apply_absence(_people(staff), scenario.absence_rate, set(absent_staff_keys))
    teams = _teams(people, scenario, backup)
    team_index = {(t.org, t.spec): t for t in teams}
    if backup:
        posts = backup_posts(teams)
    org_region = align_team_regions(teams)

    roles = sorted({p.role_id for p in posts})
    role_ix = {r: i for i, r in enumerate(roles)}
    budget_centi = round(scenario.training_budget_hours * CENTI)
    available = _Available.of(people)
    profiles = group_profiles(available, _overrides(competencies), roles, framework)
    classes = people_classes(available, profiles, team_index)
    site_reg = {s: _site_region(s, org_region) for s in sorted({p.site for p in posts})}
    demand = post_demand(posts, role_ix)
    network = build_network(
        classes,
        teams,
        profiles.vectors,
        len(roles),
        budget_centi,
        demand,
        site_reg,
        org_region,
        scenario.travel,
    )

    t_build = time.perf_counter()
    arc_flow, values = solve_network(network)
    t_solve = time.perf_counter()

    arrivals = route_people(arc_flow, classes, teams, org_region)
    result = fill_posts(
        arrivals, arc_flow, demand, available, profiles, classes, teams, roles, site_reg, framework
    )
    check_tiers(values, result, network.w_move)
    uncovered = _uncovered(
        demand, result, roles, site_reg, scenario, profiles.vectors, classes, teams, budget_centi, framework
    )
    basis = "in_post" if backup else scenario.floor_basis
    floor_rows = _floor_rows(teams, result.released, available.ftes, basis, result.assignments)
    totals = plan_totals(posts, result, values, people, floor_rows)
    solver = {
        "method": "lexicographic min-cost flow (OR-Tools), tiers fixed by reduced costs",
        "tiers": [
            "priority-weighted posts filled",
            "training hours",
            "moves between organisations, then regions",
        ],
        "tier_values": values,
        "nodes": network.net.n,
        "arcs": len(network.net.tail),
        "people_classes": len(classes.team),
        "profiles": len(profiles.rows),
        "seconds_build": round(t_build - t0, 4),
        "seconds_solve": round(t_solve - t_build, 4),
        "seconds_total": round(time.perf_counter() - t0, 4),
    }
    return DeploymentPlan(
        "backup" if backup else "surge", result.assignments, uncovered, floor_rows, totals, solver
    )


def _role_name(role_id: str, framework: Framework) -> str:
    if role_id.startswith(COVER_PREFIX):
        spec = reference.specialisms().get(role_id[len(COVER_PREFIX) :])
        return f"Cover: {spec.name if spec else role_id[len(COVER_PREFIX) :]}"
    role = framework.roles.get(role_id)
    return role.name if role else role_id


def _uncovered(
    demand: Mapping[tuple[str, int], Mapping[int, int]],
    result: _Filled,
    roles: list[str],
    site_reg: Mapping[str, str],
    scenario: SurgeScenario,
    vectors: list[tuple[int, ...]],
    classes: _Classes,
    teams: list[_Team],
    budget_centi: int,
    framework: Framework,
) -> list[dict[str, Any]]:
    """Posts left unfilled and the first reason that explains them, checked in a fixed order.

    At the optimum nobody who is eligible, within reach and releasable is left idle while a post they could
    fill is empty (that would be an augmenting path), so one of these reasons always holds.
    """
    # Per role: people able at all, within budget; per (org, role): within budget, and of those, unassigned
    # ones held by a floor or by the release cap.
    able = [0] * len(roles)
    in_budget = [0] * len(roles)
    by_org: dict[tuple[str, int], list[int]] = defaultdict(
        lambda: [0, 0, 0]
    )  # in budget, idle by floor, by cap
    for ci in range(len(classes.team)):
        vec = vectors[classes.vec[ci]]
        team = teams[classes.team[ci]]
        n = len(classes.members[ci]) + classes.held[ci]
        idle = n - result.assigned_in_class.get(ci, 0)
        by_floor = team.k_floor <= team.k_share
        for r in range(len(roles)):
            if vec[r] < 0:
                continue
            able[r] += n
            if vec[r] <= budget_centi:
                in_budget[r] += n
                cell = by_org[(team.org, r)]
                cell[0] += n
                cell[1 if by_floor else 2] += idle
    by_region: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    org_reg = {t.org: t.region for t in teams}
    national: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (org, r), cell in by_org.items():
        for i in range(3):
            by_region[(org_reg.get(org, ""), r)][i] += cell[i]
            national[r][i] += cell[i]
    out: list[dict[str, Any]] = []
    for (site, r), by_priority in sorted(demand.items()):
        for p_int, count in sorted(by_priority.items(), reverse=True):
            missing = count - result.filled.get((site, r, p_int), 0)
            if missing <= 0:
                continue
            if scenario.travel == "same_organisation":
                reach = by_org.get((site, r), [0, 0, 0])
            elif scenario.travel == "same_region":
                reach = by_region.get((site_reg[site], r), [0, 0, 0])
            else:
                reach = national.get(r, [0, 0, 0])
            if able[r] == 0:
                reason = "no_eligible_staff"
            elif in_budget[r] == 0:
                reason = "budget"
            elif reach[0] == 0:
                reason = "travel"
            elif reach[1] + reach[2] == 0:
                reason = "assigned_elsewhere"
            else:
                # Whichever holds back more of the idle eligible people is named; both counts are reported.
                reason = "floor" if reach[1] >= reach[2] else "release_cap"
            out.append(
                {
                    "role": roles[r],
                    "role_name": _role_name(roles[r], framework),
                    "site": site,
                    "priority": p_int / 10**PRIORITY_DECIMALS,
                    "posts": count,
                    "unfilled": missing,
                    "reason": reason,
                    "explanation": REASONS[reason],
                    "eligible_within_reach": reach[0],
                    "held_by_floor": reach[1],
                    "held_by_release_cap": reach[2],
                }
            )
    return out


def _floor_rows(
    teams: list[_Team],
    released: Mapping[int, list[int]],
    ftes: list[float],
    basis: str,
    assignments: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Every team with a floor: what it had, what it released, what remains, and any cover it receives."""
    cover_hc: dict[tuple[str, str], int] = defaultdict(int)
    cover_fte: dict[tuple[str, str], float] = defaultdict(float)
    for a in assignments:
        if a["role"].startswith(COVER_PREFIX):
            k = (a["site"], a["role"][len(COVER_PREFIX) :])
            cover_hc[k] += 1
            cover_fte[k] += a["fte"]
    rows = []
    for t in teams:
        if t.min_share is None:
            continue
        gone = released.get(t.id, [])
        released_fte = sum(ftes[p] for p in gone)
        remaining = t.avail_fte - released_fte
        assert t.floor_fte is not None
        rows.append(
            {
                "organisation": t.org,
                "region": t.region,
                "specialism": t.spec,
                "min_share": t.min_share,
                "floor_basis": basis,
                "in_post_headcount": t.in_post_hc,
                "in_post_fte": round(t.in_post_fte, 4),
                "available_headcount": t.avail_hc,
                "available_fte": round(t.avail_fte, 4),
                "floor_fte": round(t.floor_fte, 4),
                "released_headcount": len(gone),
                "released_fte": round(released_fte, 4),
                "remaining_fte": round(remaining, 4),
                "headroom_fte": round(remaining - t.floor_fte, 4),
                "below_floor": remaining < t.floor_fte - FTE_EPS,
                "shortfall_fte": round(max(t.floor_fte - remaining, 0.0), 4),
                "cover_headcount": cover_hc.get((t.org, t.spec), 0),
                "cover_fte": round(cover_fte.get((t.org, t.spec), 0.0), 4),
            }
        )
    return rows
