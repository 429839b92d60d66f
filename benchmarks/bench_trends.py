"""Benchmark: SPC for every organisation x specialism series over 36 monthly censuses, and funnels for every metric.

Issue 8's target: 36 monthly censuses of 60,000 staff, trend and SPC for every organisation x specialism
series and funnels for every metric, in under 3 s together. The data are generated here with numpy (about
200 organisations x 50 specialisms, 60,000 staff in all), so the figures measure the engines, not a database.
The last measurements go through the store: `hcs synth --months 36` of 60,000 staff (synth.history), loaded
with import_history into SQLite (and PostgreSQL where a server is running), then, timed apart from that
setup, the 36 censuses read back in one query per table, profiled in one pass, SPC of every organisation x
specialism series and a funnel of every rate on the last census (run_store).
Run alone with `.venv/bin/python benchmarks/bench_trends.py`; `run()` returns the figures for benchmarks/run.py.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from hcsworkforce.analytics.funnel import funnel
from hcsworkforce.analytics.spc import spc

ORGS = 200
SPECIALISMS = 50
MONTHS = 36
STAFF = 60_000
TARGET_SECONDS = 3.0

# Metric -> improvement direction, as the trend command uses them.
METRICS = {
    "headcount": "increase",
    "fte": "increase",
    "vacancy_rate": "decrease",
    "leaver_rate_12m": "decrease",
    "absence_rate": "decrease",
    "share_55_plus": "neutral",
}
RATES = ("vacancy_rate", "leaver_rate_12m", "absence_rate", "share_55_plus")


def _months() -> list[date]:
    return [date(2022 + k // 12, k % 12 + 1, 1) for k in range(MONTHS)]


def make_series(seed: int = 8) -> dict[str, dict[str, np.ndarray]]:
    """Counts per (organisation x specialism, month): numerators and denominators for every metric."""
    rng = np.random.default_rng(seed)
    n_series = ORGS * SPECIALISMS
    # Staff spread unevenly: a few large teaching trusts, many small teams (some with a handful of people).
    weight = rng.lognormal(0.0, 1.0, n_series)
    base = np.maximum(1, np.round(STAFF * weight / weight.sum())).astype(np.int64)
    drift = 1 + np.cumsum(rng.normal(0, 0.005, (n_series, MONTHS)), axis=1)
    headcount = np.maximum(0, rng.poisson(base[:, None] * drift)).astype(np.float64)
    fte = headcount * rng.uniform(0.8, 0.95, (n_series, 1))
    funded = fte * rng.uniform(1.02, 1.15, (n_series, 1))
    leavers = rng.binomial(headcount.astype(np.int64), 0.10).astype(np.float64)
    # One organisation in twenty has a leaver spike over the last 8 months, so the charts have signal.
    spike = rng.random(n_series) < 0.05
    leavers[spike, -8:] = rng.binomial(headcount[spike, -8:].astype(np.int64), 0.25)
    over55 = rng.binomial(headcount.astype(np.int64), 0.2).astype(np.float64)
    days_available = fte * 30.4
    days_lost = rng.binomial(np.round(days_available).astype(np.int64), 0.05).astype(np.float64)
    vacant = np.clip(funded - fte, 0, None)
    return {
        "headcount": {"value": headcount},
        "fte": {"value": fte},
        "vacancy_rate": {"num": vacant, "den": funded},
        "leaver_rate_12m": {"num": leavers, "den": headcount},
        "absence_rate": {"num": days_lost, "den": days_available},
        "share_55_plus": {"num": over55, "den": headcount},
    }


def _rate(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def run_engines(data: dict[str, dict[str, np.ndarray]]) -> dict[str, Any]:
    """Every SPC series and every funnel, as the trend and benchmark commands would compute them."""
    periods = _months()
    org_of_series = np.repeat(np.arange(ORGS), SPECIALISMS)
    spec_of_series = np.tile(np.arange(SPECIALISMS), ORGS)
    special = 0
    flagged = 0
    funnels = 0
    for metric, direction in METRICS.items():
        d = data[metric]
        values = d["value"] if "value" in d else _rate(d["num"], d["den"])
        r = spc(values, periods, improvement=direction)  # type: ignore[arg-type]
        special += int(r.special_cause.any(axis=1).sum())
        if metric not in RATES:
            continue
        num, den = d["num"], d["den"]
        # Funnels 1: organisation x specialism against its specialism's peers, every month (one call, grouped).
        group = (np.arange(MONTHS)[None, :] * SPECIALISMS + spec_of_series[:, None]).ravel()
        f = funnel(np.minimum(num, den).ravel(), den.ravel(), group=group)
        flagged += int((f.flag_code != 0).sum())
        funnels += len(f.groups)
        # Funnels 2: organisations against the nation, every month.
        org_num = np.vstack(
            [np.bincount(org_of_series, weights=num[:, m], minlength=ORGS) for m in range(MONTHS)]
        )
        org_den = np.vstack(
            [np.bincount(org_of_series, weights=den[:, m], minlength=ORGS) for m in range(MONTHS)]
        )
        g = funnel(
            np.minimum(org_num, org_den).ravel(), org_den.ravel(), group=np.repeat(np.arange(MONTHS), ORGS)
        )
        flagged += int((g.flag_code != 0).sum())
        funnels += len(g.groups)
    return {"series_with_special_cause": special, "funnel_points_flagged": flagged, "funnels": funnels}


def make_staff_months(seed: int = 8) -> pl.DataFrame:
    """Staff-level rows for 36 monthly censuses of 60,000 (2.16 million rows), for the aggregation step."""
    rng = np.random.default_rng(seed)
    org = rng.integers(0, ORGS, STAFF)
    spec = rng.integers(0, SPECIALISMS, STAFF)
    age = rng.integers(20, 67, STAFF)
    fte = rng.choice([1.0, 0.8, 0.6, 0.5], STAFF, p=[0.7, 0.1, 0.1, 0.1])
    month = np.repeat(np.arange(MONTHS), STAFF)
    return pl.DataFrame(
        {
            "month": month.astype(np.int32),
            "organisation_code": np.tile(org, MONTHS).astype(np.int32),
            "specialism_id": np.tile(spec, MONTHS).astype(np.int32),
            "age": (np.tile(age, MONTHS) + month // 12).astype(np.int32),
            "fte": np.tile(fte, MONTHS),
        }
    )


def aggregate(staff: pl.DataFrame) -> pl.DataFrame:
    return staff.group_by(["organisation_code", "specialism_id", "month"]).agg(
        pl.len().alias("headcount"),
        pl.col("fte").sum().alias("fte"),
        (pl.col("age") >= 55).sum().alias("over_55"),
    )


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(3):  # best of three: the first run pays for imports and page faults
        t0 = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, result


def run_store(tmp: Path, url: str | None = None) -> list[dict[str, Any]]:
    """36 monthly censuses of 60,000 staff through the importer and the store, then trends and funnels.

    Setup (synthesise, write, import) is timed and reported but is not the target. The target is what a
    user's `hcs trend` over every organisation x specialism and `hcs benchmark` of every rate do after it:
    read the 36 censuses from the store, profile every census by organisation x specialism (and by
    organisation for the funnels), SPC of every series for 5 metrics (frames of points and summaries, no
    per-point dictionaries), and a funnel of every rate by region on the last census.
    """
    import os

    os.environ["HCS_DATA_DIR"] = str(tmp / "data")
    from hcsworkforce.model.scope import NATIONAL
    from hcsworkforce.services.funnel import build_funnel
    from hcsworkforce.services.history import import_history, read_history, read_manifest
    from hcsworkforce.services.trend import build_trend
    from hcsworkforce.settings import get_settings
    from hcsworkforce.store import open_store
    from hcsworkforce.synth.history import synthesise_months, write_months

    get_settings.cache_clear()
    t0 = time.perf_counter()
    manifest = write_months(synthesise_months(STAFF, 2025, MONTHS, date(2025, 3, 31), ORGS), tmp / "months")
    synth_s = time.perf_counter() - t0
    store = open_store(url or f"sqlite:///{tmp / 'history.db'}", migrate=True)
    db = store.dialect
    entries, _ = read_manifest(manifest)
    t0 = time.perf_counter()
    import_history(store, entries)
    import_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    data = read_history(store, scope=NATIONAL, by=["organisation", "specialism"])
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    history = data.profile(["organisation", "specialism"])
    # Funnels are a cross-section of the latest census, as `hcs benchmark` draws them.
    organisations = data.only(data.censuses[-1]).profile(["region", "organisation"])
    profile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    series = 0
    for m in ("headcount", "fte", "vacancy_rate", "leaver_rate_12m", "share_55_plus"):
        tr = build_trend(
            history,
            m,
            ["organisation", "specialism"],
            improvement="decrease",
            target=None,
            fix_after=None,
            rebase_at=[],
            screen=True,
            suppress_below=5,
        )
        series += tr.n_series
    spc_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    last = data.censuses[-1]
    rows = organisations.rows(last)
    for m in ("vacancy_rate", "leaver_rate_12m", "share_55_plus"):
        build_funnel(rows, m, peers="region", census_date=last, suppress_below=5)
    funnel_s = time.perf_counter() - t0
    total = read_s + profile_s + spc_s + funnel_s
    return [
        {
            "name": "trends (store): synthesise and write 36 monthly extracts of 60,000 staff (setup)",
            "seconds": round(synth_s, 3),
            "target_seconds": None,
            "notes": "synth.history + CSV writing, one pass; not part of the target",
        },
        {
            "name": f"trends (store): import 36 monthly censuses into {db} (setup)",
            "seconds": round(import_s, 3),
            "target_seconds": None,
            "notes": f"{len(entries)} censuses, each validated and loaded atomically as `hcs import` does; "
            "not part of the target",
        },
        {
            "name": f"trends (store, {db}): read 36 censuses (staff, leavers, establishment)",
            "seconds": round(read_s, 3),
            "target_seconds": None,
            "notes": f"{data.staff.height:,} staff rows, {data.leavers.height:,} leaver rows, "
            f"{data.establishment.height:,} establishment lines; one query per table",
        },
        {
            "name": f"trends (store, {db}): profile every census by org x specialism, and the latest by organisation",
            "seconds": round(profile_s, 3),
            "target_seconds": None,
            "notes": f"{history.frame.height:,} census x group rows; one pass, census as a key",
        },
        {
            "name": f"trends (store, {db}): SPC of every org x specialism series, 5 metrics",
            "seconds": round(spc_s, 3),
            "target_seconds": None,
            "notes": f"{series:,} series over {len(data.censuses)} censuses: frames of points and summaries "
            "with suppression (records are built only for output)",
        },
        {
            "name": f"trends (store, {db}): funnels of every rate by region, last census",
            "seconds": round(funnel_s, 3),
            "target_seconds": None,
            "notes": "leaver, vacancy and 55+ rates (no absence in this history)",
        },
        {
            "name": f"trends (store, {db}): read + profile + SPC + funnels together",
            "seconds": round(total, 3),
            "target_seconds": TARGET_SECONDS,
            "notes": "issue 8's 3 s measured from the store (setup not counted); one pass, not best of 3",
        },
    ]


def run() -> list[dict[str, Any]]:
    data = make_series()
    engines_s, counts = _timed(run_engines, data)
    staff = make_staff_months()
    agg_s, agg = _timed(aggregate, staff)
    n_series = ORGS * SPECIALISMS
    return [
        {
            "name": "trends: SPC + funnels, every org x specialism series and metric",
            "seconds": round(engines_s, 3),
            "target_seconds": TARGET_SECONDS,
            "notes": (
                f"{n_series:,} series x {MONTHS} months x {len(METRICS)} metrics of SPC; funnels for {len(RATES)} "
                f"rates every month, org x specialism within specialism and org within nation "
                f"({counts['funnels']:,} funnels); {counts['series_with_special_cause']:,} series with a special "
                f"cause, {counts['funnel_points_flagged']:,} funnel points flagged; best of 3"
            ),
        },
        {
            "name": "trends: aggregate 36 censuses of 60,000 staff to org x specialism x month",
            "seconds": round(agg_s, 3),
            "target_seconds": round(TARGET_SECONDS - engines_s, 3),
            "notes": f"{staff.height:,} staff rows -> {agg.height:,} groups (polars group_by); best of 3; "
            "target is what the 3 s leaves after the engines",
        },
        {
            "name": "trends: aggregation + SPC + funnels together",
            "seconds": round(engines_s + agg_s, 3),
            "target_seconds": TARGET_SECONDS,
            "notes": "issue 8 acceptance: under 3 s together (engines on in-memory data)",
        },
        *_store_figures(),
    ]


def _store_figures() -> list[dict[str, Any]]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        out += run_store(Path(tmp))
    pg = _pg_database()
    if pg is not None:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                out += run_store(Path(tmp), pg[0])
            finally:
                pg[1]()
    return out


def _pg_database() -> tuple[str, Any] | None:
    """A scratch PostgreSQL database (dropped afterwards) where a server is running, as the tests find it."""
    import os
    import uuid

    from sqlalchemy import create_engine, text

    admin_url = os.environ.get("HCS_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        name = f"hcs_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        return None

    def drop() -> None:
        from hcsworkforce.store import dispose_all

        dispose_all()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
