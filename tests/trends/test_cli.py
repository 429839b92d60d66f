"""`hcs trend` and `hcs benchmark`: the glue on hand-built profile rows, and end to end over a small store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from hcsworkforce.errors import UserInputError
from hcsworkforce.services.funnel import build_funnel
from hcsworkforce.services.history import CensusRows
from hcsworkforce.services.trend import build_trend
from tests.conftest import run_cli
from tests.foundation.fixtures import hand_files

CENSUSES = ["2024-01-31", "2024-02-29", "2024-03-31"]


def _history(values_a: list[float], headcount_b: list[int]) -> list[CensusRows]:
    out = []
    for k, (va, hb) in enumerate(zip(values_a, headcount_b, strict=True)):
        d = date(2023 + (k + 1) // 12, (k % 12) + 1, 1)
        out.append(
            CensusRows(
                d,
                [
                    {"organisation": "RGT", "headcount": int(va), "fte": va},
                    {"organisation": "ZZZ01", "headcount": hb, "fte": float(hb)},
                ],
            )
        )
    return out


def test_build_trend_charts_each_group_and_suppresses_small_groups() -> None:
    fte = [10.0, 12.0] * 6  # mean 11, mMR 2: limits [5.68, 16.32]
    history = _history(fte, [3, 6] * 6)
    payload = build_trend(
        history,
        "fte",
        ["organisation"],
        improvement="increase",
        target=20.0,
        fix_after=None,
        rebase_at=[],
        screen=True,
        suppress_below=5,
    ).to_json()
    rgt, zzz = payload["series"]
    assert rgt["organisation"] == "RGT"
    assert rgt["points"][0]["mean"] == pytest.approx(11.0)
    assert rgt["points"][0]["upper_limit"] == pytest.approx(16.32)
    assert rgt["summary"]["assurance"] == "fail"
    assert not any(p["suppressed"] for p in rgt["points"])
    # ZZZ01 has 3 people in alternate months: those points are hidden, the others shown.
    assert [p["suppressed"] for p in zzz["points"][:2]] == [True, False]
    assert zzz["points"][0]["value"] is None and zzz["points"][1]["value"] == 6.0
    assert payload["censuses"][0] == date(2023, 1, 1)


@pytest.fixture
def three_censuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    db = f"sqlite:///{tmp_path / 'trend.db'}"
    extract, est = hand_files(tmp_path)
    for census in CENSUSES:
        code, _, err = run_cli(
            ["import", str(extract), "--establishment", str(est), "--census-date", census, "--db", db], capsys
        )
        assert code == 0, err
    return db


def test_trend_end_to_end_json(three_censuses: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["trend", "headcount", "--by", "organisation", "--format", "json"]
    code, out, err = run_cli([*args, "--suppress-below", "0", "--db", three_censuses], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["censuses"] == CENSUSES
    by_org = {s["organisation"]: s for s in payload["series"]}
    # RGT has 4 people (P1-P4) in post at every census: a flat series, common cause.
    assert [p["value"] for p in by_org["RGT"]["points"]] == [4, 4, 4]
    assert by_org["RGT"]["summary"]["variation"] == "common_cause"
    assert set(by_org["RGT"]["points"][0]) >= {"period", "value", "mean", "lower_limit", "upper_limit"}
    # With the default threshold (5) every organisation here is too small to show.
    code, out, _ = run_cli(
        ["trend", "headcount", "--by", "organisation", "--format", "json", "--db", three_censuses], capsys
    )
    assert code == 0
    assert all(p["value"] is None for s in json.loads(out)["series"] for p in s["points"])


def test_trend_period_and_bad_input(three_censuses: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["trend", "fte", "--from", "2024-02-01", "--format", "csv", "--db", three_censuses], capsys
    )
    assert code == 0
    assert out.splitlines()[0].startswith("period,value,mean")
    assert len(out.splitlines()) == 3  # header + 2 censuses
    for args, message in [
        (["trend", "sparkle"], "not one of"),
        (["trend", "absence_rate"], "import-absence"),
        (["trend", "fte", "--from", "2030-01-01"], "no census in the period"),
        (["trend", "fte", "--rebase", "31/01/2024"], "not a date"),
        (["trend", "fte", "--improvement", "up"], "--improvement"),
    ]:
        code, _, err = run_cli([*args, "--db", three_censuses], capsys)
        assert code == 2, args
        assert message in err


def test_benchmark_end_to_end_share_55_plus(three_censuses: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Census 2024-03-31: RGT has P2 (59) and P3 (55) of 4 aged 55+; ZZZ01 has P5 (44). Pooled 2/5 = 0.4.
    code, out, err = run_cli(
        ["benchmark", "share_55_plus", "--format", "json", "--suppress-below", "0", "--db", three_censuses],
        capsys,
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["census_date"] == "2024-03-31"
    [funnel] = payload["funnels"]
    assert funnel["pooled_rate"] == pytest.approx(0.4)
    assert funnel["curve"] and set(funnel["curve"][0]) == {
        "n",
        "lower_95",
        "upper_95",
        "lower_998",
        "upper_998",
    }
    orgs = {r["organisation"]: r for r in payload["organisations"]}
    assert (orgs["RGT"]["numerator"], orgs["RGT"]["denominator"]) == (2, 4)
    assert orgs["RGT"]["rate"] == pytest.approx(0.5)
    se = (0.4 * 0.6 / 4) ** 0.5
    assert orgs["RGT"]["upper_998"] == pytest.approx(min(1.0, 0.4 + 3.090232 * se), abs=1e-6)
    # Suppressed by default: every count here is below 5.
    code, out, _ = run_cli(["benchmark", "share_55_plus", "--format", "json", "--db", three_censuses], capsys)
    assert all(r["suppressed"] and r["rate"] is None for r in json.loads(out)["organisations"])


def test_benchmark_peer_list_must_name_loaded_organisations() -> None:
    rows = [
        {"organisation": "RGT", "region": "Y56", "headcount": 10, "share_55_plus": 0.2},
        {"organisation": "RAL", "region": "Y56", "headcount": 20, "share_55_plus": 0.1},
    ]
    with pytest.raises(UserInputError, match="no staff at XYZ"):
        build_funnel(rows, "share_55_plus", peers="RGT,XYZ", census_date=date(2024, 3, 31), suppress_below=0)
    ok = build_funnel(rows, "share_55_plus", peers="rgt,ral", census_date=date(2024, 3, 31), suppress_below=0)
    assert ok.peers == ["RGT", "RAL"]
    assert ok.funnels[0]["pooled_rate"] == pytest.approx(4 / 30)
