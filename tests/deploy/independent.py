"""Independent solvers for checking the optimiser: a MILP over individual people (scipy.optimize.milp, HiGHS
inside scipy) solved tier by tier, and a greedy baseline. Neither shares code with the flow model beyond the
skills layer (who can do what, at how many hours)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array, lil_array

from hcsworkforce.analytics.skills import Framework, effective_profile, training_plan
from hcsworkforce.model.surge import SurgeScenario

from .helpers import REGION


@dataclass(frozen=True)
class Person:
    key: str
    org: str
    spec: str
    level: str
    fte: float


def allowance(ftes: list[float], share: float | None, max_release_share: float) -> int:
    """Team release allowance, written from the documented rule, not from the engine's code."""
    n = len(ftes)
    k_share = math.floor(max_release_share * n + 1e-9)
    if share is None:
        return min(n, k_share)
    may_lose = sum(ftes) * (1 - share)
    k = 0
    for i in range(1, n + 1):
        if sum(sorted(ftes, reverse=True)[:i]) <= may_lose + 1e-9:
            k = i
    return min(k, k_share)


def candidates(
    people: list[Person], sc: SurgeScenario, fw: Framework, overrides: dict[str, dict[str, int]]
) -> tuple[list[tuple[int, int, int, int, int]], list[tuple[str, str, int, int]], dict[tuple[str, str], int]]:
    """(person, cell, centi-hours, move, region move) for every eligible and reachable pair; the cells; team caps."""
    cells: dict[tuple[str, str, int], int] = {}
    for p in sc.posts():
        k = (p.site, p.role_id, round(p.priority * 1000))
        cells[k] = cells.get(k, 0) + p.count
    cell_list = [(s, r, pr, n) for (s, r, pr), n in sorted(cells.items())]
    floors = {f.specialism: f.min_share for f in sc.floors}
    teams: dict[tuple[str, str], list[float]] = {}
    for p in people:
        teams.setdefault((p.org, p.spec), []).append(p.fte)
    caps = {t: allowance(f, floors.get(t[1]), sc.max_release_share) for t, f in teams.items()}
    pairs = []
    budget = round(sc.training_budget_hours * 100)
    for i, p in enumerate(people):
        prof = effective_profile(fw.default_profile(p.spec, p.level), overrides.get(p.key))
        for j, (site, role, _, _) in enumerate(cell_list):
            plan = training_plan(prof, fw.roles[role], fw)
            if not plan.feasible or plan.centi_hours > budget:
                continue
            move = site != p.org
            reg_move = REGION[site] != REGION[p.org]
            if sc.travel == "same_organisation" and move:
                continue
            if sc.travel == "same_region" and reg_move:
                continue
            pairs.append((i, j, plan.centi_hours, int(move), int(reg_move)))
    return pairs, cell_list, caps


def milp_tiers(
    people: list[Person], sc: SurgeScenario, fw: Framework, overrides: dict[str, dict[str, int]]
) -> tuple[int, int, int, int]:
    """(priority-weighted filled x 1000, centi-hours, moves, region moves) of the lexicographic optimum."""
    pairs, cells, caps = candidates(people, sc, fw, overrides)
    if not pairs:
        return 0, 0, 0, 0
    n = len(pairs)
    team_ix = {t: k for k, t in enumerate(sorted(caps))}
    rows = len(people) + len(cells) + len(team_ix)
    a = lil_array((rows, n))
    for v, (i, j, _, _, _) in enumerate(pairs):
        a[i, v] = 1
        a[len(people) + j, v] = 1
        a[len(people) + len(cells) + team_ix[(people[i].org, people[i].spec)], v] = 1
    ub = [1] * len(people) + [c[3] for c in cells] + [caps[t] for t in sorted(caps)]
    base = [LinearConstraint(csr_array(a), -np.inf, np.array(ub, dtype=float))]
    objectives = [
        np.array([-cells[j][2] for (_, j, _, _, _) in pairs], dtype=float),
        np.array([h for (_, _, h, _, _) in pairs], dtype=float),
        np.array([m for (_, _, _, m, _) in pairs], dtype=float),
        np.array([rm for (_, _, _, _, rm) in pairs], dtype=float),
    ]
    values: list[int] = []
    cons = list(base)
    for c in objectives:
        res = milp(c, constraints=cons, integrality=np.ones(n), bounds=Bounds(0, 1))
        assert res.status == 0, res.message
        best = round(res.fun)
        values.append(best)
        cons.append(LinearConstraint(c.reshape(1, -1), -np.inf, best + 0.5))
    return -values[0], values[1], values[2], values[3]


def greedy_weighted_filled(
    people: list[Person], sc: SurgeScenario, fw: Framework, overrides: dict[str, dict[str, int]]
) -> int:
    """Fill posts in priority order, each with the cheapest reachable person (local first) while caps allow."""
    pairs, cells, caps = candidates(people, sc, fw, overrides)
    used: set[int] = set()
    released: dict[tuple[str, str], int] = {}
    total = 0
    order = sorted(range(len(cells)), key=lambda j: (-cells[j][2], cells[j][0], cells[j][1]))
    for j in order:
        for _ in range(cells[j][3]):
            options = sorted(
                (h, m, rm, people[i].key, i)
                for (i, jj, h, m, rm) in pairs
                if jj == j
                and i not in used
                and released.get((people[i].org, people[i].spec), 0) < caps[(people[i].org, people[i].spec)]
            )
            if not options:
                break
            i = options[0][4]
            used.add(i)
            t = (people[i].org, people[i].spec)
            released[t] = released.get(t, 0) + 1
            total += cells[j][2]
    return total
