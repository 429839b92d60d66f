"""Properties of the discovery engines: HCS rows are never listed, leadership counts equal a naive count, and
suppression never shows a small count nor leaves a blanked one recoverable from the totals in the frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from hcsworkforce.analytics.discovery import (
    COUNT_COLUMNS,
    FRAME_SCHEMA,
    LEADERSHIP_COLUMNS,
    RATIO_COLUMNS,
    SENIOR_BANDS,
    _equations,
    leadership,
    likely_hcs,
    suppress,
)

STAFF_GROUPS = [
    "Healthcare Scientists",
    "Add Prof Scientific and Technic",
    "Nursing and Midwifery Registered",
    "Allied Health Professionals",
    "Additional Clinical Services",
    "Administrative and Clerical",
    "Estates and Ancillary",
    "Medical and Dental",
    "Students",
    None,
]
WORDS = [
    "Clinical Scientist",
    "Audiology",
    "Pathology",
    "Secretary",
    "Nurse",
    "Physiotherapist",
    "Cardiac Physiologist",
    "Medical Laboratory Assistant",
    "Ward 3",
    "Porter",
    "Scientist",
    "Haematology",
    "Support Worker",
    "Head of Healthcare Science",
    "Band 5",
    "&",
    "-",
]
text = st.one_of(st.none(), st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join))
BANDS = [None, "2", "5", "7", "8a", "8b", "8c", "8d", "9"]
row = st.fixed_dictionaries(
    {
        "organisation_code": st.sampled_from(["RGT", "RGM", "RJ1", "XYZ"]),
        "staff_group": st.sampled_from(STAFF_GROUPS),
        "occupation_code": st.sampled_from([None, "UAA", "N1A", "u3b"]),
        "job_role": text,
        "area_of_work": text,
        "position_title": text,
        "afc_band": st.sampled_from(BANDS),
        "person_key": st.sampled_from([f"p{i}" for i in range(12)]),
        "is_hcs": st.sampled_from([True, False, None]),
        "career_level": st.sampled_from([None, "consultant", "practitioner", "trainee_consultant"]),
        "category": st.sampled_from([None, "permanent", "fixed_term", "bank", "honorary", "other"]),
    }
)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame([{"__row": i + 2, **r} for i, r in enumerate(rows)], schema=FRAME_SCHEMA)


ORGS = pl.DataFrame({"code": ["RGT", "RGM", "RJ1"], "region_code": ["Y61", "Y61", "Y56"]})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, max_size=25))
def test_hcs_and_medical_rows_are_never_listed_and_each_row_stands_alone(rows: list[dict[str, Any]]) -> None:
    frame = _frame(rows)
    out = likely_hcs(frame)
    by_row = {r["__row"]: r for r in frame.iter_rows(named=True)}
    for listed in out.iter_rows(named=True):
        source = by_row[listed["__row"]]
        assert source["is_hcs"] is not True
        assert source["staff_group"] != "Medical and Dental"
        assert listed["strength"] in ("strong", "possible")
        assert listed["evidence"] and listed["matched_fields"]
    # A row is listed on its own evidence: the same answer row by row, and in any order.
    alone = [likely_hcs(frame.slice(i, 1)) for i in range(frame.height)]
    together = pl.concat(alone) if alone else out.clear()
    assert out.equals(together.sort("__row"))
    assert likely_hcs(frame.reverse()).equals(out)


def _naive(rows: list[dict[str, Any]], org: str, group: str) -> tuple[int, int, int]:
    people: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["organisation_code"] != org or r["category"] in ("bank", "honorary"):
            continue
        if group == "hcs":
            ok = r["is_hcs"] is True
        elif group == "nursing":
            ok = r["is_hcs"] is not True and r["staff_group"] == "Nursing and Midwifery Registered"
        else:
            ok = r["is_hcs"] is not True and r["staff_group"] == "Allied Health Professionals"
        if ok:
            people.setdefault(r["person_key"], []).append(r)
    senior = sum(any(a["afc_band"] in SENIOR_BANDS for a in posts) for posts in people.values())
    consultant = sum(any(a["career_level"] == "consultant" for a in posts) for posts in people.values())
    return len(people), senior, consultant


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=30))
def test_leadership_counts_equal_a_naive_count_and_add_up(rows: list[dict[str, Any]]) -> None:
    out = leadership(_frame(rows), ORGS)
    orgs = out.filter(pl.col("level") == "organisation")
    for r in orgs.iter_rows(named=True):
        n, senior, consultant = _naive(rows, r["organisation_code"], "hcs")
        assert (r["hcs_headcount"], r["hcs_senior_headcount"], r["hcs_consultant_headcount"]) == (
            n,
            senior,
            consultant,
        )
        for g in ("nursing", "ahp"):
            if r[f"{g}_headcount"] is not None:
                assert (r[f"{g}_headcount"], r[f"{g}_senior_headcount"]) == _naive(
                    rows, r["organisation_code"], g
                )[:2]
    england = out.filter(pl.col("level") == "england").row(0, named=True)
    for c in COUNT_COLUMNS:
        values = [v for v in orgs[c].to_list() if v is not None]
        assert england[c] == (sum(values) if values else None)


def _hierarchy(draw: st.DrawFn) -> pl.DataFrame:
    """A leadership-shaped frame: organisations in regions, region and England rows their sums."""
    n_regions = draw(st.integers(1, 3))
    counts = st.one_of(st.integers(0, 12), st.integers(0, 4))
    rows: list[dict[str, Any]] = []
    for k in range(n_regions):
        for j in range(draw(st.integers(1, 4))):
            r: dict[str, Any] = {
                "level": "organisation",
                "organisation_code": f"O{k}{j}",
                "region_code": f"R{k}",
            }
            for c in COUNT_COLUMNS:
                carried = c.startswith("hcs") or draw(st.booleans()) or draw(st.booleans())
                r[c] = draw(counts) if carried else None
            rows.append(r)
    orgs = list(rows)
    totals = []
    for k in range(n_regions):
        part = [r for r in orgs if r["region_code"] == f"R{k}"]
        totals.append({"level": "region", "organisation_code": None, "region_code": f"R{k}"} | _sums(part))
    totals.append({"level": "england", "organisation_code": None, "region_code": None} | _sums(orgs))
    frame = []
    for r in orgs + totals:
        full = (
            {c: None for c in LEADERSHIP_COLUMNS} | r | {"organisations": 1, "organisations_with_hcs_lead": 0}
        )
        for name, (num, den) in RATIO_COLUMNS.items():
            full[name] = full[num] * 100.0 / full[den] if full[num] is not None and full[den] else None
        frame.append(full)
    schema = leadership(_frame([]), ORGS).schema
    return pl.DataFrame(frame, schema=schema)


def _sums(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for c in COUNT_COLUMNS:
        values = [r[c] for r in rows if r[c] is not None]
        out[c] = sum(values) if values else None
    return out


def _recoverable(
    before: list[int | None], after: list[int | None], equations: list[tuple[int, list[int]]]
) -> list[int]:
    """Blanked cells whose value is fixed by the shown cells and the sums (bounds by linear programming)."""
    hidden = [i for i, (b, a) in enumerate(zip(before, after, strict=True)) if b is not None and a is None]
    if not hidden:
        return []
    col = {i: k for k, i in enumerate(hidden)}
    a_eq, b_eq = [], []
    for total, parts in equations:
        coeffs = np.zeros(len(hidden))
        rhs = 0.0
        cells = [(total, -1.0)] + [(p, 1.0) for p in parts]
        if all(before[i] is None for i, _ in cells):
            continue
        for i, sign in cells:
            if before[i] is None:
                continue
            if i in col:
                coeffs[col[i]] += sign
            else:
                rhs -= sign * float(after[i])  # type: ignore[arg-type]
        if coeffs.any():
            a_eq.append(coeffs)
            b_eq.append(rhs)
    if not a_eq:
        return []
    fixed = []
    for i in hidden:
        c = np.zeros(len(hidden))
        c[col[i]] = 1.0
        low = linprog(c, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=(0, None), method="highs")
        high = linprog(-c, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=(0, None), method="highs")
        assert low.status == 0, low.message
        if high.status == 0 and abs(low.fun + high.fun) < 1e-9:
            fixed.append(i)
    return fixed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.integers(0, 6))
def test_suppression_never_shows_a_small_count_nor_leaves_one_recoverable(
    data: st.DataObject, threshold: int
) -> None:
    frame = data.draw(st.composite(_hierarchy)())
    out = suppress(frame, threshold)
    rows = frame.to_dicts()
    equations = _equations(rows)
    for c in COUNT_COLUMNS:
        before, after = frame[c].to_list(), out[c].to_list()
        for b, a in zip(before, after, strict=True):
            assert a is None or a == b  # shown figures are never altered
            assert a is None or not 0 < a < threshold
        assert _recoverable(before, after, equations) == [], c
    for name, (num, den) in RATIO_COLUMNS.items():
        for r in out.iter_rows(named=True):
            if r[num] is None or r[den] is None:
                assert r[name] is None
