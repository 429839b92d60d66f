"""Staff survey indicators for healthcare science against the organisation's other staff and the national
average: confidence intervals, a flag only where a difference is significant, small groups suppressed.

Statistics, decided here once (docs/people.md explains them with worked examples):

* A percentage positive is a proportion p of n respondents. Its interval is the Wilson score interval, which
  stays inside 0-100% and behaves for small n and p near 0 or 1, where the normal (Wald) interval does not.
* A mean score (the survey's 0-10 theme scores) needs the standard deviation of individual scores, which the
  published results do not give. Where the input has an ``sd`` the interval is mean +/- z sd / sqrt(n);
  where it has none we report the score with no interval and never flag it: we will not invent precision.
* Healthcare science is compared with the **rest** of its organisation (whole staff less healthcare science),
  not with the whole, because a group compared with a whole that contains it is not an independent sample.
  The rest is derived exactly from the two rows: n_rest = n_all - n_hcs, p_rest = (p_all n_all - p_hcs n_hcs)
  / n_rest, and for means the pooled sums of squares give the rest's SD.
* The national comparator is the national row for the same group where the input has one (its overlap with
  one organisation is negligible); otherwise the other organisations in the input pooled (leave-one-out,
  respondent-weighted), so that the organisation is never compared with itself.
* Differences are tested with a two-sided z-test: for proportions the pooled two-proportion test, for means
  the unpooled (Welch, large-sample) z. A difference is flagged only where p < alpha (default 0.05). Many
  questions are tested at once, so about 1 in 20 true nulls will be flagged by chance: we say so in outputs.
* A group with fewer respondents than the threshold is suppressed (no value, no interval, no comparison),
  and so is a comparison whose derived rest-of-organisation group is below it, because the difference
  between two published figures would disclose the small group's answer.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# The survey record and its codes are model types (ingest reads them, the store keeps them), named here too.
from hcsworkforce.model.engagement import ALL_STAFF as ALL_STAFF
from hcsworkforce.model.engagement import HEALTHCARE_SCIENTISTS as HEALTHCARE_SCIENTISTS
from hcsworkforce.model.engagement import NATIONAL as NATIONAL
from hcsworkforce.model.engagement import SurveyResult as SurveyResult

# NHS Staff Survey practice, as we understand it, is to withhold results for fewer than 11 respondents. We
# could not confirm the figure in a retrieved source, so it is a default, not a fact: the CLI takes
# --suppress-below and never goes below the project's own suppression setting.
DEFAULT_SUPPRESS_BELOW = 11
Z_95 = 1.959963984540054  # two-sided 95%: the normal quantile at 0.975
DEFAULT_ALPHA = 0.05


# -- statistics ------------------------------------------------------------------------------------------


def wilson_interval(p: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion p (0-1) of n: (low, high), both in 0-1."""
    if n <= 0:
        raise ValueError("n must be positive")
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(mean: float, sd: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """Normal interval for a mean of n scores with standard deviation sd."""
    half = z * sd / math.sqrt(n)
    return mean - half, mean + half


def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def two_proportion_z(p1: float, n1: int, p2: float, n2: int) -> tuple[float, float]:
    """Pooled two-proportion z-test of p1 (of n1) against p2 (of n2): (z, two-sided p)."""
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        # Both groups all positive (or all negative): no evidence of a difference.
        return 0.0, 1.0
    z = (p1 - p2) / se
    return z, normal_two_sided_p(z)


def two_mean_z(m1: float, sd1: float, n1: int, m2: float, sd2: float, n2: int) -> tuple[float, float]:
    """Unpooled (Welch, large-sample) z-test of two means: (z, two-sided p)."""
    se = math.sqrt(sd1 * sd1 / n1 + sd2 * sd2 / n2)
    if se == 0:
        return 0.0, 1.0
    z = (m1 - m2) / se
    return z, normal_two_sided_p(z)


def rest_proportion(p_all: float, n_all: int, p_sub: float, n_sub: int) -> tuple[float, int]:
    """The proportion among the whole less a subgroup: (p_rest, n_rest). Clipped to 0-1 for rounding."""
    n_rest = n_all - n_sub
    if n_rest <= 0:
        return math.nan, 0
    p_rest = (p_all * n_all - p_sub * n_sub) / n_rest
    return min(1.0, max(0.0, p_rest)), n_rest


def rest_mean(
    m_all: float, sd_all: float, n_all: int, m_sub: float, sd_sub: float, n_sub: int
) -> tuple[float, float, int]:
    """Mean, SD and n of the whole less a subgroup, from each group's sums and sums of squares."""
    n_rest = n_all - n_sub
    if n_rest <= 1:
        return math.nan, math.nan, max(0, n_rest)
    sum_rest = m_all * n_all - m_sub * n_sub
    ss_all = (n_all - 1) * sd_all * sd_all + n_all * m_all * m_all
    ss_sub = (n_sub - 1) * sd_sub * sd_sub + n_sub * m_sub * m_sub
    m_rest = sum_rest / n_rest
    var_rest = (ss_all - ss_sub - n_rest * m_rest * m_rest) / (n_rest - 1)
    return m_rest, math.sqrt(max(0.0, var_rest)), n_rest


def pool(results: Sequence[SurveyResult]) -> SurveyResult | None:
    """Respondent-weighted pooling of several groups' results for one question and year (None if empty).

    The pooled SD is exact from the groups' means and SDs; it is left unknown if any group lacks one.
    """
    if not results:
        return None
    n = sum(r.respondents for r in results)
    if n <= 0:
        return None
    first = results[0]
    if first.percent_positive is not None:
        p = sum((r.percent_positive or 0.0) * r.respondents for r in results) / n
        return SurveyResult(NATIONAL, first.group, first.question, first.year, n, percent_positive=p)
    m = sum((r.score or 0.0) * r.respondents for r in results) / n
    sd: float | None = None
    if all(r.sd is not None for r in results) and n > 1:
        ss = sum(
            (r.respondents - 1) * (r.sd or 0.0) ** 2 + r.respondents * ((r.score or 0.0) - m) ** 2
            for r in results
        )
        sd = math.sqrt(ss / (n - 1))
    return SurveyResult(NATIONAL, first.group, first.question, first.year, n, score=m, sd=sd)


# -- indicators ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    value: float | None  # the comparator's value (percent or score)
    respondents: int | None
    difference: float | None  # group minus comparator
    z: float | None
    p_value: float | None
    significant: bool | None  # None: not tested (suppressed, or no SD for a score)
    basis: str  # how the comparator was formed


def _interval(r: SurveyResult, z: float) -> tuple[float | None, float | None]:
    if r.percent_positive is not None:
        lo, hi = wilson_interval(r.percent_positive / 100, r.respondents, z)
        return lo * 100, hi * 100
    if r.score is not None and r.sd is not None:
        return mean_interval(r.score, r.sd, r.respondents, z)
    return None, None


def _value(r: SurveyResult) -> float | None:
    return r.percent_positive if r.percent_positive is not None else r.score


def _compare(
    r: SurveyResult, other: SurveyResult | None, basis: str, suppress_below: int, alpha: float
) -> Comparison:
    if other is None or other.respondents <= 0:
        return Comparison(None, None, None, None, None, None, basis)
    if other.respondents < suppress_below:
        return Comparison(None, None, None, None, None, None, f"{basis} (suppressed: under {suppress_below})")
    theirs = _value(other)
    mine = _value(r)
    if theirs is None or mine is None:
        return Comparison(None, other.respondents, None, None, None, None, basis)
    diff = mine - theirs
    if r.percent_positive is not None and other.percent_positive is not None:
        zv, pv = two_proportion_z(r.percent_positive / 100, r.respondents, theirs / 100, other.respondents)
    elif r.sd is not None and other.sd is not None:
        zv, pv = two_mean_z(mine, r.sd, r.respondents, theirs, other.sd, other.respondents)
    else:
        return Comparison(theirs, other.respondents, diff, None, None, None, f"{basis} (no SD: not tested)")
    return Comparison(theirs, other.respondents, diff, zv, pv, pv < alpha, basis)


def _rest_of_organisation(hcs: SurveyResult, whole: SurveyResult | None) -> SurveyResult | None:
    if whole is None:
        return None
    if hcs.percent_positive is not None and whole.percent_positive is not None:
        p, n = rest_proportion(
            whole.percent_positive / 100, whole.respondents, hcs.percent_positive / 100, hcs.respondents
        )
        if n <= 0:
            return None
        return SurveyResult(
            whole.organisation_code, "rest", hcs.question, hcs.year, n, percent_positive=p * 100
        )
    if hcs.score is not None and whole.score is not None:
        if hcs.sd is None or whole.sd is None:
            n = whole.respondents - hcs.respondents
            if n <= 0:
                return None
            m = (whole.score * whole.respondents - hcs.score * hcs.respondents) / n
            return SurveyResult(whole.organisation_code, "rest", hcs.question, hcs.year, n, score=m)
        m, sd, n = rest_mean(whole.score, whole.sd, whole.respondents, hcs.score, hcs.sd, hcs.respondents)
        if n <= 1:
            return None
        return SurveyResult(whole.organisation_code, "rest", hcs.question, hcs.year, n, score=m, sd=sd)
    return None


def _key(r: SurveyResult) -> tuple[str, str, str, int]:
    return (r.organisation_code, r.group, r.question, r.year)


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None or math.isnan(x) else round(x, digits)


def engagement_indicators(
    results: Iterable[SurveyResult],
    *,
    group: str = HEALTHCARE_SCIENTISTS,
    organisations: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    suppress_below: int = DEFAULT_SUPPRESS_BELOW,
    z: float = Z_95,
    alpha: float = DEFAULT_ALPHA,
) -> list[dict[str, Any]]:
    """One record per organisation, question and year for ``group``: value, interval, and two comparisons.

    Records are flat and keyed the same whatever the measure, so the JSON, CSV and XLSX outputs agree.
    """
    rows = list(results)
    by_key = {_key(r): r for r in rows}
    # Every organisation's row for (group, question, year), for the leave-one-out national pool.
    peers: dict[tuple[str, str, int], list[SurveyResult]] = defaultdict(list)
    for r in rows:
        if r.organisation_code != NATIONAL:
            peers[(r.group, r.question, r.year)].append(r)

    out: list[dict[str, Any]] = []
    for r in sorted(rows, key=lambda r: (r.organisation_code, r.question, r.year)):
        if r.group != group or r.organisation_code == NATIONAL:
            continue
        if organisations is not None and r.organisation_code not in organisations:
            continue
        if years is not None and r.year not in years:
            continue
        rec: dict[str, Any] = {
            "organisation_code": r.organisation_code,
            "group": r.group,
            "question": r.question,
            "year": r.year,
            "measure": r.measure,
            "respondents": r.respondents,
        }
        if r.respondents < suppress_below:
            rec.update(_blank(suppressed=True))
            out.append(rec)
            continue
        lo, hi = _interval(r, z)
        whole = by_key.get((r.organisation_code, ALL_STAFF, r.question, r.year))
        rest = _rest_of_organisation(r, whole)
        vs_org = _compare(r, rest, "rest of organisation", suppress_below, alpha)

        national_row = by_key.get((NATIONAL, group, r.question, r.year))
        if national_row is not None:
            nat = _compare(r, national_row, "national", suppress_below, alpha)
        else:
            others = [
                p for p in peers[(group, r.question, r.year)] if p.organisation_code != r.organisation_code
            ]
            pooled = pool(others)
            nat = _compare(r, pooled, f"pooled from {len(others)} other organisations", suppress_below, alpha)
        rec.update(
            {
                "value": _r(_value(r)),
                "ci_low": _r(lo),
                "ci_high": _r(hi),
                "suppressed": False,
                "organisation_all_staff": _r(_value(whole)) if whole is not None else None,
                "rest_of_organisation": _r(vs_org.value),
                "rest_respondents": vs_org.respondents,
                "difference_vs_organisation": _r(vs_org.difference),
                "p_value_vs_organisation": _r(vs_org.p_value, 4),
                "significant_vs_organisation": vs_org.significant,
                "national": _r(nat.value),
                "national_basis": nat.basis,
                "difference_vs_national": _r(nat.difference),
                "p_value_vs_national": _r(nat.p_value, 4),
                "significant_vs_national": nat.significant,
            }
        )
        out.append(rec)
    return out


def _blank(*, suppressed: bool) -> dict[str, Any]:
    keys = (
        "value",
        "ci_low",
        "ci_high",
        "organisation_all_staff",
        "rest_of_organisation",
        "rest_respondents",
        "difference_vs_organisation",
        "p_value_vs_organisation",
        "significant_vs_organisation",
        "national",
        "national_basis",
        "difference_vs_national",
        "p_value_vs_national",
        "significant_vs_national",
    )
    rec: dict[str, Any] = dict.fromkeys(keys)
    rec["suppressed"] = suppressed
    return rec


def engagement_trends(
    results: Iterable[SurveyResult],
    *,
    group: str = HEALTHCARE_SCIENTISTS,
    organisations: Sequence[str] | None = None,
    suppress_below: int = DEFAULT_SUPPRESS_BELOW,
    z: float = Z_95,
    alpha: float = DEFAULT_ALPHA,
) -> list[dict[str, Any]]:
    """Year by year for each organisation and question, with the change on the previous reported year.

    Successive years are treated as independent samples (the survey draws afresh each year); the change is
    flagged only where significant. A suppressed year breaks the chain: the next change is against the last
    year that was reported.
    """
    series: dict[tuple[str, str], list[SurveyResult]] = defaultdict(list)
    for r in results:
        if r.group != group:
            continue
        if organisations is not None and r.organisation_code not in organisations:
            continue
        series[(r.organisation_code, r.question)].append(r)

    out: list[dict[str, Any]] = []
    for (org, question), rows in sorted(series.items()):
        previous: SurveyResult | None = None
        for r in sorted(rows, key=lambda x: x.year):
            rec: dict[str, Any] = {
                "organisation_code": org,
                "group": group,
                "question": question,
                "year": r.year,
                "measure": r.measure,
                "respondents": r.respondents,
            }
            if r.respondents < suppress_below:
                rec.update(
                    value=None,
                    ci_low=None,
                    ci_high=None,
                    suppressed=True,
                    previous_year=None,
                    change=None,
                    p_value_change=None,
                    significant_change=None,
                )
                out.append(rec)
                continue
            lo, hi = _interval(r, z)
            change = _compare(r, previous, "previous year", suppress_below, alpha) if previous else None
            rec.update(
                value=_r(_value(r)),
                ci_low=_r(lo),
                ci_high=_r(hi),
                suppressed=False,
                previous_year=previous.year if previous else None,
                change=_r(change.difference) if change else None,
                p_value_change=_r(change.p_value, 4) if change else None,
                significant_change=change.significant if change else None,
            )
            out.append(rec)
            previous = r
    return out
