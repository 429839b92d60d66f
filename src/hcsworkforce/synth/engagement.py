"""Synthetic staff survey results and a key-people directory, deterministic by seed, for demos and tests.

Every number here is invented. Only the shape follows the real world: the NHS Staff Survey reports per
organisation and staff group, percentages positive and 0-10 theme scores; healthcare scientists are a small
share of respondents (~5% of the NHS workforce); and NHS Employers (2015) found them highly engaged and
motivated, feeling valued about as much as other staff, with fewer opportunities to show initiative, which
the invented group effects echo. Names are drawn from short lists and emails use example.org (RFC 2606),
so no synthetic person can be mistaken for a real one.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from hcsworkforce import reference
from hcsworkforce.analytics.engagement import ALL_STAFF, HEALTHCARE_SCIENTISTS, NATIONAL, SurveyResult, pool
from hcsworkforce.analytics.people import DirectoryEntry, key_roles, networks


@dataclass(frozen=True)
class SynthQuestion:
    id: str
    measure: str  # percent_positive or score
    baseline: float  # invented national all-staff value
    hcs_effect: float  # invented difference for healthcare scientists
    sd: float = 0.0  # invented SD of individual scores (score questions)


QUESTIONS = (
    SynthQuestion("staff_engagement", "score", 6.9, 0.2, sd=1.6),
    SynthQuestion("enthusiastic_about_job", "percent_positive", 64.0, 4.0),
    SynthQuestion("feel_valued_by_organisation", "percent_positive", 41.0, 0.0),
    SynthQuestion("opportunities_to_show_initiative", "percent_positive", 72.0, -5.0),
    SynthQuestion("able_to_make_improvements", "percent_positive", 55.0, -2.0),
    SynthQuestion("recommend_as_place_to_work", "percent_positive", 60.0, 1.0),
)


def synth_survey(
    seed: int, organisations: Sequence[str], years: Sequence[int] = (2021, 2022, 2023, 2024)
) -> list[SurveyResult]:
    """Survey results for each organisation (all staff and healthcare scientists), year and question,
    plus national rows pooled from them. About one organisation in ten has fewer than 11 HCS respondents,
    so suppression shows in the demo."""
    rng = np.random.default_rng(seed)
    out: list[SurveyResult] = []
    orgs = sorted(set(organisations))
    size = {o: int(rng.integers(600, 4500)) for o in orgs}
    hcs_share = {o: float(rng.uniform(0.002, 0.07)) for o in orgs}
    org_effect = {o: float(rng.normal(0, 4)) for o in orgs}
    for y_i, year in enumerate(years):
        # A small shared drift, so trends have something to find.
        drift = float(rng.normal(0, 1.5)) - 0.5 * y_i
        for q in QUESTIONS:
            for o in orgs:
                n_all = max(50, int(size[o] * rng.uniform(0.85, 1.15)))
                n_hcs = int(rng.binomial(n_all, hcs_share[o]))
                for group, n, effect in (
                    (ALL_STAFF, n_all, 0.0),
                    (HEALTHCARE_SCIENTISTS, n_hcs, q.hcs_effect),
                ):
                    if n == 0:
                        continue
                    if q.measure == "percent_positive":
                        p = float(np.clip(q.baseline + org_effect[o] + drift + effect, 2, 98)) / 100
                        pct = 100 * rng.binomial(n, p) / n
                        out.append(SurveyResult(o, group, q.id, year, n, percent_positive=round(pct, 1)))
                    else:
                        mean = q.baseline + (org_effect[o] + drift) / 10 + effect
                        m = float(np.clip(rng.normal(mean, q.sd / np.sqrt(n)), 0, 10))
                        sd = float(q.sd * rng.uniform(0.9, 1.1))
                        out.append(SurveyResult(o, group, q.id, year, n, score=round(m, 2), sd=round(sd, 2)))
    return out + _national_rows(out)


def _national_rows(rows: Sequence[SurveyResult]) -> list[SurveyResult]:
    groups: dict[tuple[str, str, int], list[SurveyResult]] = {}
    for r in rows:
        groups.setdefault((r.group, r.question, r.year), []).append(r)
    out = []
    for (_g, _q, _y), members in sorted(groups.items()):
        pooled = pool(members)
        if pooled is None:
            continue
        pct = round(pooled.percent_positive, 1) if pooled.percent_positive is not None else None
        score = round(pooled.score, 2) if pooled.score is not None else None
        sd = round(pooled.sd, 2) if pooled.sd is not None else None
        out.append(
            SurveyResult(
                NATIONAL,
                pooled.group,
                pooled.question,
                pooled.year,
                pooled.respondents,
                percent_positive=pct,
                score=score,
                sd=sd,
            )
        )
    return out


_FIRST = (
    "Alex",
    "Sam",
    "Priya",
    "Tom",
    "Aisha",
    "Chris",
    "Jo",
    "Ravi",
    "Helen",
    "Kwame",
    "Mei",
    "Olu",
    "Sian",
)
_LAST = ("Patel", "Smith", "Okafor", "Jones", "Khan", "Taylor", "Evans", "Chen", "Williams", "Brown", "Ahmed")


def synth_directory(
    seed: int,
    organisations: Sequence[str],
    as_of: date,
    *,
    fill_rate: dict[str, float] | None = None,
) -> list[DirectoryEntry]:
    """A directory in which most required posts are filled, some are vacant, some end soon, and some
    have a past holder: the cases ``hcs people gaps`` reports. Fill rates are invented."""
    rng = np.random.default_rng(seed)
    rates = {"trust_hcs_lead": 0.85, "board_hcs_member": 0.7, "regional_msc_lead": 0.9, "network_lead": 0.8}
    rates.update(fill_rate or {})
    scopes: list[tuple[str, str]] = []
    for role in key_roles().values():
        if role.scope == "organisation":
            scopes += [(role.id, o) for o in sorted(set(organisations))]
        elif role.scope == "region":
            scopes += [(role.id, r) for r in sorted(reference.regions())]
        else:
            scopes += [(role.id, n.id) for n in networks()]
    out: list[DirectoryEntry] = []
    for role_id, code in scopes:
        first, last = str(rng.choice(_FIRST)), str(rng.choice(_LAST))
        name = f"{first} {last}"
        email = f"{first.lower()}.{last.lower()}@example.org"
        start = as_of - timedelta(days=int(rng.integers(30, 365 * 8)))
        if rng.random() < rates.get(role_id, 0.8):
            # One in eight current terms ends within the next three months.
            end = as_of + timedelta(days=int(rng.integers(1, 90))) if rng.random() < 0.125 else None
            out.append(DirectoryEntry(role_id, code, name, email, start, end))
        elif rng.random() < 0.5:
            # A vacancy left by someone who has gone: their term ended before as_of, and began before that.
            end = as_of - timedelta(days=int(rng.integers(1, 400)))
            out.append(
                DirectoryEntry(
                    role_id, code, name, email, end - timedelta(days=int(rng.integers(200, 2000))), end
                )
            )
    return out


def write_survey_csv(results: Sequence[SurveyResult], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "organisation_code",
                "group",
                "question",
                "year",
                "respondents",
                "percent_positive",
                "score",
                "sd",
            ]
        )
        for r in results:
            w.writerow(
                [
                    r.organisation_code,
                    r.group,
                    r.question,
                    r.year,
                    r.respondents,
                    "" if r.percent_positive is None else r.percent_positive,
                    "" if r.score is None else r.score,
                    "" if r.sd is None else r.sd,
                ]
            )


def write_directory_csv(entries: Sequence[DirectoryEntry], path: Path) -> None:
    scope_of = {r.id: r.scope for r in key_roles().values()}
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["role", "organisation_code", "region_code", "network", "name", "email", "from", "to"])
        for e in entries:
            scope = scope_of[e.role]
            w.writerow(
                [
                    e.role,
                    e.scope_code if scope == "organisation" else "",
                    e.scope_code if scope == "region" else "",
                    e.scope_code if scope == "network" else "",
                    e.name,
                    e.email or "",
                    e.valid_from.isoformat() if e.valid_from else "",
                    e.valid_to.isoformat() if e.valid_to else "",
                ]
            )
