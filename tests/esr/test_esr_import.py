"""A whole-trust ESR staff-in-post report and its separate leavers report load with no hand edits.

The healthcare scientists' headcount, FTE and leavers equal an independent count of the files (stdlib csv);
other staff groups are counted, never refused; each ESR rule (header pairs, hierarchy strings, themes, levels
from job role and band, bank and honorary, statuses, dates with times and Excel serials) is checked on its row.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from hcsworkforce.errors import UserInputError
from hcsworkforce.services.imports import import_extract
from hcsworkforce.store import open_store
from tests.conftest import run_cli
from tests.esr.fixtures import SIP_ROWS, independent_count, write_reports


def _findings(store) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    info = store.census_info()
    return {f["check"]: f for f in info["data_quality"]["findings"]}


def test_whole_trust_report_and_leavers_report_load_as_counted_by_hand(db_url: str, tmp_path: Path) -> None:
    sip, leavers = write_reports(tmp_path)
    store = open_store(db_url, migrate=True)
    result = import_extract(sip, store, leavers=leavers)
    expected = independent_count(sip, leavers)

    # Dated from the report's own title line, never today.
    assert result.census_date == date(2024, 3, 31)
    assert "Report Date: 31/03/2024" in result.census_date_from
    staff = store.staff()
    assert staff["staff_key"].n_unique() == expected["headcount"] == 8
    assert staff.height == expected["assignments"]
    assert staff["fte"].sum() == pytest.approx(expected["fte"])
    assert store.leavers().height == expected["leavers"] == 2
    assert store.bank().height == expected["bank_or_honorary"] == 2
    assert sorted(store.bank()["category"].to_list()) == ["bank", "honorary"]
    assert store.statuses()["status"].to_list() == ["maternity"]

    found = _findings(store)
    others = found["other_staff_groups"]
    assert others["count"] == sum(expected["others"].values()) == 4  # type: ignore[arg-type]
    assert "4 rows of other staff groups, not loaded" in others["detail"]
    assert {e["staff_group"]: e["rows"] for e in others["examples"]} == expected["others"]
    rules = {e["rule"]: e["rows"] for e in found["healthcare_scientists_found"]["examples"]}
    assert rules == {"staff group": 9, "occupation code (U matrix)": 1}
    assert found["leavers_report_other_staff_groups"]["count"] == 1


def test_each_esr_rule_lands_on_its_row(tmp_path: Path) -> None:
    sip, leavers = write_reports(tmp_path)
    store = open_store(f"sqlite:///{tmp_path / 'hcs.db'}", migrate=True)
    import_extract(sip, store, leavers=leavers)
    staff = store.staff().sort("start_date")
    by_spec = dict(zip(staff["specialism_id"], staff["career_level"], strict=False))
    # Theme-level Area of Work: loaded as such, never guessed into Clinical Biochemistry.
    assert by_spec["blood_sciences_not_known"] == "practitioner"
    assert "clinical_biochemistry" in by_spec and by_spec["clinical_biochemistry"] == "consultant"  # UAA
    assert by_spec["radiotherapy_physics"] == "consultant"  # generic role at band 8c
    assert by_spec["medical_physics_not_defined"] == "assistant"  # technician at band 3
    assert by_spec["nuclear_medicine"] == "trainee_clinical_scientist"
    trainee = staff.filter(pl.col("specialism_id") == "nuclear_medicine").row(0, named=True)
    assert trainee["training_programme"] == "stp"
    assert trainee["age"] == 44  # Excel serial 29221 = 1980-01-01
    assert staff.filter(pl.col("specialism_id") == "clinical_biochemistry")["afc_band"].to_list() == ["8a"]
    assert set(staff["organisation_code"]) == {"RGT", "RJ1"}
    found = _findings(store)
    # Blood Sciences, Medical Physics (the technician) and Pathology (the MLA) name no specialism.
    assert found["specialism_not_known"]["count"] == 3
    assert found["level_from_band"]["count"] == 2


def test_the_cli_loads_both_reports_and_says_what_it_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sip, leavers = write_reports(tmp_path)
    db = f"sqlite:///{tmp_path / 'hcs.db'}"
    code, _out, err = run_cli(["import", str(sip), "--leavers", str(leavers), "--db", db], capsys)
    assert code == 0, err
    err = " ".join(err.split())  # the console wraps long lines
    assert "census 2024-03-31 (dated from the report's title line 'Report Date: 31/03/2024')" in err
    assert "8 healthcare scientists" in err
    assert "4 rows of other staff groups, not loaded: " in err
    assert "1 bank assignments of 1 people, loaded apart" in err
    assert "maternity 1" in err


def test_no_census_date_anywhere_is_refused_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sip, leavers = write_reports(tmp_path, title=[])
    db = f"sqlite:///{tmp_path / 'hcs.db'}"
    code, out, err = run_cli(["import", str(sip), "--leavers", str(leavers), "--db", db], capsys)
    assert code == 2 and out == ""
    assert "the census date is not in the file" in err and "--census-date" in err
    assert open_store(db).census_dates() == []
    # Given by the user, it loads; given differently from the file's own date, it is refused.
    code, _, err = run_cli(["import", str(sip), "--census-date", "2024-03-31", "--db", db], capsys)
    assert code == 0, err
    sip2, _ = write_reports(tmp_path)
    code, _, err = run_cli(["import", str(sip2), "--census-date", "2024-04-30", "--db", db], capsys)
    assert code == 2 and "differs from the file's (2024-03-31" in err


def _row(i: int) -> list[str]:
    return list(SIP_ROWS[i][1])


@pytest.mark.parametrize(
    ("change", "row", "column", "text"),
    [
        ("band_clash", 5, "Pay Band", "'Pay Band' and 'Grade' both give afc_band and disagree"),
        ("fte_clash", 5, "FTE", "'FTE' and 'Contracted Wte' both give fte and disagree"),
        ("no_ods", 5, "Organisation", "no organisation code can be found"),
        ("zero_fte_permanent", 5, "FTE", "0 only on a Bank or Honorary assignment"),
        ("unknown_role", 5, "Job Role", "the career level cannot be worked out"),
        ("unknown_area", 5, "Area of Work", "is not a healthcare science specialism, theme or division"),
    ],
)
def test_refusals_name_row_column_value_and_write_nothing(
    change: str, row: int, column: str, text: str, db_url: str, tmp_path: Path
) -> None:
    rows = [_row(i) for i in range(len(SIP_ROWS))]
    r = rows[row - 5]  # the header is on line 4 (three title lines), so row 5 is the first data row
    if change == "band_clash":
        r[9] = "Review Body Band 7"
    elif change == "fte_clash":
        r[14] = "0.5000"
    elif change == "no_ods":
        r[2] = "412 Blood Sciences L6"
    elif change == "zero_fte_permanent":
        r[13] = r[14] = "0.0000"
    elif change == "unknown_role":
        r[4] = "Scientist of Things"
        r[5] = ""
    elif change == "unknown_area":
        r[7] = "Astrology"
    sip, leavers = write_reports(tmp_path, sip=rows)
    store = open_store(db_url, migrate=True)
    with pytest.raises(UserInputError) as e:
        import_extract(sip, store, leavers=leavers)
    msgs = [p for p in e.value.problems if text in str(p)]
    assert msgs, [str(p) for p in e.value.problems]
    assert msgs[0].row == 5 and msgs[0].column == column and msgs[0].file == "staff_in_post.csv"
    assert store.census_dates() == []


def test_vpd_map_resolves_a_hierarchy_without_an_ods_code(tmp_path: Path) -> None:
    rows = [_row(i) for i in range(len(SIP_ROWS))]
    rows[0][2] = "412 Blood Sciences L6"
    sip, leavers = write_reports(tmp_path, sip=rows)
    vpd = tmp_path / "vpd.csv"
    vpd.write_text("vpd_code,organisation_code\n412,RGT\n", encoding="utf-8")
    from hcsworkforce.ingest import esr
    from hcsworkforce.ingest.extract import EsrOptions

    store = open_store(f"sqlite:///{tmp_path / 'hcs.db'}", migrate=True)
    import_extract(sip, store, leavers=leavers, options=EsrOptions(vpd_map=esr.read_vpd_map(vpd)))
    assert (
        store.staff().filter(pl.col("specialism_id") == "clinical_biochemistry")["organisation_code"].item()
        == "RGT"
    )


def test_local_rules_put_a_row_in_or_out(tmp_path: Path) -> None:
    sip, leavers = write_reports(tmp_path)
    rules = tmp_path / "rules.csv"
    rules.write_text(
        "field,value,decision\noccupation_code,U9Z,out\njob_role,Physiotherapist,in\n", encoding="utf-8"
    )
    from hcsworkforce.ingest import esr
    from hcsworkforce.ingest.extract import EsrOptions

    store = open_store(f"sqlite:///{tmp_path / 'hcs.db'}", migrate=True)
    with pytest.raises(UserInputError) as e:
        # The physiotherapist is put in, but Physiotherapy is not an HCS specialism: refused, with its row.
        import_extract(sip, store, leavers=leavers, options=EsrOptions(rules=esr.read_rules(rules)))
    assert any(p.value == "Physiotherapy" for p in e.value.problems)
    rules.write_text("field,value,decision\noccupation_code,U9*,out\n", encoding="utf-8")
    import_extract(sip, store, leavers=leavers, options=EsrOptions(rules=esr.read_rules(rules)))
    assert store.staff()["staff_key"].n_unique() == 7
    found = _findings(store)
    assert "local rule (row 2)" not in found["healthcare_scientists_found"]["detail"]
    assert found["other_staff_groups"]["count"] == 5


def test_people_away_in_esr_are_in_post_but_not_available_to_deploy(tmp_path: Path) -> None:
    from hcsworkforce.ingest.pseudonymise import load_key, pseudonymise
    from hcsworkforce.services.deploy import unavailable_staff_keys

    sip, leavers = write_reports(tmp_path)
    store = open_store(f"sqlite:///{tmp_path / 'hcs.db'}", migrate=True)
    import_extract(sip, store, leavers=leavers)
    staff = store.staff()
    # 10000008 is on maternity leave (her only post); 10000003 has an active post beside a bank one.
    assert unavailable_staff_keys(store, staff) == pseudonymise(["10000008"], load_key())
    assert staff.filter(pl.col("staff_key").is_in(unavailable_staff_keys(store, staff))).height == 1
