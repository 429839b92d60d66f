"""The synthetic monthly history: deterministic by seed, people followed across months, trainees qualifying,
and the planted leaver spike found by SPC end to end (synth -> import-history -> trend -> benchmark -> pack)."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from hcsworkforce.synth.history import month_ends, synthesise_months
from tests.conftest import run_cli


def test_month_ends() -> None:
    assert month_ends(date(2025, 3, 31), 3) == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)]
    assert month_ends(date(2024, 2, 10), 2) == [date(2024, 1, 31), date(2024, 2, 29)]


def test_history_is_deterministic_and_follows_people() -> None:
    def run(seed: int) -> list[pl.DataFrame]:
        return [m.extract for m in synthesise_months(1500, seed, 14, date(2025, 3, 31), 20, absences=True)]

    a, b, c = run(7), run(7), run(8)
    assert all(x.equals(y) for x, y in zip(a, b, strict=True))
    assert not a[-1].equals(c[-1])
    first, last = (x.filter(pl.col("Termination Date").is_null()) for x in (a[0], a[-1]))
    stayed = set(first["Employee Number"]) & set(last["Employee Number"])
    assert len(stayed) > 0.8 * first["Employee Number"].n_unique()  # the same staff ids month after month
    # Trainee clinical scientists whose completion passed are clinical scientists later, under the same id.
    early = first.filter(
        (pl.col("Career Level") == "trainee_clinical_scientist")
        & (pl.col("Expected Completion") < "2025-03-01")
    )
    later = last.filter(pl.col("Employee Number").is_in(early["Employee Number"].to_list()))
    assert later.height > 0
    assert set(later["Career Level"]) == {"clinical_scientist"}
    assert set(later["Training Programme"]) == {"none"}
    # Each month carries the trailing 12 months' leavers only.
    for d, x in zip(month_ends(date(2025, 3, 31), 14), a, strict=True):
        ends = x["Termination Date"].drop_nulls().str.to_date()
        assert ends.max() <= d and (d - ends.min()).days < 366


@pytest.fixture(scope="module")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, object], Path]]:
    """18 months of 6,000 staff in 40 organisations, with absence, loaded with `hcs import-history`."""
    from hcsworkforce.settings import get_settings
    from hcsworkforce.store import dispose_all

    tmp = tmp_path_factory.mktemp("history")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HCS_DATA_DIR", str(tmp / "data"))
        mp.delenv("HCS_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        db = f"sqlite:///{tmp / 'history.db'}"
        code = _cli(
            [
                "synth",
                "--staff",
                "6000",
                "--organisations",
                "40",
                "--months",
                "18",
                "--seed",
                "11",
                "--out",
                str(tmp / "months"),
                "--absence",
                str(tmp / "months"),
            ]
        )
        assert code == 0
        manifest = json.loads((tmp / "months" / "manifest.json").read_text())
        assert _cli(["import-history", str(tmp / "months" / "manifest.json"), "--db", db]) == 0
        yield db, manifest, tmp
        get_settings.cache_clear()
        dispose_all()


def _cli(args: list[str]) -> int:
    """`hcs ARGS` in-process for a module fixture (capsys is per test; pytest captures the output anyway)."""
    import sys

    from hcsworkforce.cli import app
    from hcsworkforce.cli._common import run_app

    old = sys.argv
    sys.argv = ["hcs", *args]
    try:
        return run_app(app)
    finally:
        sys.argv = old


def test_planted_leaver_spike_is_a_special_cause(
    history_db: tuple[str, dict[str, object], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, manifest, _ = history_db
    shifts = {s["kind"]: s for s in manifest["shifts"]}  # type: ignore[attr-defined]
    spike = shifts["leaver_spike"]["organisation"]
    code, out, err = run_cli(
        [
            "trend",
            "leaver_rate",
            "--by",
            "organisation",
            "--organisation",
            spike,
            "--format",
            "json",
            "--db",
            db,
        ],
        capsys,
    )
    assert code == 0, err
    [series] = json.loads(out)["series"]
    assert series["summary"]["variation"] == "special_cause_concern"
    late = [p for p in series["points"] if p["period"] >= shifts["leaver_spike"]["start"]]
    assert any("outside_limits" in p["rules"] and p["variation"] == "special_cause_concern" for p in late)
    # Against England on the last census, the spike organisation sits above the 99.8% limits.
    code, out, err = run_cli(["benchmark", "leaver_rate", "--format", "json", "--db", db], capsys)
    assert code == 0, err
    rows = {r["organisation"]: r for r in json.loads(out)["organisations"]}
    assert rows[spike]["flag"] == "high"
    # The vacancy rise shows on the other organisation's vacancy rate.
    vac = shifts["vacancy_rise"]["organisation"]
    code, out, _ = run_cli(
        ["trend", "vacancy_rate", "--organisation", vac, "--format", "json", "--db", db], capsys
    )
    [series] = json.loads(out)["series"]
    assert series["summary"]["concern_points"] > 0


def test_board_pack_files(
    history_db: tuple[str, dict[str, object], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, manifest, tmp = history_db
    spike = next(s["organisation"] for s in manifest["shifts"] if s["kind"] == "leaver_spike")  # type: ignore[attr-defined]
    out_dir = tmp / "pack"
    code, _, err = run_cli(["pack", "--organisation", spike, "--out", str(out_dir), "--db", db], capsys)
    assert code == 0, err
    page = out_dir / f"board_pack_{spike}_2025-03-31.html"
    book = out_dir / f"board_pack_{spike}_2025-03-31.xlsx"
    assert page.exists() and book.exists()
    text = page.read_text()
    assert "http://" not in text and "https://" not in text
    assert "<script" not in text and "@media print" in text and "break-before:page" in text
    assert text.count("<svg") >= 6 + 4  # an SPC chart per metric, funnels, age, trainees
    for heading in ("Headline figures", "Change over time", "funnel plots", "Age profile", "Trainees"):
        assert heading in text
    with zipfile.ZipFile(book) as z:
        workbook = z.read("xl/workbook.xml").decode()
    sheets = re.findall(r'<sheet name="([^"]+)"', workbook)
    assert sheets[:2] == ["Cover", "Headlines"]
    for name in (
        "Trend leaver_rate_12m",
        "Trend absence_rate",
        "Funnel leaver_rate_12m England",
        "Age profile",
        "Retirement risk",
        "Trainees",
        "Notes",
    ):
        assert name in sheets
    # Bad input: an organisation with no staff.
    code, _, err = run_cli(["pack", "--organisation", "ZZZ99", "--out", str(out_dir), "--db", db], capsys)
    assert code == 2 and "no staff at ZZZ99" in err
