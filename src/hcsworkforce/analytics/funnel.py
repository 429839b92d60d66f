"""Funnel plots for comparing a rate (a proportion) across organisations, after Spiegelhalter (2005).

Each organisation's rate is set against the pooled rate of its peers, with control limits that narrow as the
denominator grows, so a small organisation is not singled out for noise. Where the organisations vary more
than chance allows (overdispersion), the limits are widened by a multiplicative factor phi estimated from
winsorised z-scores. Only a point outside the 99.8% limits is flagged. Many funnels (e.g. one per metric and
month) are computed at once by giving each row a group. docs/trends.md gives the formulas and citations.

References: D. J. Spiegelhalter, "Funnel plots for comparing institutional performance", Statistics in
Medicine 24 (2005) 1185-1202; D. J. Spiegelhalter, "Handling over-dispersion of performance indicators",
Quality and Safety in Health Care 14 (2005) 347-351.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from hcsworkforce.errors import UserInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Two-sided 95% and 99.8% normal quantiles, to the precision FunnelPlotR uses (1.96 and 3.09 when rounded).
Z95 = float(stats.norm.ppf(0.975))  # 1.959964
Z998 = float(stats.norm.ppf(0.999))  # 3.090232
WINSORISE = 0.10  # each tail, as Spiegelhalter (2005) recommends

HIGH = "high"
LOW = "low"
WITHIN = "within"


@dataclass(frozen=True)
class FunnelGroup:
    """The pooled figures of one funnel (one peer group)."""

    group: int
    organisations: int  # with a denominator above zero
    pooled_rate: float  # target p0 = sum(numerator) / sum(denominator)
    phi: float  # overdispersion factor estimated from winsorised z-scores (NaN if it cannot be estimated)
    overdispersion_applied: bool
    overdispersion_p_value: float  # chi-square test of k*phi on k-1 degrees of freedom, for information
    quartile_cuts: tuple[float, float, float]  # 25th, 50th and 75th percentiles of the rates


@dataclass(frozen=True)
class FunnelResult:
    """Per-row results (aligned with the input) and per-group pooled figures."""

    numerator: FloatArray
    denominator: FloatArray
    group: IntArray
    rate: FloatArray
    z: FloatArray  # unadjusted z-score
    z_adjusted: FloatArray  # z / sqrt(phi) where overdispersion was applied, else z
    lower95: FloatArray
    upper95: FloatArray
    lower998: FloatArray
    upper998: FloatArray
    outside95: BoolArray
    flag_code: npt.NDArray[np.int8]  # +1 above / -1 below the 99.8% limits, 0 within (or no denominator)
    rank: IntArray  # 1 = lowest rate in its group; 0 without a denominator
    quartile: IntArray  # 1 (lowest quarter of rates) .. 4; 0 without a denominator
    suppressed: BoolArray  # small counts: the row's figures must not leave the organisation
    groups: list[FunnelGroup]
    suppress_below: int

    def flag(self, i: int) -> str | None:
        """high / low (outside the 99.8% limits) / within; None without a denominator."""
        if self.denominator[i] <= 0:
            return None
        return {1: HIGH, -1: LOW}.get(int(self.flag_code[i]), WITHIN)

    def records(
        self, keys: Sequence[dict[str, Any]] | None = None, *, suppress: bool = True
    ) -> list[dict[str, Any]]:
        """One flat record per row. With suppress (any output that crosses organisations), a suppressed row
        keeps only its key and `suppressed: true`: its counts, rate, limits (which would reveal n), rank and
        flag are null."""
        out: list[dict[str, Any]] = []
        for i in range(self.rate.size):
            g = self.groups[int(self.group[i])]
            rec: dict[str, Any] = dict(keys[i]) if keys is not None else {}
            hide = suppress and bool(self.suppressed[i])
            has_n = self.denominator[i] > 0
            rec.update(
                {
                    "numerator": None if hide else float(self.numerator[i]),
                    "denominator": None if hide else float(self.denominator[i]),
                    "rate": None if hide or not has_n else float(self.rate[i]),
                    "pooled_rate": _num(g.pooled_rate),
                    "z_score": None if hide else _num(self.z_adjusted[i]),
                    "lower_95": None if hide else _num(self.lower95[i]),
                    "upper_95": None if hide else _num(self.upper95[i]),
                    "lower_998": None if hide else _num(self.lower998[i]),
                    "upper_998": None if hide else _num(self.upper998[i]),
                    "outside_95": None if hide or not has_n else bool(self.outside95[i]),
                    "flag": None if hide else self.flag(i),
                    "rank": None if hide or not has_n else int(self.rank[i]),
                    "quartile": None if hide or not has_n else int(self.quartile[i]),
                    "suppressed": bool(self.suppressed[i]) if suppress else False,
                }
            )
            out.append(rec)
        return out

    def group_summary(self, g: int = 0) -> dict[str, Any]:
        grp = self.groups[g]
        return {
            "organisations": grp.organisations,
            "pooled_rate": _num(grp.pooled_rate),
            "phi": _num(grp.phi),
            "overdispersion_applied": grp.overdispersion_applied,
            "overdispersion_p_value": _num(grp.overdispersion_p_value),
            "winsorised_each_tail": WINSORISE,
            "z_95": Z95,
            "z_998": Z998,
            "quartile_cuts": [_num(c) for c in grp.quartile_cuts],
            "flagged_high": int(((self.group == g) & (self.flag_code == 1)).sum()),
            "flagged_low": int(((self.group == g) & (self.flag_code == -1)).sum()),
            "suppress_below": self.suppress_below,
        }

    def limits_at(self, n: npt.ArrayLike, g: int = 0) -> dict[str, FloatArray]:
        """The funnel's limit curves at denominators n (for drawing the funnel)."""
        grp = self.groups[g]
        nn = np.asarray(n, dtype=np.float64)
        phi = grp.phi if grp.overdispersion_applied else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(phi * grp.pooled_rate * (1 - grp.pooled_rate) / nn)
        p0 = grp.pooled_rate
        return {
            "n": nn,
            "lower_95": np.clip(p0 - Z95 * se, 0, 1),
            "upper_95": np.clip(p0 + Z95 * se, 0, 1),
            "lower_998": np.clip(p0 - Z998 * se, 0, 1),
            "upper_998": np.clip(p0 + Z998 * se, 0, 1),
        }


