"""The `hcs` command as a user meets it: clean usage errors, every job listed, synth deterministic by seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli, run_hcs_subprocess


@pytest.mark.parametrize(
    "args", [["nonsense"], ["synth", "--staf", "10", "--out", "x.csv"], ["profile", "--by"]]
)
def test_usage_errors_are_clean_and_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert "Traceback" not in err and "Error" in err


def test_console_script_lists_every_job() -> None:
    result = run_hcs_subprocess(["--help"])
    assert result.returncode == 0
    for job in ("init", "synth", "import", "profile", "quality", "reference"):
        assert f" {job} " in result.stdout


def test_synth_is_deterministic_by_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = []
    for i, seed in enumerate((7, 7, 8)):
        p = tmp_path / f"s{i}.csv"
        code, _, err = run_cli(
            ["synth", "--staff", "300", "--seed", str(seed), "--out", str(p), "--organisations", "10"], capsys
        )
        assert code == 0, err
        paths.append(p.read_bytes())
    assert paths[0] == paths[1] and paths[0] != paths[2]


def test_synth_then_import_then_profile_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extract, est = tmp_path / "e.csv", tmp_path / "est.csv"
    db = f"sqlite:///{tmp_path / 'hcs.db'}"
    assert (
        run_cli(
            [
                "synth",
                "--staff",
                "2000",
                "--out",
                str(extract),
                "--establishment",
                str(est),
                "--survey",
                str(tmp_path / "survey.csv"),
                "--directory",
                str(tmp_path / "dir.csv"),
            ],
            capsys,
        )[0]
        == 0
    )
    code, _, err = run_cli(
        ["import", str(extract), "--establishment", str(est), "--census-date", "2025-03-31", "--db", db],
        capsys,
    )
    assert code == 0, err
    assert "2,000 healthcare scientists" in err
    code, out, err = run_cli(["profile", "--by", "region", "--db", db], capsys)
    assert code == 0, err
    assert "Total" in out and "2,000" in out


def test_the_command_table_matches_what_the_modules_register() -> None:
    """`hcs JOB` imports only JOB's module (start-up time), found through COMMAND_MODULES: a command added to
    a module without a line there would still work, but slowly; one listed wrongly would not be found."""
    import importlib

    import typer

    from hcsworkforce import cli

    registered: dict[str, str] = {}
    for name in cli.command_modules():
        module = importlib.import_module(f"hcsworkforce.cli.{name}")
        if hasattr(module, "register"):
            probe = typer.Typer()
            module.register(probe)
            for c in probe.registered_commands:
                registered[c.name or c.callback.__name__] = name  # type: ignore[union-attr]
            for g in probe.registered_groups:
                registered[str(g.name)] = name
    assert registered == cli.COMMAND_MODULES