def _num(x: float | np.floating[Any]) -> float | None:
    return None if np.isnan(x) else float(x)


def _grouped_quantiles(values: FloatArray, group: IntArray, n_groups: int, qs: Sequence[float]) -> FloatArray:
    """Per-group quantiles (len(qs), n_groups), linear interpolation: numpy's default, R's type 7 (FunnelPlotR's).

    NaN values are left out. One sort over all groups serves every quantile, so thousands of funnels cost one
    pass.
    """
    ok = ~np.isnan(values)
    v, gr = values[ok], group[ok]
    order = np.lexsort((v, gr))
    v, gr = v[order], gr[order]
    counts = np.bincount(gr, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    has = counts > 0
    out = np.full((len(qs), n_groups), np.nan)
    if not v.size:
        return out
    for j, q in enumerate(qs):
        h = (counts - 1) * q
        lo = np.floor(h).astype(np.int64)
        frac = h - lo
        hi = np.minimum(lo + 1, np.maximum(counts - 1, 0))
        a = v[np.where(has, starts + lo, 0)]
        b = v[np.where(has, starts + hi, 0)]
        out[j] = np.where(has, a + frac * (b - a), np.nan)
    return out


def funnel(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    *,
    group: npt.ArrayLike | None = None,
    overdispersion: bool = True,
    winsorise: float = WINSORISE,
    suppress_below: int = 5,
    disclosure_counts: Sequence[npt.ArrayLike] | None = None,
) -> FunnelResult:
    """Funnel plot(s) for proportions numerator / denominator (one row per organisation).

    group: an integer peer-group id per row (0 .. G-1); the rows of one group form one funnel. Default: one.
    disclosure_counts: the counts of people checked for suppression (default numerator and denominator); a
    row is suppressed when any of them is between 1 and suppress_below - 1. For an absence rate, whose
    numerator is FTE days, pass the number of staff absent and the headcount instead.
    """
    num, den, grp, n_groups = _checked_inputs(numerator, denominator, group, winsorise)
    has_n = den > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(has_n, num / np.where(has_n, den, 1.0), np.nan)
    sum_num = np.bincount(grp, weights=np.where(has_n, num, 0.0), minlength=n_groups)
    sum_den = np.bincount(grp, weights=np.where(has_n, den, 0.0), minlength=n_groups)
    k_g = np.bincount(grp, weights=has_n.astype(np.float64), minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        p0_g = np.where(sum_den > 0, sum_num / sum_den, np.nan)
    p0 = p0_g[grp]
    var_unit = p0 * (1 - p0)  # binomial variance of one trial at the target
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(has_n, np.sqrt(var_unit / np.where(has_n, den, 1.0)), np.nan)
        # A pooled rate of 0 or 1 leaves no binomial spread: every z-score is undefined and nobody is flagged.
        z = np.where(se > 0, (rate - p0) / se, np.nan)

    phi_g, applied_g, p_value_g = overdispersion_by_group(z, grp, n_groups, winsorise, overdispersion)
    phi_used = np.where(applied_g, phi_g, 1.0)[grp]
    se_adj = se * np.sqrt(phi_used)
    with np.errstate(invalid="ignore"):
        z_adj = np.where(se_adj > 0, (rate - p0) / se_adj, np.nan)
    lower95 = np.clip(p0 - Z95 * se_adj, 0.0, 1.0)
    upper95 = np.clip(p0 + Z95 * se_adj, 0.0, 1.0)
    lower998 = np.clip(p0 - Z998 * se_adj, 0.0, 1.0)
    upper998 = np.clip(p0 + Z998 * se_adj, 0.0, 1.0)
    with np.errstate(invalid="ignore"):
        # Compared on the unclipped scale (via z), so a rate of 0 against a limit clipped to 0 is not "out".
        out998_hi = z_adj > Z998
        out998_lo = z_adj < -Z998
        outside95 = np.abs(z_adj) > Z95
    flag_code = np.where(out998_hi, 1, np.where(out998_lo, -1, 0)).astype(np.int8)
    cuts = _grouped_quantiles(rate, grp, n_groups, (0.25, 0.5, 0.75))
    rank, quartile = rank_and_quartile(rate, has_n, grp, cuts)
    suppressed = suppressed_rows(num, den, disclosure_counts, suppress_below)
    groups = [
        FunnelGroup(
            group=g,
            organisations=int(k_g[g]),
            pooled_rate=float(p0_g[g]),
            phi=float(phi_g[g]),
            overdispersion_applied=bool(applied_g[g]),
            overdispersion_p_value=float(p_value_g[g]),
            quartile_cuts=(float(cuts[0, g]), float(cuts[1, g]), float(cuts[2, g])),
        )
        for g in range(n_groups)
    ]
    return FunnelResult(
        numerator=num,
        denominator=den,
        group=grp,
        rate=rate,
        z=z,
        z_adjusted=z_adj,
        lower95=np.where(has_n, lower95, np.nan),
        upper95=np.where(has_n, upper95, np.nan),
        lower998=np.where(has_n, lower998, np.nan),
        upper998=np.where(has_n, upper998, np.nan),
        outside95=outside95,
        flag_code=flag_code,
        rank=rank,
        quartile=quartile,
        suppressed=suppressed,
        groups=groups,
        suppress_below=suppress_below,
    )


def _checked_inputs(
    numerator: npt.ArrayLike, denominator: npt.ArrayLike, group: npt.ArrayLike | None, winsorise: float
) -> tuple[FloatArray, FloatArray, IntArray, int]:
    """Numerators, denominators and group ids as arrays, checked; and the number of groups."""
    num = np.asarray(numerator, dtype=np.float64).ravel()
    den = np.asarray(denominator, dtype=np.float64).ravel()
    if num.shape != den.shape:
        raise ValueError("numerator and denominator differ in length")
    if np.isnan(num).any() or np.isnan(den).any():
        raise UserInputError("a funnel needs a numerator and denominator for every organisation")
    if (num < 0).any() or (den < 0).any():
        raise UserInputError("numerators and denominators cannot be negative")
    if (num > den).any():
        raise UserInputError("a numerator exceeds its denominator: the rate is not a proportion")
    if not 0 <= winsorise < 0.5:
        raise UserInputError("winsorisation must be at least 0 and below 0.5 of each tail")
    k = num.size
    grp = np.zeros(k, dtype=np.int64) if group is None else np.asarray(group, dtype=np.int64).ravel()
    if grp.shape != num.shape:
        raise ValueError("group differs in length from numerator")
    n_groups = int(grp.max()) + 1 if k else 1
    if k and grp.min() < 0:
        raise ValueError("group ids must be 0 .. G-1")
    return num, den, grp, n_groups


def overdispersion_by_group(
    z: FloatArray, grp: IntArray, n_groups: int, winsorise: float, overdispersion: bool
) -> tuple[FloatArray, BoolArray, FloatArray]:
    """Each group's phi, whether it widens the limits (asked for, and above 1), and the chi-squared p-value.

    Spiegelhalter (2005): winsorise the z-scores at the 10th and 90th percentiles (values beyond are set to
    those percentiles, not dropped) and estimate phi = (1/k) * sum(z_w^2) over all k organisations.
    """
    z_lo, z_hi = _grouped_quantiles(z, grp, n_groups, (winsorise, 1 - winsorise))
    z_w = np.clip(z, z_lo[grp], z_hi[grp])
    z_ok = ~np.isnan(z_w)
    k_z = np.bincount(grp, weights=z_ok.astype(np.float64), minlength=n_groups)
    ss = np.bincount(grp, weights=np.where(z_ok, z_w**2, 0.0), minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi_g = np.where(k_z > 1, ss / np.maximum(k_z, 1), np.nan)
    applied_g = overdispersion & (phi_g > 1)
    p_value_g = np.where(k_z > 1, stats.chi2.sf(k_z * np.nan_to_num(phi_g), np.maximum(k_z - 1, 1)), np.nan)
    return phi_g, applied_g, p_value_g


def rank_and_quartile(
    rate: FloatArray, has_n: BoolArray, grp: IntArray, cuts: FloatArray
) -> tuple[IntArray, IntArray]:
    """Rank 1 = lowest rate in the group (ties share the lower rank); quartile from the group's rate
    quartiles (`cuts`, 3 x groups). Rows with no denominator get 0 for both."""
    k = rate.size
    rank = np.zeros(k, dtype=np.int64)
    quartile = np.zeros(k, dtype=np.int64)
    if k:
        r_sort = np.where(has_n, rate, np.inf)
        order = np.lexsort((r_sort, grp))
        sorted_g, sorted_r = grp[order], r_sort[order]
        new_block = np.ones(k, dtype=bool)
        new_block[1:] = (sorted_g[1:] != sorted_g[:-1]) | (sorted_r[1:] != sorted_r[:-1])
        pos = np.arange(k)
        group_start = np.zeros(k, dtype=np.int64)
        first_of_group = np.ones(k, dtype=bool)
        first_of_group[1:] = sorted_g[1:] != sorted_g[:-1]
        group_start = np.maximum.accumulate(np.where(first_of_group, pos, 0))
        tie_start = np.maximum.accumulate(np.where(new_block, pos, 0))
        rank[order] = tie_start - group_start + 1
        c = cuts[:, grp]
        quartile = 1 + (rate > c[0]).astype(np.int64) + (rate > c[1]) + (rate > c[2])
        rank = np.where(has_n, rank, 0)
        quartile = np.where(has_n, quartile, 0)
    return rank, quartile


def suppressed_rows(
    num: FloatArray, den: FloatArray, disclosure_counts: Sequence[npt.ArrayLike] | None, suppress_below: int
) -> BoolArray:
    """Rows where a count of people checked (default numerator and denominator) is 1 .. suppress_below - 1."""
    checks = (
        [num, den]
        if disclosure_counts is None
        else [np.asarray(c, dtype=np.float64).ravel() for c in disclosure_counts]
    )
    suppressed = np.zeros(num.size, dtype=bool)
    for c in checks:
        if c.shape != num.shape:
            raise ValueError("a disclosure count differs in length from numerator")
        suppressed |= (c > 0) & (c < suppress_below)
    return suppressed
